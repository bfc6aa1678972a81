import { describe, expect, it, vi } from 'vitest';
import { exactTime, relativeTime } from './relative-time.js';

const NOW = new Date(2026, 11, 6, 15, 30); // Sunday 6 December 2026, 15:30 local time.
const at = (year: number, month: number, day: number, hour: number, minute: number, second = 0) =>
  new Date(year, month, day, hour, minute, second).toISOString();

describe('relativeTime', () => {
  it('says now, minutes and hours for today', () => {
    expect(relativeTime(at(2026, 11, 6, 15, 29, 40), NOW)).toBe('now');
    expect(relativeTime(at(2026, 11, 6, 15, 25), NOW)).toBe('5m');
    expect(relativeTime(at(2026, 11, 6, 12, 10), NOW)).toBe('3h');
    expect(relativeTime(at(2026, 11, 6, 0, 5), NOW)).toBe('15h');
  });

  it('names yesterday, a weekday within the week, then a date with the year once it is another year', () => {
    expect(relativeTime(at(2026, 11, 5, 9, 0), NOW, 'en-GB')).toBe('Yesterday');
    expect(relativeTime(at(2026, 11, 2, 9, 0), NOW, 'en-GB')).toBe('Wed');
    expect(relativeTime(at(2026, 10, 20, 9, 0), NOW, 'en-GB')).toBe('20 Nov');
    expect(relativeTime(at(2025, 10, 20, 9, 0), NOW, 'en-GB')).toBe('20 Nov 2025');
  });

  it('keeps hours for a message a few hours old just before midnight', () => {
    const justAfterMidnight = new Date(2026, 11, 6, 0, 30);
    expect(relativeTime(at(2026, 11, 5, 22, 0), justAfterMidnight)).toBe('2h');
  });

  it('answers nothing for a date it cannot read, and the exact time in full', () => {
    expect(relativeTime('not a date', NOW)).toBe('');
    expect(exactTime(at(2026, 11, 2, 9, 0), 'en-GB')).toMatch(/Wednesday.*2 December 2026.*09:00/);
  });
});

describe('date formatting', () => {
  it('formats through formatters made once, not a Date#toLocale*String call (a new ICU formatter each in Chrome) per row', () => {
    const methods = ['toLocaleString', 'toLocaleDateString', 'toLocaleTimeString'] as const;
    const spies = methods.map((method) => vi.spyOn(Date.prototype, method));
    try {
      const texts = [
        exactTime(at(2026, 11, 2, 9, 0), 'en-GB'),
        relativeTime(at(2026, 11, 2, 9, 0), NOW, 'en-GB'),
        relativeTime(at(2026, 10, 20, 9, 0), NOW, 'en-GB'),
        relativeTime(at(2025, 10, 20, 9, 0), NOW, 'en-GB'),
      ];
      for (const spy of spies) expect(spy).not.toHaveBeenCalled();
      expect(texts).toEqual([
        new Date(at(2026, 11, 2, 9, 0)).toLocaleString('en-GB', { dateStyle: 'full', timeStyle: 'short' }),
        'Wed',
        '20 Nov',
        '20 Nov 2025',
      ]);
    } finally {
      for (const spy of spies) spy.mockRestore();
    }
  });
});
