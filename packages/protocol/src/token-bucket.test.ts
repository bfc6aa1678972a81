import { expect, it } from 'vitest';
import { TokenBucket } from './token-bucket.js';

it('allows the burst at once, then refills at the sustained rate', () => {
  let now = 0;
  const bucket = new TokenBucket(10, 3, () => now);
  expect([bucket.take(), bucket.take(), bucket.take(), bucket.take()]).toEqual([true, true, true, false]);
  expect(bucket.waitMs()).toBe(100);
  now += 100;
  expect(bucket.take()).toBe(true);
  expect(bucket.take()).toBe(false);
});

it('reports full only once every token of the burst is back', () => {
  let now = 0;
  const bucket = new TokenBucket(10, 3, () => now);
  expect(bucket.isFull()).toBe(true);
  bucket.take();
  bucket.take();
  now += 100;
  expect(bucket.isFull()).toBe(false);
  now += 100;
  expect(bucket.isFull()).toBe(true);
});
