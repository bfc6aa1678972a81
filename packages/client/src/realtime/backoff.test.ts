import { describe, expect, it } from 'vitest';
import { backoffDelay } from './backoff.js';
import { createClientId } from './client-id.js';

describe('backoffDelay', () => {
  it('spreads delays uniformly below min(cap, base·2^attempt)', () => {
    expect(backoffDelay(0, { random: () => 0.999 })).toBe(499);
    expect(backoffDelay(3, { random: () => 0.5 })).toBe(2_000);
    expect(backoffDelay(50, { random: () => 0.999 })).toBe(29_970);
    expect(backoffDelay(5, { random: () => 0 })).toBe(0);
  });
});

describe('createClientId', () => {
  it('makes time-sortable ids that the protocol accepts', () => {
    const a = createClientId(1_000);
    const b = createClientId(2_000);
    expect(a).toMatch(/^[A-Za-z0-9_-]{8,64}$/);
    expect(a < b).toBe(true);
    expect(createClientId(1_000)).not.toBe(a);
  });
});
