/** Failed logins allowed per window, per client address and per email. */
const MAX_FAILURES = 10;
const WINDOW_MS = 60_000;
const MAX_KEYS = 10_000;

/**
 * Slows password guessing: after MAX_FAILURES failed logins within a minute from one address, or
 * against one email, further attempts are refused until the window ends. In memory, per node: a
 * guesser spread over many nodes gets at most that many times more tries.
 */
export class LoginLimiter {
  private readonly failures = new Map<string, { count: number; resetAt: number }>();

  /** Seconds to wait, or 0 when an attempt may go ahead. */
  check(ip: string, email: string): number {
    const now = Date.now();
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
    const now = Date.now();
    if (this.failures.size > MAX_KEYS) this.failures.clear();
    for (const key of keys(ip, email)) {
      const entry = this.failures.get(key);
      if (entry === undefined || entry.resetAt <= now) this.failures.set(key, { count: 1, resetAt: now + WINDOW_MS });
      else entry.count += 1;
    }
  }

  /** A success clears the email's count (the address keeps its own: one success must not launder a guessing run). */
  succeeded(_ip: string, email: string): void {
    this.failures.delete(`email:${email}`);
  }
}

function keys(ip: string, email: string): string[] {
  return [`ip:${ip}`, `email:${email}`];
}
