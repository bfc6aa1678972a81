import { addressKey } from '../limits/address-key.js';
import type { Counter, Limiter } from '../limits/limiter.js';

/** Failed logins allowed per window, per client address and per email. */
const MAX_FAILURES = 10;
const WINDOW_MS = 60_000;

/**
 * Slows password guessing: after MAX_FAILURES failed logins within a minute from one address, or
 * against one email, further attempts are refused until the window ends. Counted by the shared
 * Limiter: in Redis across every node when configured, else per node in a bounded map that never
 * forgets a counter at its limit to make room for made-up emails (see MemoryLimiter).
 */
export class LoginLimiter {
  constructor(private readonly limiter: Limiter) {}

  /** Seconds to wait, or 0 when an attempt may go ahead. */
  check(ip: string, email: string): Promise<number> {
    return this.limiter.peek(counters(ip, email));
  }

  failed(ip: string, email: string): Promise<void> {
    return this.limiter.add(counters(ip, email));
  }

  /** A success clears the email's count (the address keeps its own: one success must not launder a guessing run). */
  succeeded(_ip: string, email: string): Promise<void> {
    return this.limiter.reset([emailKey(email)]);
  }
}

const emailKey = (email: string): string => `login:email:${email}`;

function counters(ip: string, email: string): Counter[] {
  return [
    // IPv6 by /64, as every per-address limit (limits/address-key.ts).
    { key: `login:address:${addressKey(ip)}`, limit: MAX_FAILURES, windowMs: WINDOW_MS },
    { key: emailKey(email), limit: MAX_FAILURES, windowMs: WINDOW_MS },
  ];
}
