import type { BusinessHours } from '@parley/protocol';
import { isWithinHoursAt, localWeekTime } from '../engine/presence.js';

const MINUTE_MS = 60_000;
/** Durations longer than this are not walked through (a conversation left open for a year): wall-clock is used. */
const MAX_SPAN_MS = 400 * 86_400_000;

const toMinutes = (clock: string): number => Number(clock.slice(0, 2)) * 60 + Number(clock.slice(3, 5));

/**
 * Milliseconds between `start` and `end` that fall within the business hours (the widget's, in their
 * own time zone), by the same rule as offline mode (engine/presence.ts isWithinHoursAt). Walks from one
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
    // One reading of the local clock per step: which boundary comes next, and whether the step is within hours.
    const local = localWeekTime(hours.timezone, at);
    const minute = toMinutes(local.time);
    const next = boundaries.find((b) => b > minute) ?? 1440;
    const step = Math.min((next - minute) * MINUTE_MS - intoMinute, end - at);
    if (isWithinHoursAt(hours, local)) total += step;
    at += Math.max(step, 1);
  }
  return total;
}
