import { randomUUID } from 'node:crypto';
import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ChallengeStore } from './challenge-store.js';
import { MemoryChallengeStore } from './memory-challenge-store.js';
import { RedisChallengeStore } from './redis-challenge-store.js';

const REDIS_URL = process.env['PARLEY_TEST_REDIS_URL'] ?? 'redis://127.0.0.1:6379';

interface Implementation {
  readonly name: string;
  /** Two handles on the same backend: two nodes for Redis, the same object in memory. */
  open(): Promise<[ChallengeStore, ChallengeStore]>;
}

const memory: Implementation = {
  name: 'memory',
  open: async () => {
    const store = new MemoryChallengeStore();
    return [store, store];
  },
};

const redis: Implementation = {
  name: 'redis',
  open: async () => {
    const probe = new Redis(REDIS_URL, { lazyConnect: true, maxRetriesPerRequest: 0 });
    try {
      await probe.connect();
      await probe.ping();
    } catch (error) {
      // Redis missing is a failure, never a skip (CI runs it; so should a developer machine).
      throw new Error(`Redis at ${REDIS_URL} is needed for this suite: ${String(error)}`, { cause: error });
    } finally {
      probe.disconnect();
    }
    const log = { warn: () => undefined, error: () => undefined };
    return [new RedisChallengeStore(REDIS_URL, log), new RedisChallengeStore(REDIS_URL, log)];
  },
};

for (const implementation of [memory, redis]) {
  describe(`ChallengeStore [${implementation.name}]`, () => {
    let a: ChallengeStore;
    let b: ChallengeStore;
    // Keys unique to this run: runs sharing one Redis never see each other's counts.
    const key = (name: string) => `test:${randomUUID()}:${name}`;
    beforeAll(async () => {
      [a, b] = await implementation.open();
    });
    afterAll(async () => {
      await a?.close();
      if (b !== a) await b?.close();
    });

    it('counts up and down within a window, shared by both nodes, never below 0; delta 0 reads', async () => {
      const k = key('count');
      expect(await a.add(k, 1, 60_000)).toBe(1);
      expect(await b.add(k, 1, 60_000)).toBe(2);
      expect(await a.add(k, -1, 60_000)).toBe(1);
      expect(await b.add(k, 0, 60_000)).toBe(1);
      expect(await a.add(key('other'), 0, 60_000)).toBe(0);
    });

    it('starts again from 0 in the next window', async () => {
      const k = key('window');
      // A 300 ms window: wait for the next one rather than for a clock (no timed assertion, only order).
      expect(await a.add(k, 5, 300)).toBe(5);
      await new Promise((resolve) => setTimeout(resolve, 700));
      expect(await a.add(k, 1, 300)).toBe(1);
    });

    it('spends an id once across nodes: the second spend is a replay', async () => {
      const id = key('spent');
      expect(await a.spend(id, 60_000)).toBe(true);
      expect(await b.spend(id, 60_000)).toBe(false);
      expect(await a.spend(id, 60_000)).toBe(false);
    });

    it('forgets a spent id after its time to live', async () => {
      const id = key('spent-ttl');
      expect(await a.spend(id, 200)).toBe(true);
      await new Promise((resolve) => setTimeout(resolve, 500));
      expect(await b.spend(id, 200)).toBe(true);
    });

    it('remembers a key for its time to live, on every node', async () => {
      const k = key('loaded');
      expect(await b.remembers(k)).toBe(false);
      await a.remember(k, 200);
      expect(await b.remembers(k)).toBe(true);
      await new Promise((resolve) => setTimeout(resolve, 500));
      expect(await b.remembers(k)).toBe(false);
    });
  });
}

describe('MemoryChallengeStore bound', () => {
  it('drops the oldest keys past its bound instead of growing', async () => {
    const store = new MemoryChallengeStore(10);
    for (let i = 0; i < 25; i += 1) await store.remember(`k${i}`, 60_000);
    expect(await store.remembers('k0')).toBe(false);
    expect(await store.remembers('k24')).toBe(true);
  });
});
