export interface CacheLimits<V> {
  readonly maxEntries: number;
  /** Total weight kept (bytes for images); entries beyond it are dropped, least recently used first. */
  readonly maxWeight?: number;
  readonly weigh?: (value: V) => number;
}

interface Entry<V> {
  readonly value: V;
  readonly expiresAt: number;
  readonly weight: number;
}

/**
 * A small in-memory LRU with a lifetime per entry, and one load per key at a time: callers asking
 * for a key that is being loaded share that load (a link posted in a busy conversation is fetched
 * once, not once per tab). A Map keeps insertion order, so re-inserting on read makes it an LRU.
 */
export class ExpiringCache<V> {
  private readonly entries = new Map<string, Entry<V>>();
  private readonly loading = new Map<string, Promise<V>>();
  private weight = 0;

  constructor(
    private readonly limits: CacheLimits<V>,
    private readonly now: () => number = Date.now,
  ) {}

  get(key: string): V | undefined {
    const entry = this.entries.get(key);
    if (entry === undefined) return undefined;
    this.remove(key, entry);
    if (entry.expiresAt <= this.now()) return undefined;
    this.entries.set(key, entry);
    this.weight += entry.weight;
    return entry.value;
  }

  /** Held, or being loaded right now: asking for it costs nothing new. */
  has(key: string): boolean {
    return this.loading.has(key) || this.get(key) !== undefined;
  }

  /** The held value, else the running load, else a new one kept for `ttlMs(value)`. A rejected load is not kept. */
  load(key: string, loader: () => Promise<V>, ttlMs: (value: V) => number): Promise<V> {
    const held = this.get(key);
    if (held !== undefined) return Promise.resolve(held);
    const running = this.loading.get(key);
    if (running !== undefined) return running;
    const load = loader()
      .then((value) => {
        this.set(key, value, ttlMs(value));
        return value;
      })
      .finally(() => this.loading.delete(key));
    this.loading.set(key, load);
    return load;
  }

  set(key: string, value: V, ttlMs: number): void {
    const old = this.entries.get(key);
    if (old !== undefined) this.remove(key, old);
    const weight = this.limits.weigh?.(value) ?? 0;
    if (this.limits.maxWeight !== undefined && weight > this.limits.maxWeight) return;
    this.entries.set(key, { value, expiresAt: this.now() + ttlMs, weight });
    this.weight += weight;
    for (const [oldest, entry] of this.entries) {
      if (this.entries.size <= this.limits.maxEntries && this.weight <= (this.limits.maxWeight ?? Infinity)) break;
      this.remove(oldest, entry);
    }
  }

  get size(): number {
    return this.entries.size;
  }

  private remove(key: string, entry: Entry<V>): void {
    this.entries.delete(key);
    this.weight -= entry.weight;
  }
}
