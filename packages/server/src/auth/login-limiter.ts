/** Failed logins allowed per window, per client address and per email. */
const MAX_FAILURES = 10;
const WINDOW_MS = 60_000;
const MAX_KEYS = 10_000;

interface Failures {
  count: number;
  readonly resetAt: number;
}

/**
 * Slows password guessing: after MAX_FAILURES failed logins within a minute from one address, or
 * against one email, further attempts are refused until the window ends. In memory, per node: a
 * guesser spread over many nodes gets at most that many times more tries.
 *
 * The map holds at most `maxKeys` counters. When full it makes room by dropping, in this order,
 * windows that already ended, then the counters with the fewest failures, oldest first. It never
 * clears everything: a flood of made-up emails (one failure each) used to empty the map and with it
 * the count of the email actually being guessed. Pushing a counter at the limit out would now take
 * `maxKeys` other counters at the limit too, that is MAX_FAILURES × maxKeys failures in one window.
 */
export class LoginLimiter {
  private readonly failures = new Map<string, Failures>();

  constructor(
    private readonly maxKeys = MAX_KEYS,
    private readonly now: () => number = Date.now,
  ) {}

  /** Seconds to wait, or 0 when an attempt may go ahead. */
  check(ip: string, email: string): number {
    const now = this.now();
    let wait = 0;
    for (const key of keys(ip, email)) {
      const entry = this.failures.get(key);
      if (entry === undefined) continue;
      if (entry.resetAt <= now) this.failures.delete(key);
      else if (entry.count >= MAX_FAILURES) wait = Math.max(wait, Math.ceil((entry.resetAt - now) / 1000));
    }
    return wait;
  }

  failed(ip: string, email: string): void {
    const now = this.now();
    for (const key of keys(ip, email)) {
      const entry = this.failures.get(key);
      if (entry !== undefined && entry.resetAt > now) {
        entry.count += 1;
        continue;
      }
      if (entry === undefined && this.failures.size >= this.maxKeys) this.makeRoom(now);
      this.failures.set(key, { count: 1, resetAt: now + WINDOW_MS });
    }
  }

  /** A success clears the email's count (the address keeps its own: one success must not launder a guessing run). */
  succeeded(_ip: string, email: string): void {
    this.failures.delete(`email:${email}`);
  }

  /** How many counters are held (tests). */
  get size(): number {
    return this.failures.size;
  }

  /**
   * Frees a tenth of the room at once, so a flood pays for one sort per thousand new keys rather than
   * per key. Map iteration is insertion order, so a stable sort on the count keeps "oldest first".
   */
  private makeRoom(now: number): void {
    for (const [key, entry] of this.failures) if (entry.resetAt <= now) this.failures.delete(key);
    const target = Math.floor(this.maxKeys * 0.9);
    if (this.failures.size <= target) return;
    const byCount = [...this.failures].sort(([, a], [, b]) => a.count - b.count);
    for (const [key] of byCount.slice(0, this.failures.size - target)) this.failures.delete(key);
  }
}

function keys(ip: string, email: string): string[] {
  return [`ip:${ip}`, `email:${email}`];
}
