import { describe, expect, it, vi } from 'vitest';
import { dayLabel, timeLabel } from './text.js';

describe('date labels', () => {
  it('formats through formatters made once, not a Date#toLocale*String call (a new ICU formatter each in Chrome) per row', () => {
    const spies = (['toLocaleDateString', 'toLocaleTimeString'] as const).map((method) => vi.spyOn(Date.prototype, method));
    const iso = new Date(2020, 1, 3, 9, 5).toISOString();
    try {
      const texts = [dayLabel(iso, 'en-GB', 'Today', 'Yesterday'), timeLabel(iso, 'en-GB'), dayLabel(iso, 'fr', "Aujourd'hui", 'Hier')];
      for (const spy of spies) expect(spy).not.toHaveBeenCalled();
      expect(texts).toEqual([
        'Monday 3 February',
        new Date(iso).toLocaleTimeString('en-GB', { hour: 'numeric', minute: '2-digit' }),
        'lundi 3 février',
      ]);
    } finally {
      for (const spy of spies) spy.mockRestore();
    }
  });
});
