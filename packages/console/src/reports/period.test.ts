import { describe, expect, it } from 'vitest';
import { addDays, dayIn, periodFor, periodLabel, rangeProblem } from './period.js';

describe('periodFor', () => {
  const now = Date.parse('2026-12-06T23:30:00Z'); // Already 7 December in Tokyo.

  it('reads today in the chosen zone', () => {
    expect(periodFor('today', 'UTC', now)).toMatchObject({ from: '2026-12-06', to: '2026-12-06' });
    expect(periodFor('today', 'Asia/Tokyo', now)).toMatchObject({ from: '2026-12-07', to: '2026-12-07' });
  });

  it('counts 7 and 30 days with today included, and this month from its first day', () => {
    expect(periodFor('7d', 'UTC', now)).toMatchObject({ from: '2026-11-30', to: '2026-12-06' });
    expect(periodFor('30d', 'UTC', now)).toMatchObject({ from: '2026-11-07', to: '2026-12-06' });
    expect(periodFor('month', 'UTC', now)).toMatchObject({ from: '2026-12-01', to: '2026-12-06' });
  });

  it('reads the day in the zone, on both sides of its midnight', () => {
    expect(dayIn(Date.parse('2026-12-05T14:59:59Z'), 'Asia/Tokyo')).toBe('2026-12-05');
    expect(dayIn(Date.parse('2026-12-05T15:00:00Z'), 'Asia/Tokyo')).toBe('2026-12-06');
    expect(dayIn(Date.parse('2026-12-06T04:59:59Z'), 'America/New_York')).toBe('2026-12-05');
  });

  it('keeps a custom range as given', () => {
    expect(periodFor('custom', 'UTC', now, { from: '2026-01-01', to: '2026-01-31' })).toMatchObject({
      from: '2026-01-01',
      to: '2026-01-31',
    });
  });
});

describe('ranges', () => {
  it('moves days across months and years', () => {
    expect(addDays('2026-12-31', 1)).toBe('2027-01-01');
    expect(addDays('2026-03-01', -1)).toBe('2026-02-28');
  });

  it('says what is wrong with a custom range', () => {
    expect(rangeProblem('2026-12-06', '2026-12-01')).toMatch(/swap/);
    expect(rangeProblem('', '2026-12-01')).toMatch(/both/);
    expect(rangeProblem('2026-12-01', '2026-12-01')).toBeNull();
    // 366 days (a leap year) is the longest report the API answers.
    expect(rangeProblem('2028-01-01', '2028-12-31')).toBeNull();
    expect(rangeProblem('2026-01-01', '2027-01-01')).toBeNull();
    expect(rangeProblem('2026-01-01', '2027-01-02')).toMatch(/at most 366 days/);
  });

  it('labels one day and a range', () => {
    expect(periodLabel({ preset: 'today', from: '2026-12-06', to: '2026-12-06', timeZone: 'UTC' }, 'en-GB')).toBe('6 Dec 2026');
    expect(periodLabel({ preset: '7d', from: '2026-11-30', to: '2026-12-06', timeZone: 'UTC' }, 'en-GB')).toMatch(/30 Nov.*6 Dec 2026/);
  });
});
