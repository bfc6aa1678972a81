import { describe, expect, it } from 'vitest';
import type { BusinessHours } from '@parley/protocol';
import { isWithinHours } from './presence.js';

const weekdays: BusinessHours = {
  timezone: 'Europe/Paris',
  hours: [{ days: ['mon', 'tue', 'wed', 'thu', 'fri'], from: '09:00', to: '17:00' }],
};

describe('business hours', () => {
  it('counts the time in the configured time zone, not the server’s', () => {
    // Monday 2030-01-07 08:30 UTC is 09:30 in Paris (UTC+1 in winter).
    expect(isWithinHours(weekdays, new Date('2030-01-07T08:30:00Z'))).toBe(true);
    expect(isWithinHours(weekdays, new Date('2030-01-07T07:30:00Z'))).toBe(false);
  });

  it('treats the end of a range as closed and weekends outside it', () => {
    expect(isWithinHours(weekdays, new Date('2030-01-07T16:00:00Z'))).toBe(false);
    expect(isWithinHours(weekdays, new Date('2030-01-05T10:00:00Z'))).toBe(false);
  });

  it('lets a range that ends before it starts run past midnight into the next day', () => {
    const night: BusinessHours = { timezone: 'UTC', hours: [{ days: ['fri'], from: '22:00', to: '02:00' }] };
    expect(isWithinHours(night, new Date('2030-01-04T23:00:00Z'))).toBe(true);
    expect(isWithinHours(night, new Date('2030-01-05T01:00:00Z'))).toBe(true);
    expect(isWithinHours(night, new Date('2030-01-05T03:00:00Z'))).toBe(false);
    expect(isWithinHours(night, new Date('2030-01-04T01:00:00Z'))).toBe(false);
  });
});
