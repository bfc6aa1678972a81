/**
 * "How long ago", as inbox rows say it (Chatwoot and Intercom style): `now`, `5m`, `3h`, then the day —
 * `Yesterday`, a weekday within the week, a date after that (with the year once it is not this year).
 * Rows carry the exact time in their title, so the short form may round.
 */
export function relativeTime(iso: string, now: Date = new Date(), locale?: string): string {
  const then = new Date(iso);
  const ms = now.getTime() - then.getTime();
  if (Number.isNaN(ms)) return '';
  const minutes = Math.floor(ms / 60_000);
  if (minutes < 1) return 'now';
  if (minutes < 60) return `${minutes}m`;
  const hours = Math.floor(minutes / 60);
  const startOfToday = new Date(now.getFullYear(), now.getMonth(), now.getDate()).getTime();
  if (then.getTime() >= startOfToday || hours < 6) return `${hours}h`;
  const days = Math.ceil((startOfToday - then.getTime()) / 86_400_000);
  if (days <= 1) return 'Yesterday';
  if (days < 7) return dateFormat('weekday', locale, { weekday: 'short' }).format(then);
  if (then.getFullYear() === now.getFullYear()) return dateFormat('day', locale, { day: 'numeric', month: 'short' }).format(then);
  return dateFormat('day-year', locale, { day: 'numeric', month: 'short', year: 'numeric' }).format(then);
}

/** The exact time, for a title beside a relative one. */
export function exactTime(iso: string, locale?: string): string {
  const date = new Date(iso);
  return Number.isNaN(date.getTime()) ? iso : dateFormat('exact', locale, { dateStyle: 'full', timeStyle: 'short' }).format(date);
}

const formats = new Map<string, Intl.DateTimeFormat>();

/**
 * The formatter `name` (one set of `options`) for `locale`, made once. `Date#toLocaleString` with options
 * builds a new ICU formatter on every call in Chrome: a timeline page and an inbox list format a few hundred
 * times per render, and those calls were half of opening a conversation (a 90 ms task on a busy machine).
 */
export function dateFormat(name: string, locale: string | undefined, options: Intl.DateTimeFormatOptions): Intl.DateTimeFormat {
  const key = `${name} ${locale ?? ''}`;
  let format = formats.get(key);
  if (format === undefined) {
    format = new Intl.DateTimeFormat(locale, options);
    formats.set(key, format);
  }
  return format;
}
