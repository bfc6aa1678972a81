import { describe, expect, it } from 'vitest';
import { ExpiringCache } from './expiring-cache.js';

describe('ExpiringCache', () => {
  it('drops the least recently used entry beyond maxEntries', () => {
    const cache = new ExpiringCache<string>({ maxEntries: 2 });
    cache.set('a', 'A', 1000);
    cache.set('b', 'B', 1000);
    expect(cache.get('a')).toBe('A'); // now b is the oldest
    cache.set('c', 'C', 1000);
    expect([cache.get('a'), cache.get('b'), cache.get('c')]).toEqual(['A', undefined, 'C']);
  });

  it('keeps the total weight under maxWeight and never keeps an entry heavier than it', () => {
    const cache = new ExpiringCache<Buffer>({ maxEntries: 10, maxWeight: 100, weigh: (value) => value.length });
    cache.set('a', Buffer.alloc(60), 1000);
    cache.set('b', Buffer.alloc(60), 1000);
    expect(cache.get('a')).toBeUndefined();
    cache.set('huge', Buffer.alloc(101), 1000);
    expect(cache.get('huge')).toBeUndefined();
    expect(cache.get('b')).toHaveLength(60);
  });

  it('forgets an entry once its lifetime is over', () => {
    let now = 0;
    const cache = new ExpiringCache<string>({ maxEntries: 10 }, () => now);
    cache.set('a', 'A', 100);
    now = 99;
    expect(cache.get('a')).toBe('A');
    now = 100;
    expect(cache.get('a')).toBeUndefined();
    expect(cache.size).toBe(0);
  });

  it('does not keep a load that failed, so the next ask tries again', async () => {
    const cache = new ExpiringCache<string>({ maxEntries: 10 });
    await expect(
      cache.load(
        'a',
        () => Promise.reject(new Error('bug')),
        () => 1000,
      ),
    ).rejects.toThrow('bug');
    expect(cache.has('a')).toBe(false);
    await expect(
      cache.load(
        'a',
        () => Promise.resolve('A'),
        () => 1000,
      ),
    ).resolves.toBe('A');
  });
});
