import { randomFillSync } from 'node:crypto';
import { monotonicFactory } from 'ulid';

/**
 * Ids are `<prefix>_<ULID>`. ULIDs sort by creation time and the monotonic factory keeps that true
 * within one millisecond, so "newest first" is `ORDER BY id DESC` and an id is a stable cursor.
 */
const nextUlid = monotonicFactory(pooledRandom());

/**
 * ulid's default source asks the OS for one byte per character (16 calls per id), which showed up in
 * the gateway profile; the same CSPRNG filling a pool 4 KiB at a time gives equally good bytes.
 */
function pooledRandom(): () => number {
  const pool = new Uint8Array(4096);
  let next = pool.length;
  return () => {
    if (next === pool.length) {
      randomFillSync(pool);
      next = 0;
    }
    return (pool[next++] ?? 0) / 256;
  };
}

export type IdPrefix =
  | 'wgt'
  | 'bp'
  | 'bot'
  | 'key'
  | 'conv'
  | 'msg'
  | 'ct'
  | 'agt'
  | 'team'
  | 'cr'
  | 'act'
  | 'blk'
  | 'whk'
  | 'evt'
  | 'whd'
  | 'wha'
  | 'aud'
  | 'cns'
  | 'cmp'
  | 'lnk';

export function newId(prefix: IdPrefix): string {
  return `${prefix}_${nextUlid()}`;
}

export function nowIso(): string {
  return new Date().toISOString();
}
