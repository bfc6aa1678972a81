import type { Page } from '@parley/protocol';
import { ApiError } from '../http/api-error.js';
import type { IdPrefix } from './ids.js';

export const DEFAULT_PAGE_SIZE = 20;

const ID = /^[a-z]{2,5}_[0-9A-HJKMNP-TV-Z]{26}$/;

/**
 * Cursors are the id of the last item returned: ids sort by creation time, so this never skips or
 * repeats. With `prefix`, a cursor from another listing (a bot id given to the widget list) is refused
 * too, instead of silently answering an empty or wrong page.
 */
export function checkCursor(cursor: string | undefined, prefix?: IdPrefix): string | undefined {
  if (cursor !== undefined && (!ID.test(cursor) || (prefix !== undefined && !cursor.startsWith(`${prefix}_`)))) {
    throw new ApiError('PARLEY_ERR_REQUEST_INVALID_CURSOR', `The cursor "${cursor}" was not issued by this API.`, 'cursor');
  }
  return cursor;
}

/** Queries fetch `take + 1` rows; the extra row only says whether another page exists. */
export function toPage<Row extends { id: string }, T>(rows: readonly Row[], take: number, map: (row: Row) => T): Page<T> {
  const items = rows.slice(0, take);
  const last = items.at(-1);
  return { items: items.map(map), nextCursor: rows.length > take && last !== undefined ? last.id : null };
}
