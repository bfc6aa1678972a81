import { describe, expect, it } from 'vitest';
import { MemoryLimiter } from '../limits/memory-limiter.js';
import { LoginLimiter } from './login-limiter.js';

describe('login limiter', () => {
  it('refuses an email after ten failures within the window, from any address', async () => {
    const limiter = new LoginLimiter(new MemoryLimiter());
    for (let i = 0; i < 10; i += 1) await limiter.failed(`10.0.0.${i}`, 'ann@example.com');
    expect(await limiter.check('10.9.9.9', 'ann@example.com')).toBeGreaterThan(0);
    expect(await limiter.check('10.9.9.9', 'bob@example.com')).toBe(0);
  });

  it('refuses an address after ten failures, whatever the emails', async () => {
    const limiter = new LoginLimiter(new MemoryLimiter());
    for (let i = 0; i < 10; i += 1) await limiter.failed('10.0.0.1', `guess${i}@example.com`);
    expect(await limiter.check('10.0.0.1', 'new@example.com')).toBeGreaterThan(0);
    expect(await limiter.check('10.0.0.2', 'new@example.com')).toBe(0);
  });

  it('a success clears the email but not the address', async () => {
    const limiter = new LoginLimiter(new MemoryLimiter());
    for (let i = 0; i < 10; i += 1) await limiter.failed(`10.0.1.${i}`, 'ann@example.com');
    for (let i = 0; i < 10; i += 1) await limiter.failed('10.0.0.1', `guess${i}@example.com`);
    await limiter.succeeded('10.0.0.9', 'ann@example.com');
    expect(await limiter.check('10.0.0.9', 'ann@example.com')).toBe(0);
    expect(await limiter.check('10.0.0.1', 'ann@example.com')).toBeGreaterThan(0);
  });

  it('keeps an email blocked while 10,001 made-up emails fail from other addresses', async () => {
    const memory = new MemoryLimiter(10_000);
    const limiter = new LoginLimiter(memory);
    for (let i = 0; i < 10; i += 1) await limiter.failed('192.0.2.1', 'ann@example.com');
    for (let i = 0; i < 10_001; i += 1) await limiter.failed(`198.51.${(i >> 8) & 255}.${i & 255}`, `fake${i}@example.com`);
    expect(await limiter.check('203.0.113.7', 'ann@example.com')).toBeGreaterThan(0);
    expect(memory.size).toBeLessThanOrEqual(10_000);
  });
});
