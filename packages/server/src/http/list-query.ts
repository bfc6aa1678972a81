import { ApiError } from './api-error.js';
import { DEFAULT_PAGE_SIZE } from '../store/pagination.js';

export interface ListQuery {
  readonly take: number;
  readonly cursor: string | undefined;
  readonly blueprintId: string | undefined;
  readonly meta: ReadonlyArray<readonly [string, string]>;
}

const META_PARAM = /^meta\[([a-zA-Z0-9_.-]{1,64})\]$/;

/**
 * `?take=&cursor=&blueprintId=&meta[key]=value`. Parsed by hand because the bracketed meta keys
 * are open-ended; every other parameter is refused so a typo never silently widens a listing.
 */
export function parseListQuery(query: unknown, allowed: { blueprintId: boolean; meta: boolean }): ListQuery {
  const params: Record<string, unknown> = typeof query === 'object' && query !== null ? { ...query } : {};
  let take = DEFAULT_PAGE_SIZE;
  let cursor: string | undefined;
  let blueprintId: string | undefined;
  const meta: [string, string][] = [];
  for (const [name, value] of Object.entries(params)) {
    const metaKey = allowed.meta ? META_PARAM.exec(name)?.[1] : undefined;
    if (name !== 'take' && name !== 'cursor' && !(name === 'blueprintId' && allowed.blueprintId) && metaKey === undefined) {
      throw new ApiError('PARLEY_ERR_REQUEST_UNKNOWN_FIELD', `Unknown query parameter "${name}".`, name);
    }
    // A repeated parameter (an array here) is refused rather than reduced to one of its values:
    // `meta[env]=a&meta[env]=b` would otherwise silently drop a filter the caller asked for.
    if (typeof value !== 'string') throw invalid(name, 'must be given once as text');
    if (name === 'take') {
      if (!/^\d+$/.test(value) || Number(value) < 1 || Number(value) > 100) throw invalid('take', 'must be a whole number from 1 to 100');
      take = Number(value);
    } else if (name === 'cursor') cursor = value;
    else if (metaKey === undefined) blueprintId = value;
    else meta.push([metaKey, value]);
  }
  return { take, cursor, blueprintId, meta };
}

function invalid(field: string, text: string): ApiError {
  return new ApiError('PARLEY_ERR_REQUEST_VALIDATION', `${field} ${text}.`, field);
}
