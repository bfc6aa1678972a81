import { describe, expect, it } from 'vitest';
import type { BusinessHours } from '@parley/protocol';
import { businessMs } from './business-time.js';
import { resolvePeriod, ZoneClock } from './report-period.js';

const SCOPE = { widgetId: null, teamId: null, agentId: null };
const query = (from: string, to: string, timeZone: string) => ({ from, to, timeZone, format: 'json' as const });

describe('report periods', () => {
  it('spans local midnights, including a day the clocks change (23 hours long)', () => {
    const period = resolvePeriod(query('2026-03-29', '2026-03-29', 'Europe/Paris'), SCOPE);
    expect(period.period.start).toBe('2026-03-28T23:00:00.000Z');
    expect(period.period.end).toBe('2026-03-29T22:00:00.000Z');
    expect(period.dates).toEqual(['2026-03-29']);
    expect(period.bucketMs).toBe(3_600_000);
  });

  it('groups by the quarter-hour in a zone whose offset is not whole hours', () => {
    expect(resolvePeriod(query('2026-01-01', '2026-01-31', 'Asia/Kathmandu'), SCOPE).bucketMs).toBe(900_000);
  });

  it('places an instant in its local day, weekday and hour on both sides of a change', () => {
    const clock = new ZoneClock('America/New_York');
    // 2026-03-08 07:30Z is 03:30 EDT (after the change at 02:00 EST), a Sunday; 06:30Z is 01:30 EST.
    expect(clock.local(Date.parse('2026-03-08T07:30:00Z'))).toMatchObject({ weekday: 6, hour: 3 });
    expect(clock.local(Date.parse('2026-03-08T06:30:00Z'))).toMatchObject({ weekday: 6, hour: 1 });
    expect(clock.local(Date.parse('2026-03-09T03:59:00Z'))).toMatchObject({ weekday: 6, hour: 23 });
    expect(clock.local(Date.parse('2026-03-09T04:00:00Z'))).toMatchObject({ weekday: 0, hour: 0 });
  });
});

describe('business time', () => {
  const hours: BusinessHours = {
    timezone: 'Europe/Paris',
    hours: [{ days: ['mon', 'tue', 'wed', 'thu', 'fri'], from: '09:00', to: '17:00' }],
  };
  const between = (from: string, to: string) => businessMs(hours, Date.parse(from), Date.parse(to)) / 1000;

  it('counts only the open hours, across nights and a weekend', () => {
    // Friday 16:00 → Monday 10:00 Paris (UTC+1 in January): one hour on Friday, one on Monday.
    expect(between('2026-01-09T15:00:00Z', '2026-01-12T09:00:00Z')).toBe(7200);
    // Inside one open stretch: all of it, to the second.
    expect(between('2026-01-06T08:00:30Z', '2026-01-06T08:10:00Z')).toBe(570);
    // Entirely at night: none.
    expect(between('2026-01-06T20:00:00Z', '2026-01-07T05:00:00Z')).toBe(0);
  });

  it('follows an overnight range into the next day', () => {
    const night: BusinessHours = { timezone: 'UTC', hours: [{ days: ['mon'], from: '22:00', to: '02:00' }] };
    // Monday 21:00 → Tuesday 03:00 UTC: open 22:00–02:00, four hours.
    expect(businessMs(night, Date.parse('2026-01-05T21:00:00Z'), Date.parse('2026-01-06T03:00:00Z')) / 1000).toBe(4 * 3600);
  });
});
