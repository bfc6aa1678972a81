import * as v from 'valibot';
import { describe, expect, it } from 'vitest';
import { businessHoursSchema } from './widget-settings.js';
import { isLocale, isTimeZone, localeSchema, timeZoneSchema } from './intl-names.js';

describe('time zone and locale names', () => {
  it.each(['UTC', 'Europe/Paris', 'Asia/Tokyo', 'America/Argentina/Buenos_Aires'])('accepts the time zone %s', (zone) => {
    expect(isTimeZone(zone)).toBe(true);
    expect(v.is(timeZoneSchema, zone)).toBe(true);
  });

  it.each(['Mars/Olympus', 'Europe/Pariss', '', 'GMT+25'])('refuses the time zone "%s"', (zone) => {
    expect(isTimeZone(zone)).toBe(false);
    expect(v.safeParse(timeZoneSchema, zone).issues?.[0]?.message).toBe('must be an IANA time zone such as Europe/Paris or UTC');
  });

  it('refuses a long string before asking Intl', () => {
    expect(v.safeParse(timeZoneSchema, `Europe/${'x'.repeat(64)}`).issues?.[0]?.message).toBe('must be at most 64 characters');
  });

  it.each(['en', 'pt-BR', 'zh-Hant-TW', 'en-us', 'fil'])('accepts the locale %s', (tag) => {
    expect(isLocale(tag)).toBe(true);
    expect(v.is(localeSchema, tag)).toBe(true);
  });

  it.each(['', 'en_US', 'not a locale', 'e'])('refuses the locale "%s"', (tag) => {
    expect(isLocale(tag)).toBe(false);
    expect(v.safeParse(localeSchema, tag).issues?.[0]?.message).toBe('must be a language tag such as en, fr or pt-BR');
  });

  it('checks business hours with the same rule', () => {
    const hours = (timezone: string) => ({ timezone, hours: [{ days: ['mon'], from: '09:00', to: '17:00' }] });
    expect(v.is(businessHoursSchema, hours('Europe/Paris'))).toBe(true);
    expect(v.safeParse(businessHoursSchema, hours('Mars/Olympus')).issues?.[0]?.message).toBe(
      'must be an IANA time zone such as Europe/Paris or UTC',
    );
  });
});
