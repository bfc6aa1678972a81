import { describe, expect, it } from 'vitest';
import { reflow, RowHeights, rowAt, rowRange } from './row-window.js';

const keys = (count: number): string[] => Array.from({ length: count }, (_, index) => `c${index}`);

describe('RowHeights', () => {
  it('counts rows never measured at the estimate until one is measured, then at the average of those measured', () => {
    const heights = new RowHeights(80);
    expect([...heights.offsets(keys(3))]).toEqual([0, 80, 160, 240]);
    heights.set('c0', 70);
    heights.set('c1', 90);
    expect(heights.heightOf('c2')).toBe(80);
    heights.set('c1', 100);
    expect(heights.heightOf('c2')).toBe(85);
    expect([...heights.offsets(keys(3))]).toEqual([0, 70, 170, 255]);
  });

  it('keeps a row’s height by key when the list reorders', () => {
    const heights = new RowHeights(50);
    heights.set('c2', 120);
    expect([...heights.offsets(['c2', 'c0', 'c1'])]).toEqual([0, 120, 240, 360]);
  });

  it('says a sub-pixel difference is no change', () => {
    const heights = new RowHeights(50);
    expect(heights.set('c0', 77.5)).toBe(true);
    expect(heights.set('c0', 77.8)).toBe(false);
    expect(heights.set('c0', 79)).toBe(true);
  });
});

describe('reflow', () => {
  it('changes the heights of the rows given and moves every row below them, leaving the layout it was given as it was', () => {
    const offsets = new RowHeights(10).offsets(keys(5));
    const next = reflow(
      offsets,
      new Map([
        [3, 25],
        [1, 12],
      ]),
    );
    expect([...next]).toEqual([0, 10, 22, 32, 57, 67]);
    expect([...offsets]).toEqual([0, 10, 20, 30, 40, 50]);
    expect([...reflow(offsets, new Map([[7, 30]]))]).toEqual([...offsets]);
  });
});

describe('rowRange', () => {
  const offsets = new RowHeights(100).offsets(keys(10_000));

  it('finds the row at a position, the last one past the end', () => {
    expect(rowAt(offsets, 0)).toBe(0);
    expect(rowAt(offsets, 99.9)).toBe(0);
    expect(rowAt(offsets, 100)).toBe(1);
    expect(rowAt(offsets, 5_000_050)).toBe(9_999);
  });

  it('renders the rows in view and the overscan either side, however long the list', () => {
    expect(rowRange(offsets, 0, 600, 5)).toEqual({ start: 0, end: 11 });
    expect(rowRange(offsets, 500_050, 600, 5)).toEqual({ start: 4_995, end: 5_012 });
    expect(rowRange(offsets, 999_400, 600, 5)).toEqual({ start: 9_989, end: 10_000 });
  });

  it('keeps the focused row and its neighbours when it is near the view, not when the view went far from it', () => {
    expect(rowRange(offsets, 0, 600, 5, 12)).toEqual({ start: 0, end: 14 });
    expect(rowRange(offsets, 2_000, 600, 5, 12)).toEqual({ start: 11, end: 31 });
    expect(rowRange(offsets, 500_000, 600, 5, 12)).toEqual({ start: 4_995, end: 5_011 });
  });

  it('renders nothing for an empty list and a screenful when the view has no height yet', () => {
    expect(rowRange(new RowHeights(100).offsets([]), 0, 600, 5)).toEqual({ start: 0, end: 0 });
    expect(rowRange(offsets, 0, 0, 5)).toEqual({ start: 0, end: 6 });
  });
});
