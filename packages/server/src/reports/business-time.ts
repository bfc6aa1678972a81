import type { BusinessHours } from '@parley/protocol';
import { isWithinHours } from '../engine/presence.js';

const MINUTE_MS = 60_000;
/** Durations longer than this are not walked through (a conversation left open for a year): wall-clock is used. */
const MAX_SPAN_MS = 400 * 86_400_000;
const formatters = new Map<string, Intl.DateTimeFormat>();

function localMinute(zone: string, at: number): number {
  let format = formatters.get(zone);
  if (format === undefined) {
    format = new Intl.DateTimeFormat('en-US', { timeZone: zone, hour: '2-digit', minute: '2-digit', hourCycle: 'h23' });
    formatters.set(zone, format);
  }
  let hour = 0;
  let minute = 0;
  for (const part of format.formatToParts(at)) {
    if (part.type === 'hour') hour = Number(part.value);
    else if (part.type === 'minute') minute = Number(part.value);
  }
  return hour * 60 + minute;
}

const toMinutes = (clock: string): number => Number(clock.slice(0, 2)) * 60 + Number(clock.slice(3, 5));

/**
 * Milliseconds between `start` and `end` that fall within the business hours (the widget's, in their
 * own time zone), by the same rule as offline mode (engine/presence.ts isWithinHours). Walks from one
 * boundary (a range's start or end, or local midnight) to the next, so a span costs a few steps per
 * day. On a day the clocks change, the boundary after the change may be off by the change (an hour).
 */
export function businessMs(hours: BusinessHours, start: number, end: number): number {
  if (end <= start) return 0;
  if (end - start > MAX_SPAN_MS) return end - start;
  const boundaries = [...new Set([...hours.hours.flatMap((range) => [toMinutes(range.from), toMinutes(range.to)]), 1440])].sort(
    (a, b) => a - b,
  );
  let total = 0;
  let at = start;
  while (at < end) {
    // Offsets are whole minutes, so the local second within the minute is UTC's.
    const intoMinute = at % MINUTE_MS;
    const minute = localMinute(hours.timezone, at);
    const next = boundaries.find((b) => b > minute) ?? 1440;
    const step = Math.min((next - minute) * MINUTE_MS - intoMinute, end - at);
    if (isWithinHours(hours, new Date(at))) total += step;
    at += Math.max(step, 1);
  }
  return total;
}
