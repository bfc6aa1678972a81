import { describe, expect, it } from 'vitest';
import { plural } from './plural.js';

describe('a count with its noun', () => {
  it('is singular for one only', () => {
    expect(plural(1, 'agent')).toBe('1 agent');
    expect(plural(0, 'agent')).toBe('0 agents');
    expect(plural(2, 'change')).toBe('2 changes');
    expect(plural(1, 'time')).toBe('1 time');
  });

  it('takes an irregular plural and a number format', () => {
    expect(plural(3, 'reply', 'replies')).toBe('3 replies');
    expect(plural(12_345, 'time', 'times', (n) => n.toLocaleString('en-US'))).toBe('12,345 times');
  });
});
