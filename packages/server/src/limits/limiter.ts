/**
 * One counter of a limit: at most `limit` hits per fixed window of `windowMs`, counted under `key`
 * (say `msg:session:<id>`). The window starts with the first hit and ends `windowMs` later.
 */
export interface Counter {
  readonly key: string;
  readonly limit: number;
  readonly windowMs: number;
}

/**
 * Volume limits, in process (MemoryLimiter) or in Redis shared by every node (RedisLimiter); only
 * app.ts picks. Every method works on several counters at once so that one request keyed by session,
 * widget and address is judged in one step. Waits are whole seconds (what Retry-After says), 0 for none.
 */
export interface Limiter {
  /**
   * Counts one hit on every counter when none of them is at its limit, else counts nothing (a refused
   * request must not use up the address's share for the others behind it) and returns the longest wait.
   */
  take(counters: readonly Counter[]): Promise<number>;
  /** The longest wait among counters at their limit, counting nothing (login: ask before checking a password). */
  peek(counters: readonly Counter[]): Promise<number>;
  /** Counts one hit on every counter whatever their state (login: a failed attempt). */
  add(counters: readonly Counter[]): Promise<void>;
  /**
   * Takes back one hit from every counter still in its window (never below 0): a request counted by `take` that
   * turned out not to be what the limit counts (a new session answered 428, to be sent again with a solved
   * challenge: the retry counts, the ask does not).
   */
  refund(counters: readonly Counter[]): Promise<void>;
  /** Forgets the counters under these keys (login: a success clears the email's failures). */
  reset(keys: readonly string[]): Promise<void>;
  close(): Promise<void>;
}

/** Milliseconds left → the whole seconds Retry-After says (at least 1: "0" would invite an instant retry). */
export function waitSeconds(ms: number): number {
  return ms <= 0 ? 0 : Math.max(1, Math.ceil(ms / 1000));
}
