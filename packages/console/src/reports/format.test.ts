import { describe, expect, it } from 'vitest';
import { formatDuration, formatShare } from './format.js';

describe('formatDuration', () => {
  it('reads in the two largest units', () => {
    expect(formatDuration(0)).toBe('0 s');
    expect(formatDuration(45)).toBe('45 s');
    expect(formatDuration(200)).toBe('3 min 20 s');
    expect(formatDuration(3_900)).toBe('1 h 5 min');
    expect(formatDuration(3_600)).toBe('1 h');
    expect(formatDuration(183_600)).toBe('2 d 3 h');
  });

  it('says a dash when nothing was measured', () => {
    expect(formatDuration(null)).toBe('—');
  });
});

describe('formatShare', () => {
  it('never rounds a small share to nothing nor a large one to everything', () => {
    expect(formatShare(4, 10)).toBe('40%');
    expect(formatShare(1, 1000)).toBe('<1%');
    expect(formatShare(999, 1000)).toBe('>99%');
    expect(formatShare(0, 0)).toBe('—');
  });
});
