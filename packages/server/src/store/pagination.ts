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

/**
 * Cursors of lists ordered by a time and then the id (a conversation's last activity, a handoff, a rating):
 * the last item's time and id, which together are unique and sort as the list does. Opaque to callers.
 */
export function encodeTimeCursor(at: string, id: string): string {
  return Buffer.from(`${at}|${id}`).toString('base64url');
}

/** The time and id an encodeTimeCursor cursor continues from; refused when it is not one, or names another kind of item. */
export function decodeTimeCursor(cursor: string, prefix: IdPrefix): { at: string; id: string } {
  const [at, id, ...rest] = Buffer.from(cursor, 'base64url').toString('utf8').split('|');
  const valid =
    at !== undefined &&
    /^\d{4}-\d\d-\d\dT/.test(at) &&
    !Number.isNaN(Date.parse(at)) &&
    id !== undefined &&
    id.startsWith(`${prefix}_`) &&
    /^[a-z]{2,5}_[0-9A-Z]{26}$/.test(id);
  if (!valid || rest.length > 0) {
    throw new ApiError('PARLEY_ERR_REQUEST_INVALID_CURSOR', `The cursor "${cursor}" was not issued by this API.`, 'cursor');
  }
  return { at, id };
}

/** Queries fetch `take + 1` rows; the extra row only says whether another page exists. */
export function toPage<Row extends { id: string }, T>(rows: readonly Row[], take: number, map: (row: Row) => T): Page<T> {
  const items = rows.slice(0, take);
  const last = items.at(-1);
  return { items: items.map(map), nextCursor: rows.length > take && last !== undefined ? last.id : null };
}
