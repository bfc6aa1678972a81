import type { ChallengeStore } from './challenge-store.js';

interface Slot {
  count: number;
  /** When the entry stops counting (ms since epoch). */
  until: number;
}

/**
 * One node's memory. Bounded: past `maxKeys` the expired entries go, then the oldest ones — a flood of
 * fresh addresses forgets the oldest counts rather than growing without end (forgetting a count lets an
 * address start again below its threshold; forgetting a spent challenge lets it be replayed until it
 * expires, at most CHALLENGE_TTL — both only under a flood of over `maxKeys` keys).
 */
export class MemoryChallengeStore implements ChallengeStore {
  private readonly slots = new Map<string, Slot>();

  constructor(
    private readonly maxKeys = 100_000,
    private readonly now: () => number = Date.now,
  ) {}

  async add(key: string, delta: number, windowMs: number): Promise<number> {
    // Fixed windows, numbered from the epoch, as in Redis.
    const now = this.now();
    const window = Math.floor(now / windowMs);
    const name = `${key}:${window}`;
    const slot = this.live(name, now) ?? this.put(name, { count: 0, until: (window + 1) * windowMs });
    slot.count = Math.max(0, slot.count + delta);
    return slot.count;
  }

  async spend(id: string, ttlMs: number): Promise<boolean> {
    const now = this.now();
    if (this.live(id, now) !== undefined) return false;
    this.put(id, { count: 1, until: now + ttlMs });
    return true;
  }

  async remember(key: string, ttlMs: number): Promise<void> {
    this.slots.delete(key);
    this.put(key, { count: 1, until: this.now() + ttlMs });
  }

  async remembers(key: string): Promise<boolean> {
    return this.live(key, this.now()) !== undefined;
  }

  async close(): Promise<void> {
    this.slots.clear();
  }

  private live(key: string, now: number): Slot | undefined {
    const slot = this.slots.get(key);
    if (slot === undefined || slot.until > now) return slot;
    this.slots.delete(key);
    return undefined;
  }

  private put(key: string, slot: Slot): Slot {
    if (this.slots.size >= this.maxKeys) this.prune();
    this.slots.set(key, slot);
    return slot;
  }

  private prune(): void {
    const now = this.now();
    for (const [key, slot] of this.slots) if (slot.until <= now) this.slots.delete(key);
    // Map order is insertion order: the first keys are the oldest.
    const excess = this.slots.size - Math.floor(this.maxKeys * 0.9);
    if (excess > 0) for (const key of [...this.slots.keys()].slice(0, excess)) this.slots.delete(key);
  }
}
