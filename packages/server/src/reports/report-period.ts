import { REPORT_MAX_DAYS, type ReportPeriod, type ReportQuery } from '@parley/protocol';
import { ApiError } from '../http/api-error.js';

const DAY_MS = 86_400_000;
/** report_conversations.started_bucket counts quarter-hours since the epoch. */
export const QUARTER_HOUR_MS = 900_000;
const HOUR_MS = 3_600_000;
const WEEK_MS = 7 * DAY_MS;

/**
 * A time zone's offset from UTC at any instant. Intl is slow to ask (tens of µs), so it is asked once
 * per UTC week (offsets change at most twice a year, never twice in a week), then per day and per hour
 * only inside a week whose offset changes: a year costs Intl about 70 questions, not one per day or row.
 */
export class ZoneClock {
  private readonly format: Intl.DateTimeFormat;
  private readonly byWeek = new Map<number, number | null>();
  private readonly byDay = new Map<number, number | null>();
  private readonly asked = new Map<number, number>();
  private readonly byHour = new Map<number, number>();

  constructor(readonly zone: string) {
    this.format = new Intl.DateTimeFormat('en-US', {
      timeZone: zone,
      hourCycle: 'h23',
      year: 'numeric',
      month: '2-digit',
      day: '2-digit',
      hour: '2-digit',
      minute: '2-digit',
      second: '2-digit',
    });
  }

  /** Local time minus UTC, in ms, at `at`. */
  offsetAt(at: number): number {
    const week = Math.floor(at / WEEK_MS);
    let steadyWeek = this.byWeek.get(week);
    if (steadyWeek === undefined) {
      const first = this.ask(week * WEEK_MS);
      steadyWeek = first === this.ask((week + 1) * WEEK_MS) ? first : null;
      this.byWeek.set(week, steadyWeek);
    }
    if (steadyWeek !== null) return steadyWeek;
    const day = Math.floor(at / DAY_MS);
    let steady = this.byDay.get(day);
    if (steady === undefined) {
      const first = this.ask(day * DAY_MS);
      steady = first === this.ask((day + 1) * DAY_MS) ? first : null;
      this.byDay.set(day, steady);
    }
    if (steady !== null) return steady;
    const hour = Math.floor(at / HOUR_MS);
    let offset = this.byHour.get(hour);
    if (offset === undefined) {
      offset = this.ask(hour * HOUR_MS);
      this.byHour.set(hour, offset);
    }
    return offset;
  }

  /** The local calendar day (days since 1970-01-01) and weekday (0 = Monday) and hour of `at`. */
  local(at: number): { readonly day: number; readonly weekday: number; readonly hour: number } {
    const shifted = at + this.offsetAt(at);
    const day = Math.floor(shifted / DAY_MS);
    // 1970-01-01 was a Thursday (weekday 3 counting from Monday).
    return { day, weekday: (((day + 3) % 7) + 7) % 7, hour: Math.floor((shifted - day * DAY_MS) / HOUR_MS) };
  }

  /** The instant local midnight starts on `date` (YYYY-MM-DD); on a day starting in a clock change, its first instant. */
  midnight(date: string): number {
    const wall = Date.parse(`${date}T00:00:00Z`);
    let at = wall - this.ask(wall);
    // The offset at the guess may differ from the offset at the answer (a change near midnight): ask again there.
    at = wall - this.ask(at);
    return at;
  }

  private ask(at: number): number {
    const known = this.asked.get(at);
    if (known !== undefined) return known;
    const offset = this.askIntl(at);
    this.asked.set(at, offset);
    return offset;
  }

  private askIntl(at: number): number {
    const parts = this.format.formatToParts(at);
    const get = (type: string): number => Number(parts.find((p) => p.type === type)?.value ?? 0);
    const asUtc = Date.UTC(get('year'), get('month') - 1, get('day'), get('hour'), get('minute'), get('second'));
    return asUtc - (at - (at % 1000));
  }
}

export interface ResolvedPeriod {
  readonly period: ReportPeriod;
  readonly clock: ZoneClock;
  /** [start, end) in ms. */
  readonly start: number;
  readonly end: number;
  /** The calendar days, in order, as YYYY-MM-DD, and their local day numbers. */
  readonly dates: readonly string[];
  readonly firstDay: number;
  /**
   * How finely conversations are grouped before they are placed in local days and hours: by the hour when
   * the zone's offset is whole hours (most zones; fewer groups to read), by the quarter-hour otherwise
   * (India, Nepal, parts of Australia…), so every conversation lands in its true local hour.
   */
  readonly bucketMs: number;
}

const dayNumber = (date: string): number => Math.floor(Date.parse(`${date}T00:00:00Z`) / DAY_MS);
const dateOf = (day: number): string => new Date(day * DAY_MS).toISOString().slice(0, 10);

/** The query's days as instants in its zone; refuses a period that ends before it starts or is too long. */
export function resolvePeriod(
  query: ReportQuery,
  scope: { widgetId: string | null; teamId: string | null; agentId: string | null },
): ResolvedPeriod {
  const firstDay = dayNumber(query.from);
  const lastDay = dayNumber(query.to);
  if (Number.isNaN(firstDay) || dateOf(firstDay) !== query.from)
    throw new ApiError('PARLEY_ERR_REQUEST_VALIDATION', `from: ${query.from} is not a day of the calendar.`, 'from');
  if (Number.isNaN(lastDay) || dateOf(lastDay) !== query.to)
    throw new ApiError('PARLEY_ERR_REQUEST_VALIDATION', `to: ${query.to} is not a day of the calendar.`, 'to');
  if (lastDay < firstDay) {
    throw new ApiError('PARLEY_ERR_REPORT_PERIOD_INVALID', `The period ends (to=${query.to}) before it starts (from=${query.from}).`, 'to');
  }
  const days = lastDay - firstDay + 1;
  if (days > REPORT_MAX_DAYS) {
    throw new ApiError(
      'PARLEY_ERR_REPORT_PERIOD_TOO_LONG',
      `The period covers ${days} days; a report covers at most ${REPORT_MAX_DAYS}.`,
      'to',
    );
  }
  const clock = new ZoneClock(query.timeZone);
  const start = clock.midnight(query.from);
  const end = clock.midnight(dateOf(lastDay + 1));
  const dates = Array.from({ length: days }, (_, i) => dateOf(firstDay + i));
  return {
    period: {
      from: query.from,
      to: query.to,
      timeZone: query.timeZone,
      start: new Date(start).toISOString(),
      end: new Date(end).toISOString(),
      ...scope,
    },
    clock,
    start,
    end,
    dates,
    firstDay,
    bucketMs: clock.offsetAt(start) % HOUR_MS === 0 && clock.offsetAt(end) % HOUR_MS === 0 ? HOUR_MS : QUARTER_HOUR_MS,
  };
}
