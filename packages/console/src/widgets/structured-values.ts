import { WEEKDAYS, type Weekday } from '@parley/protocol';
import * as v from 'valibot';

/**
 * Pure helpers of the structured editors (tools, business hours, FAQ rules): text ↔ lists, rows moved
 * and removed, and the protocol schema's own messages keyed by where they point.
 */

/** "price, cost\nfees" → ["price", "cost", "fees"]: commas or new lines separate, blanks go. */
export function splitPhrases(text: string): string[] {
  return text
    .split(/[,\n]/)
    .map((phrase) => phrase.trim())
    .filter((phrase) => phrase !== '');
}

export function joinPhrases(phrases: readonly string[]): string {
  return phrases.join(', ');
}

/** The row at `from` moved to `to` (clamped); the same list when nothing moves. */
export function moveRow<T>(rows: readonly T[], from: number, to: number): T[] {
  const target = Math.max(0, Math.min(rows.length - 1, to));
  if (from === target || from < 0 || from >= rows.length) return [...rows];
  const copy = [...rows];
  const [row] = copy.splice(from, 1);
  if (row !== undefined) copy.splice(target, 0, row);
  return copy;
}

export function removeRow<T>(rows: readonly T[], index: number): T[] {
  return rows.filter((_, at) => at !== index);
}

export function replaceRow<T>(rows: readonly T[], index: number, row: T): T[] {
  return rows.map((held, at) => (at === index ? row : held));
}

/** A day switched on or off, the list kept in week order (mon … sun). */
export function toggleDay(days: readonly Weekday[], day: Weekday, on: boolean): Weekday[] {
  return WEEKDAYS.filter((known) => (known === day ? on : days.includes(known)));
}

/**
 * The schema's messages by path below the value: `0.url` for the url of the first row, '' for the value
 * itself. The first message per path wins (the most specific one valibot reports first).
 */
export function schemaErrors(schema: v.GenericSchema, value: unknown): Record<string, string> {
  const result = v.safeParse(schema, value);
  const errors: Record<string, string> = {};
  if (result.success) return errors;
  for (const issue of result.issues) {
    const path = (issue.path ?? []).map((step) => String(step.key)).join('.');
    errors[path] ??= issue.message;
  }
  return errors;
}

/** The messages of one row (`2.answer` → `answer` for row 2), and the row's own under ''. */
export function rowErrors(errors: Readonly<Record<string, string>>, index: number): Record<string, string> {
  const prefix = `${index}`;
  const own: Record<string, string> = {};
  for (const [path, message] of Object.entries(errors)) {
    if (path === prefix) own[''] = message;
    else if (path.startsWith(`${prefix}.`)) own[path.slice(prefix.length + 1).split('.')[0] ?? ''] ??= message;
  }
  return own;
}

/** The time zone of this browser, for a new schedule; UTC when the browser does not say. */
export function browserTimeZone(): string {
  try {
    return Intl.DateTimeFormat().resolvedOptions().timeZone || 'UTC';
  } catch {
    return 'UTC'; // An environment without time zone data: UTC is always valid.
  }
}

/** Every time zone the browser knows (IANA names), with the current value kept even when it is not among them. */
export function timeZones(current: string): string[] {
  const known = typeof Intl.supportedValuesOf === 'function' ? Intl.supportedValuesOf('timeZone') : [];
  const all = new Set(['UTC', ...known]);
  if (current !== '') all.add(current);
  return [...all];
}
