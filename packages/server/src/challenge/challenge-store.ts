/**
 * What the challenge gate remembers: counters over a window, spent challenges, and page loads. In process
 * by default; in Redis when PARLEY_REDIS_URL is set, so every node counts the same sessions and a
 * challenge spent on one node cannot be spent again on another. Only app.ts picks the implementation.
 *
 * Kept small on purpose so the general limiter (limits/) can stand behind `add` later.
 */
export interface ChallengeStore {
  /** Adds `delta` (may be negative, or 0 to read) to `key`'s count in the current `windowMs`; returns the new count. */
  add(key: string, delta: number, windowMs: number): Promise<number>;
  /** Marks `id` spent for `ttlMs`: true the first time, false when it was already spent (a replay). */
  spend(id: string, ttlMs: number): Promise<boolean>;
  /** Remembers that `key` happened, for `ttlMs`. */
  remember(key: string, ttlMs: number): Promise<void>;
  /** Whether `key` happened within its `ttlMs`. */
  remembers(key: string): Promise<boolean>;
  close(): Promise<void>;
}
