/** Full-jitter exponential backoff ("Exponential Backoff And Jitter", AWS): uniform in [0, min(cap, base·2^attempt)). */
export interface BackoffOptions {
  readonly baseMs?: number | undefined;
  readonly capMs?: number | undefined;
  /** Injectable for tests; `Math.random` by default. */
  readonly random?: (() => number) | undefined;
}

export const BACKOFF_BASE_MS = 500;
export const BACKOFF_CAP_MS = 30_000;

export function backoffDelay(attempt: number, options: BackoffOptions = {}): number {
  const base = options.baseMs ?? BACKOFF_BASE_MS;
  const cap = options.capMs ?? BACKOFF_CAP_MS;
  const random = options.random ?? Math.random;
  // Clamp the exponent so 2^attempt never overflows into Infinity on a very long outage.
  const ceiling = Math.min(cap, base * 2 ** Math.min(attempt, 30));
  return Math.floor(random() * ceiling);
}
