import { ApiError } from '../http/api-error.js';

/**
 * The parameters the configuration-version routes of widgets and blueprints share (docs/configuration-versions.md):
 * version numbers in paths, queries and cursors, and an import's `?dryRun=`.
 */

/** A version number as text: 1 or more, at most nine digits. */
const VERSION_NUMBER = /^[1-9]\d{0,8}$/;

/** The path parameters of `/v1/{widgets,blueprints}/:id/versions/:number`. */
export const versionParams = {
  type: 'object',
  required: ['id', 'number'],
  properties: { id: { type: 'string' }, number: { type: 'string' } },
} as const;

/** A version number from a path or query parameter (`to` of a diff may also be `draft`, which its caller reads first). */
export function versionNumber(value: unknown, field: string): number {
  if (typeof value !== 'string' || !VERSION_NUMBER.test(value)) {
    throw new ApiError(
      'PARLEY_ERR_REQUEST_VALIDATION',
      `${field} must be a version number (1 or more)${field === 'to' ? ' or draft' : ''}.`,
      field,
    );
  }
  return Number(value);
}

/** Version lists page by number: the cursor is the last number of the previous page. */
export function versionCursor(cursor: string | undefined): number | undefined {
  if (cursor === undefined) return undefined;
  if (!VERSION_NUMBER.test(cursor)) {
    throw new ApiError('PARLEY_ERR_REQUEST_INVALID_CURSOR', `The cursor "${cursor}" was not issued by this API.`, 'cursor');
  }
  return Number(cursor);
}

/** Refuses every query parameter but `allowed`. */
export function refuseOtherQuery(query: Readonly<Record<string, unknown>>, allowed: readonly string[]): void {
  for (const name of Object.keys(query)) {
    if (!allowed.includes(name)) throw new ApiError('PARLEY_ERR_REQUEST_UNKNOWN_FIELD', `Unknown query parameter "${name}".`, name);
  }
}

/** An import's `?dryRun=` (true, false, 1 or 0; false when absent). */
export function dryRunOf(query: Readonly<Record<string, unknown>>): boolean {
  const value = query['dryRun'];
  if (value === undefined) return false;
  if (value === 'true' || value === '1') return true;
  if (value === 'false' || value === '0') return false;
  throw new ApiError('PARLEY_ERR_REQUEST_VALIDATION', 'dryRun must be true or false.', 'dryRun');
}

/** The id an import answered (`widgetId` or `blueprintId`; null in a dry-run create), its audit entry's target. */
export function importedId(answer: unknown, key: 'widgetId' | 'blueprintId'): string | null {
  if (typeof answer !== 'object' || answer === null || !(key in answer)) return null;
  const id = (answer as Record<string, unknown>)[key];
  return typeof id === 'string' ? id : null;
}
