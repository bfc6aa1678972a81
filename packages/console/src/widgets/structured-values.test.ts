import { businessHoursSchema, settingsEntries } from '@parley/protocol';
import { describe, expect, it } from 'vitest';
import {
  joinPhrases,
  moveRow,
  removeRow,
  replaceRow,
  rowErrors,
  schemaErrors,
  splitPhrases,
  timeZones,
  toggleDay,
} from './structured-values.js';

describe('structured editor values', () => {
  it('splits phrases on commas and new lines, trims them and drops blanks; joins them back with commas', () => {
    expect(splitPhrases(' price, cost,,\nhow much ,\n')).toEqual(['price', 'cost', 'how much']);
    expect(joinPhrases(['price', 'how much'])).toBe('price, how much');
    expect(splitPhrases(joinPhrases(['a b', 'c']))).toEqual(['a b', 'c']);
  });

  it('moves a row up or down, clamped at both ends, and removes or replaces one without touching the input', () => {
    const rows = ['a', 'b', 'c'] as const;
    expect(moveRow(rows, 2, 1)).toEqual(['a', 'c', 'b']);
    expect(moveRow(rows, 0, 2)).toEqual(['b', 'c', 'a']);
    expect(moveRow(rows, 0, -1)).toEqual(['a', 'b', 'c']);
    expect(moveRow(rows, 2, 9)).toEqual(['a', 'b', 'c']);
    expect(removeRow(rows, 1)).toEqual(['a', 'c']);
    expect(replaceRow(rows, 1, 'B')).toEqual(['a', 'B', 'c']);
    expect(rows).toEqual(['a', 'b', 'c']);
  });

  it('keeps days in week order whatever order they are switched on in', () => {
    expect(toggleDay(['fri'], 'mon', true)).toEqual(['mon', 'fri']);
    expect(toggleDay(['mon', 'tue'], 'mon', false)).toEqual(['tue']);
  });

  it("keys the protocol schema's own messages by the path below the value, and per row", () => {
    const tools = [
      { name: 'ok', description: 'fine', url: 'https://a.example' },
      { name: 'bad name!', description: 'x', url: 'http://b.example' },
    ];
    const errors = schemaErrors(settingsEntries.tools, tools);
    expect(errors).toEqual({ '1.name': 'must be 1–64 letters, digits, _ or -', '1.url': 'must be an https:// URL' });
    expect(rowErrors(errors, 1)).toEqual({ name: 'must be 1–64 letters, digits, _ or -', url: 'must be an https:// URL' });
    expect(rowErrors(errors, 0)).toEqual({});
    const hours = schemaErrors(businessHoursSchema, { timezone: 'Mars/Olympus', hours: [{ days: [], from: '9:00', to: '17:00' }] });
    expect(hours['timezone']).toBe('must be an IANA time zone such as Europe/Paris or UTC');
    expect(hours['hours.0.days']).toBe('must name a day');
    expect(hours['hours.0.from']).toBe('must be a time such as 09:00 or 17:30');
    expect(schemaErrors(businessHoursSchema, { timezone: 'UTC', hours: [] })).toEqual({});
  });

  it('offers every time zone the runtime knows, UTC first, and keeps an unknown current value', () => {
    const zones = timeZones('Europe/Paris');
    expect(zones[0]).toBe('UTC');
    expect(zones).toContain('Europe/Paris');
    expect(timeZones('Somewhere/Else')).toContain('Somewhere/Else');
  });
});
