import { waitSeconds, type Counter, type Limiter } from './limiter.js';

interface Window {
  count: number;
  readonly resetAt: number;
}

const MAX_KEYS = 100_000;

/**
 * Fixed-window counters in this process: one node's view (with several nodes and no Redis, a client
 * spread over them gets that many times the limit).
 *
 * The map holds at most `maxKeys` counters. When full it makes room by dropping, in this order,
 * windows that already ended, then the counters with the fewest hits, oldest first; it never clears
 * everything, so a flood of made-up keys (one hit each) cannot reset the counter of the key actually
 * under attack: pushing a counter at its limit out takes `maxKeys` other counters at their limit too.
 */
export class MemoryLimiter implements Limiter {
  private readonly windows = new Map<string, Window>();

  constructor(
    private readonly maxKeys = MAX_KEYS,
    private readonly now: () => number = Date.now,
  ) {}

  async take(counters: readonly Counter[]): Promise<number> {
    return this.takeNow(counters);
  }

  async peek(counters: readonly Counter[]): Promise<number> {
    return this.peekNow(counters);
  }

  async add(counters: readonly Counter[]): Promise<void> {
    this.addNow(counters);
  }

  async refund(counters: readonly Counter[]): Promise<void> {
    this.refundNow(counters);
  }

  async reset(keys: readonly string[]): Promise<void> {
    for (const key of keys) this.windows.delete(key);
  }

  async close(): Promise<void> {
    this.windows.clear();
  }

  /** The synchronous core, also what RedisLimiter falls back to while Redis is away. */
  takeNow(counters: readonly Counter[]): number {
    const wait = this.peekNow(counters);
    if (wait === 0) this.addNow(counters);
    return wait;
  }

  peekNow(counters: readonly Counter[]): number {
    const now = this.now();
    let waitMs = 0;
    for (const { key, limit } of counters) {
      const window = this.windows.get(key);
      if (window === undefined) continue;
      if (window.resetAt <= now) this.windows.delete(key);
      else if (window.count >= limit) waitMs = Math.max(waitMs, window.resetAt - now);
    }
    return waitSeconds(waitMs);
  }

  addNow(counters: readonly Counter[]): void {
    const now = this.now();
    for (const { key, windowMs } of counters) {
      const window = this.windows.get(key);
      if (window !== undefined && window.resetAt > now) {
        window.count += 1;
        continue;
      }
      if (window === undefined && this.windows.size >= this.maxKeys) this.makeRoom(now);
      this.windows.set(key, { count: 1, resetAt: now + windowMs });
    }
  }

  refundNow(counters: readonly Counter[]): void {
    const now = this.now();
    for (const { key } of counters) {
      const window = this.windows.get(key);
      if (window !== undefined && window.resetAt > now && window.count > 0) window.count -= 1;
    }
  }

  /** How many counters are held (tests). */
  get size(): number {
    return this.windows.size;
  }

  /**
   * Frees a tenth of the room at once, so a flood pays for one sort per many new keys rather than per
   * key. Map iteration is insertion order, so a stable sort on the count keeps "oldest first".
   */
  private makeRoom(now: number): void {
    for (const [key, window] of this.windows) if (window.resetAt <= now) this.windows.delete(key);
    const target = Math.floor(this.maxKeys * 0.9);
    if (this.windows.size <= target) return;
    const byCount = [...this.windows].sort(([, a], [, b]) => a.count - b.count);
    for (const [key] of byCount.slice(0, this.windows.size - target)) this.windows.delete(key);
  }
}
