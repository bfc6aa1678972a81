/** Fills `{name}`-style placeholders of the i18n strings. */
export function fill(template: string, values: Readonly<Record<string, string>>): string {
  return template.replace(/\{(\w+)\}/g, (whole, key: string) => values[key] ?? whole);
}

/** "2 minutes", "1 hour": the availability line's `{time}`, in the page's language via Intl. */
export function duration(ms: number, language: string): string {
  const minutes = Math.max(1, Math.round(ms / 60_000));
  const [value, unit] = minutes < 60 ? [minutes, 'minute'] : [Math.round(minutes / 60), 'hour'];
  try {
    return new Intl.NumberFormat(language, { style: 'unit', unit, unitDisplay: 'long' }).format(value);
  } catch {
    return `${value} ${unit}s`;
  }
}

export function dayLabel(iso: string, language: string, today: string, yesterday: string): string {
  const date = new Date(iso);
  const start = new Date();
  start.setHours(0, 0, 0, 0);
  const diff = Math.round((start.getTime() - new Date(date).setHours(0, 0, 0, 0)) / 86_400_000);
  if (diff === 0) return today;
  if (diff === 1) return yesterday;
  return dateFormat('day', language, { weekday: 'long', month: 'long', day: 'numeric' }).format(date);
}

export function timeLabel(iso: string, language: string): string {
  return dateFormat('time', language, { hour: 'numeric', minute: '2-digit' }).format(new Date(iso));
}

const formats = new Map<string, Intl.DateTimeFormat>();

/** Made once per language: Date#toLocale*String with options builds a new ICU formatter per call (Chrome), per row per render. */
function dateFormat(name: string, language: string, options: Intl.DateTimeFormatOptions): Intl.DateTimeFormat {
  const key = `${name} ${language}`;
  let format = formats.get(key);
  if (format === undefined) formats.set(key, (format = new Intl.DateTimeFormat(language, options)));
  return format;
}
