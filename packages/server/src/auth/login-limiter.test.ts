import { describe, expect, it } from 'vitest';
import { LoginLimiter } from './login-limiter.js';

describe('login limiter', () => {
  it('refuses an email after ten failures within the window, from any address', () => {
    const limiter = new LoginLimiter();
    for (let i = 0; i < 10; i += 1) limiter.failed(`10.0.0.${i}`, 'ann@example.com');
    expect(limiter.check('10.9.9.9', 'ann@example.com')).toBeGreaterThan(0);
    expect(limiter.check('10.9.9.9', 'bob@example.com')).toBe(0);
  });

  it('keeps an email blocked while 10,001 made-up emails fail from other addresses', () => {
    const limiter = new LoginLimiter();
    for (let i = 0; i < 10; i += 1) limiter.failed('192.0.2.1', 'ann@example.com');
    for (let i = 0; i < 10_001; i += 1) limiter.failed(`198.51.${(i >> 8) & 255}.${i & 255}`, `fake${i}@example.com`);
    expect(limiter.check('203.0.113.7', 'ann@example.com')).toBeGreaterThan(0);
    expect(limiter.size).toBeLessThanOrEqual(10_000);
  });

  it('drops ended windows before anything else when full, and then the fewest failures, oldest first', () => {
    let now = 0;
    const limiter = new LoginLimiter(10, () => now);
    limiter.failed('a', 'old@example.com');
    now = 61_000;
    for (let i = 0; i < 3; i += 1) limiter.failed('b', 'busy@example.com');
    for (let i = 0; i < 6; i += 1) limiter.failed(`c${i}`, `one${i}@example.com`);
    expect(limiter.size).toBeLessThanOrEqual(10);
    expect(limiter.check('z', 'old@example.com')).toBe(0);
    for (let i = 0; i < 7; i += 1) limiter.failed('b', 'busy@example.com');
    expect(limiter.check('z', 'busy@example.com')).toBeGreaterThan(0);
  });
});
