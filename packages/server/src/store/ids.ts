import { monotonicFactory } from 'ulid';

/**
 * Ids are `<prefix>_<ULID>`. ULIDs sort by creation time and the monotonic factory keeps that true
 * within one millisecond, so "newest first" is `ORDER BY id DESC` and an id is a stable cursor.
 */
const nextUlid = monotonicFactory();

export type IdPrefix = 'wgt' | 'bp' | 'bot' | 'key' | 'conv' | 'msg' | 'ct';

export function newId(prefix: IdPrefix): string {
  return `${prefix}_${nextUlid()}`;
}

export function nowIso(): string {
  return new Date().toISOString();
}
