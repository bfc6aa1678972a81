/**
 * The period a report covers, as people pick it: a preset or a custom range of calendar days, read in a
 * time zone (the browser's by default). Days are `YYYY-MM-DD` strings in that zone, `to` included, as the
 * reports API takes them; "today" is today where the zone is (in Tokyo, Tokyo's today).
 */
import { REPORT_MAX_DAYS } from '@parley/protocol';
import { timeZones as allZones } from '../widgets/structured-values.js';

export type PeriodPreset = 'today' | '7d' | '30d' | 'month' | 'custom';

export interface Period {
  readonly preset: PeriodPreset;
  /** First day, in `timeZone`. */
  readonly from: string;
  /** Last day, included, in `timeZone`. */
  readonly to: string;
  readonly timeZone: string;
}

export const PRESETS: readonly { readonly value: PeriodPreset; readonly label: string }[] = [
  { value: 'today', label: 'Today' },
  { value: '7d', label: 'Last 7 days' },
  { value: '30d', label: 'Last 30 days' },
  { value: 'month', label: 'This month' },
  { value: 'custom', label: 'Custom range' },
];

const DAY = /^(\d{4})-(\d{2})-(\d{2})$/;

/** The zones the business hours editor offers, with `keep` in it, sorted: UTC first, then by name. */
export function timeZones(keep: string): readonly string[] {
  return allZones(keep).sort((a, b) => (a === 'UTC' ? -1 : b === 'UTC' ? 1 : a.localeCompare(b)));
}

const dayFormats = new Map<string, Intl.DateTimeFormat>();

/** The calendar day `instant` falls on in `timeZone` (en-CA writes dates as YYYY-MM-DD). */
export function dayIn(instant: number, timeZone: string): string {
  let format = dayFormats.get(timeZone);
  if (format === undefined) {
    format = new Intl.DateTimeFormat('en-CA', { timeZone, year: 'numeric', month: '2-digit', day: '2-digit' });
    dayFormats.set(timeZone, format);
  }
  const got: Record<string, string> = {};
  for (const part of format.formatToParts(instant)) got[part.type] = part.value;
  return `${got['year'] ?? ''}-${got['month'] ?? ''}-${got['day'] ?? ''}`;
}

function parseDay(day: string): { y: number; m: number; d: number } {
  const found = DAY.exec(day);
  if (found === null) throw new RangeError(`"${day}" is not a day: expected YYYY-MM-DD`);
  return { y: Number(found[1]), m: Number(found[2]), d: Number(found[3]) };
}

/** `day` moved by `days` calendar days (no time zone involved: days are labels). */
export function addDays(day: string, days: number): string {
  const { y, m, d } = parseDay(day);
  return new Date(Date.UTC(y, m - 1, d + days)).toISOString().slice(0, 10);
}

/** The period a preset means today (`now`) in `timeZone`; `custom` keeps the days it was given. */
export function periodFor(preset: PeriodPreset, timeZone: string, now: number, custom?: { from: string; to: string }): Period {
  const today = dayIn(now, timeZone);
  switch (preset) {
    case 'today':
      return { preset, from: today, to: today, timeZone };
    case '7d':
      return { preset, from: addDays(today, -6), to: today, timeZone };
    case '30d':
      return { preset, from: addDays(today, -29), to: today, timeZone };
    case 'month':
      return { preset, from: `${today.slice(0, 8)}01`, to: today, timeZone };
    case 'custom':
      return { preset, from: custom?.from ?? addDays(today, -6), to: custom?.to ?? today, timeZone };
  }
}

/** What is wrong with a custom range, in words, or null (the server refuses the same ranges). */
export function rangeProblem(from: string, to: string): string | null {
  if (!DAY.test(from) || !DAY.test(to)) return 'Pick both the first and the last day.';
  if (from > to) return 'The first day is after the last day: swap them.';
  if (addDays(from, REPORT_MAX_DAYS - 1) < to)
    return `A report covers at most ${REPORT_MAX_DAYS} days: move the first or the last day closer.`;
  return null;
}

/** "1 – 7 Dec 2026" style, for headings and file names' readers. */
export function periodLabel(period: Period, locale?: string): string {
  const format = new Intl.DateTimeFormat(locale, { dateStyle: 'medium', timeZone: 'UTC' });
  const at = (day: string) => {
    const { y, m, d } = parseDay(day);
    return new Date(Date.UTC(y, m - 1, d));
  };
  return period.from === period.to ? format.format(at(period.from)) : format.formatRange(at(period.from), at(period.to));
}
