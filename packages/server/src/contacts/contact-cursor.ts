import * as v from 'valibot';
import { CONTACT_SORTS } from '@parley/protocol';
import { ApiError } from '../http/api-error.js';
import type { ContactOrder, ContactPosition } from './contacts-store.js';

/**
 * The contact list's cursor: the sort and order it was issued for, and the last row's sort key and id
 * (the key alone is not unique: two contacts seen at one instant, or named alike). Opaque to callers.
 */
const cursorSchema = v.tuple([
  v.picklist(CONTACT_SORTS),
  v.picklist(['asc', 'desc']),
  v.pipe(v.string(), v.maxLength(300)),
  v.pipe(v.string(), v.regex(/^ct_[0-9A-HJKMNP-TV-Z]{26}$/)),
]);

export function encodeCursor(order: ContactOrder, position: ContactPosition): string {
  return Buffer.from(JSON.stringify([order.sort, order.order, position.key, position.id])).toString('base64url');
}

/** The position a cursor continues from; refused when it is not one of ours, or was issued for another sort. */
export function decodeCursor(cursor: string | undefined, order: ContactOrder): ContactPosition | undefined {
  if (cursor === undefined) return undefined;
  let parsed: v.InferOutput<typeof cursorSchema>;
  try {
    parsed = v.parse(cursorSchema, JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8')));
  } catch {
    throw new ApiError('PARLEY_ERR_REQUEST_INVALID_CURSOR', `The cursor "${cursor.slice(0, 60)}" was not issued by this API.`, 'cursor');
  }
  const [sort, direction, key, id] = parsed;
  if (sort !== order.sort || direction !== order.order) {
    throw new ApiError(
      'PARLEY_ERR_REQUEST_INVALID_CURSOR',
      `This cursor continues a list sorted by ${sort} ${direction}; ask with the same sort and order, or start again without cursor.`,
      'cursor',
    );
  }
  return { key, id };
}
