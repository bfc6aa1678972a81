import { describe, expect, it } from 'vitest';
import { busiestSlot } from './heat-map.js';

const week = (cells: Record<string, number>) =>
  Array.from({ length: 7 }, (_, day) => Array.from({ length: 24 }, (_, hour) => cells[`${day}:${hour}`] ?? 0));

describe('busiestSlot', () => {
  it('names the busiest weekday and hour, Monday first as the API sends them', () => {
    const slot = busiestSlot(week({ '0:9': 3, '1:14': 12, '6:23': 5 }));
    expect(slot).toMatchObject({ hours: '14:00–15:00', count: 12 });
    expect(slot?.weekday).toBe(new Intl.DateTimeFormat(undefined, { weekday: 'long', timeZone: 'UTC' }).format(Date.UTC(2024, 0, 2)));
  });

  it('says the last hour of the day ends at 24:00, and nothing when every cell is zero', () => {
    expect(busiestSlot(week({ '6:23': 1 }))?.hours).toBe('23:00–24:00');
    expect(busiestSlot(week({}))).toBeNull();
  });
});
