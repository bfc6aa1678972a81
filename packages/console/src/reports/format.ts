/** How report figures read: whole numbers grouped, shares as percentages, durations in the two largest units. */
const integer = new Intl.NumberFormat(undefined, { maximumFractionDigits: 0 });
const decimal = new Intl.NumberFormat(undefined, { minimumFractionDigits: 1, maximumFractionDigits: 1 });

export function formatCount(value: number): string {
  return integer.format(value);
}

/** `part` of `whole` as "40%" ("—" when there is no whole to take a share of). */
export function formatShare(part: number, whole: number): string {
  if (whole <= 0) return '—';
  const share = (part / whole) * 100;
  // A share that is not zero never reads as "0%", nor one that is not everything as "100%".
  if (share > 0 && share < 1) return '<1%';
  if (share < 100 && share > 99) return '>99%';
  return `${integer.format(share)}%`;
}

export function formatAverage(value: number | null): string {
  return value === null ? '—' : decimal.format(value);
}

/** Seconds as "45 s", "3 min 20 s", "1 h 5 min", "2 d 3 h"; null (nothing measured) as "—". */
export function formatDuration(seconds: number | null): string {
  if (seconds === null || !Number.isFinite(seconds)) return '—';
  const total = Math.max(0, Math.round(seconds));
  const units: readonly [number, string][] = [
    [86_400, 'd'],
    [3_600, 'h'],
    [60, 'min'],
    [1, 's'],
  ];
  const index = units.findIndex(([size]) => total >= size);
  if (index === -1) return '0 s';
  const [size, name] = units[index] ?? [1, 's'];
  const whole = Math.floor(total / size);
  const next = units[index + 1];
  const rest = next === undefined ? 0 : Math.floor((total - whole * size) / next[0]);
  return next === undefined || rest === 0 ? `${whole} ${name}` : `${whole} ${name} ${rest} ${next[1]}`;
}
