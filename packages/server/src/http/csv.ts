/**
 * CSV as RFC 4180 writes it (comma, double quotes doubled, CRLF), for every CSV the API answers (contacts'
 * export, reports). Text a spreadsheet would run as a formula (=, +, -, @, tab, CR first: a visitor's
 * comment, a name) is written with a leading apostrophe; the contacts' import takes it off again
 * (`unguardCsvCell`), so a file survives the round trip. Numbers and booleans are written as they are.
 */
const FORMULA_START = /^[=+\-@\t\r]/;

export type CsvCell = string | number | boolean | null;

export function csvLine(cells: readonly CsvCell[]): string {
  return `${cells.map(csvCell).join(',')}\r\n`;
}

function csvCell(value: CsvCell): string {
  if (value === null) return '';
  if (typeof value !== 'string') return String(value);
  const safe = FORMULA_START.test(value) ? `'${value}` : value;
  return /[",\r\n]/.test(safe) || safe !== safe.trim() ? `"${safe.replace(/"/g, '""')}"` : safe;
}

/** A cell as an import reads it: the formula guard removed, spaces trimmed. */
export function unguardCsvCell(raw: string): string {
  const trimmed = raw.trim();
  return trimmed.startsWith("'") && FORMULA_START.test(trimmed.slice(1)) ? trimmed.slice(1) : trimmed;
}
