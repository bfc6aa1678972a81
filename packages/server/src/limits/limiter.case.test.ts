import { randomUUID } from 'node:crypto';
import { Redis } from 'ioredis';
import { afterAll, describe, expect, it } from 'vitest';
import type { Counter, Limiter } from './limiter.js';
import { MemoryLimiter } from './memory-limiter.js';
import { RedisLimiter } from './redis-limiter.js';

const REDIS_URL = process.env['PARLEY_TEST_REDIS_URL'] ?? 'redis://127.0.0.1:6379';
/** Nothing listens there: a Redis that is away. */
const DEAD_REDIS_URL = 'redis://127.0.0.1:6391';
const run = `parley:test:limits:${randomUUID().slice(0, 8)}:`;

interface Logged {
  readonly level: 'warn' | 'error' | 'info';
  readonly message: string;
}
const recordingLog = (lines: Logged[]) => ({
  warn: (_details: object, message: string) => void lines.push({ level: 'warn', message }),
  error: (_details: object, message: string) => void lines.push({ level: 'error', message }),
  info: (_details: object, message: string) => void lines.push({ level: 'info', message }),
});

const opened: Limiter[] = [];
afterAll(async () => {
  await Promise.all(opened.map((limiter) => limiter.close()));
  const admin = new Redis(REDIS_URL, { maxRetriesPerRequest: 0 });
  const keys = await admin.keys(`${run}*`).catch(() => []);
  if (keys.length > 0) await admin.del(...keys);
  admin.disconnect();
});

let counterNo = 0;
const counter = (limit: number, windowMs = 60_000): Counter => ({ key: `c${++counterNo}`, limit, windowMs });

interface Implementation {
  readonly name: string;
  /** Two limiters that share their counts (two nodes on one Redis), or the same one twice in memory. */
  open(): [Limiter, Limiter];
}

const memory: Implementation = {
  name: 'memory',
  open() {
    const limiter = new MemoryLimiter();
    return [limiter, limiter];
  },
};

const redis: Implementation = {
  name: 'redis',
  open() {
    const node = (): RedisLimiter => new RedisLimiter({ url: REDIS_URL, log: recordingLog([]), keyPrefix: run });
    const pair: [Limiter, Limiter] = [node(), node()];
    opened.push(...pair);
    return pair;
  },
};

/** Redis missing fails under CI=true; elsewhere only PARLEY_TEST_SKIP_REDIS=1 leaves it out (as in bus.case.test.ts). */
const skipRedis = process.env['PARLEY_TEST_SKIP_REDIS'] === '1' && process.env['CI'] !== 'true';

describe.each(skipRedis ? [memory] : [memory, redis])('limiter ($name)', (implementation) => {
  it('lets `limit` hits through per window, then refuses with the seconds left', async () => {
    const [limiter] = implementation.open();
    const c = counter(3, 30_000);
    for (let i = 0; i < 3; i += 1) expect(await limiter.take([c])).toBe(0);
    const wait = await limiter.take([c]);
    expect(wait).toBeGreaterThanOrEqual(29);
    expect(wait).toBeLessThanOrEqual(30);
  });

  it('counts on every counter or on none: a refused request does not use up the other counters', async () => {
    const [limiter] = implementation.open();
    const session = counter(1);
    const address = counter(2);
    expect(await limiter.take([session, address])).toBe(0);
    // The session is at its limit: refused twice, and the address keeps its second hit for someone else.
    expect(await limiter.take([session, address])).toBeGreaterThan(0);
    expect(await limiter.take([session, address])).toBeGreaterThan(0);
    expect(await limiter.take([counter(5), address])).toBe(0);
    expect(await limiter.take([counter(5), address])).toBeGreaterThan(0);
  });

  it('peeks without counting, adds whatever the state, and forgets a reset key', async () => {
    const [limiter] = implementation.open();
    const c = counter(2);
    expect(await limiter.peek([c])).toBe(0);
    await limiter.add([c]);
    await limiter.add([c]);
    await limiter.add([c]);
    expect(await limiter.peek([c])).toBeGreaterThan(0);
    await limiter.reset([c.key]);
    expect(await limiter.peek([c])).toBe(0);
    expect(await limiter.take([c])).toBe(0);
  });

  it('takes back one hit per refund, never below zero, and refunds nothing on a counter it never saw', async () => {
    const [limiter] = implementation.open();
    const c = counter(2);
    const unseen = counter(1);
    await limiter.refund([c, unseen]);
    expect(await limiter.take([c])).toBe(0);
    expect(await limiter.take([c])).toBe(0);
    expect(await limiter.take([c])).toBeGreaterThan(0);
    await limiter.refund([c]);
    expect(await limiter.take([c])).toBe(0);
    expect(await limiter.take([c])).toBeGreaterThan(0);
    // A refund of a counter never taken does not make room for a second hit.
    expect(await limiter.take([unseen])).toBe(0);
    expect(await limiter.take([unseen])).toBeGreaterThan(0);
  });

  it('starts a new window once the old one ends', async () => {
    const [limiter] = implementation.open();
    const c = counter(1, 50);
    expect(await limiter.take([c])).toBe(0);
    // No timed assertion: the window ends at some point, and then a hit goes through again.
    let wait = await limiter.take([c]);
    while (wait > 0) {
      await new Promise((resolve) => setTimeout(resolve, 20));
      wait = await limiter.take([c]);
    }
    expect(wait).toBe(0);
  });

  it('holds one limit across two nodes', async () => {
    const [a, b] = implementation.open();
    const c = counter(4);
    expect(await a.take([c])).toBe(0);
    expect(await b.take([c])).toBe(0);
    expect(await a.take([c])).toBe(0);
    expect(await b.take([c])).toBe(0);
    expect(await a.take([c])).toBeGreaterThan(0);
    expect(await b.take([c])).toBeGreaterThan(0);
  });

  it('lets exactly `limit` of many concurrent hits through', async () => {
    const [a, b] = implementation.open();
    const c = counter(10);
    const waits = await Promise.all(Array.from({ length: 40 }, (_, i) => (i % 2 === 0 ? a : b).take([c])));
    expect(waits.filter((wait) => wait === 0)).toHaveLength(10);
  });
});

describe('memory limiter', () => {
  it('keeps a key at its limit while 100,001 made-up keys are counted once each, and stays bounded', async () => {
    const limiter = new MemoryLimiter(10_000);
    const target = counter(10);
    for (let i = 0; i < 10; i += 1) await limiter.add([target]);
    for (let i = 0; i < 100_001; i += 1) limiter.addNow([{ key: `fake${i}`, limit: 10, windowMs: 60_000 }]);
    expect(await limiter.peek([target])).toBeGreaterThan(0);
    expect(limiter.size).toBeLessThanOrEqual(10_000);
  });

  it('drops ended windows first when full, then the fewest hits, oldest first', () => {
    let now = 0;
    const limiter = new MemoryLimiter(10, () => now);
    limiter.addNow([{ key: 'old', limit: 1, windowMs: 60_000 }]);
    now = 61_000;
    for (let i = 0; i < 3; i += 1) limiter.addNow([{ key: 'busy', limit: 3, windowMs: 60_000 }]);
    for (let i = 0; i < 20; i += 1) limiter.addNow([{ key: `one${i}`, limit: 3, windowMs: 60_000 }]);
    expect(limiter.size).toBeLessThanOrEqual(10);
    expect(limiter.peekNow([{ key: 'busy', limit: 3, windowMs: 60_000 }])).toBeGreaterThan(0);
  });
});

describe('redis limiter while Redis is away', () => {
  it('counts per node in memory, with one warning, instead of refusing or waiting', async () => {
    const lines: Logged[] = [];
    const limiter = new RedisLimiter({ url: DEAD_REDIS_URL, log: recordingLog(lines), keyPrefix: run, connectTimeoutMs: 200 });
    opened.push(limiter);
    const c = counter(2);
    expect(await limiter.take([c])).toBe(0);
    expect(await limiter.take([c])).toBe(0);
    expect(await limiter.take([c])).toBeGreaterThan(0);
    expect(lines.filter((line) => line.level === 'warn' && /counted per node/.test(line.message))).toHaveLength(1);
  });
});
