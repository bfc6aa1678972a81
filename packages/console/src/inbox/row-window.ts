/**
 * Which rows of a long list to put in the DOM: those in view and a few either side (spacers of the
 * right height). Rows may differ in height: each is measured once rendered (by key, so a row keeps its height when
 * the list reorders), and a row never rendered counts as the average of those measured when the list was laid out.
 */
export class RowHeights {
  private readonly measured = new Map<string, number>();
  private sum = 0;

  /** `estimate`: a row's height before any has been measured. */
  constructor(private readonly estimate: number) {}

  /** Records a rendered row's height; true when it changed what the layout holds. */
  set(key: string, height: number): boolean {
    const before = this.measured.get(key);
    // Sub-pixel jitter is not a change: it would only render the list again for nothing.
    if (before !== undefined && Math.abs(before - height) < 0.5) return false;
    this.measured.set(key, height);
    this.sum += height - (before ?? 0);
    return true;
  }

  /** The height a row counts for: measured, or the average of those measured. */
  heightOf(key: string): number {
    return this.measured.get(key) ?? this.average();
  }

  /** Whether any row was measured: before that, every row counts as the estimate. */
  get anyMeasured(): boolean {
    return this.measured.size > 0;
  }

  private average(): number {
    return this.measured.size === 0 ? this.estimate : this.sum / this.measured.size;
  }

  /** Each row's top in order, and the total height last: `keys.length + 1` numbers. */
  offsets(keys: readonly string[]): Float64Array {
    const offsets = new Float64Array(keys.length + 1);
    const fallback = this.average();
    for (let index = 0; index < keys.length; index++) offsets[index + 1] = offsets[index]! + (this.measured.get(keys[index]!) ?? fallback);
    return offsets;
  }
}

/**
 * `offsets` with some rows' heights changed (`heights`: row index → height): a copy, summed again from the first
 * changed row only — a scroll step measures a few rows of 10,000, and a full layout (a map lookup per row) each
 * time was most of the step's script time.
 */
export function reflow(offsets: Float64Array, heights: ReadonlyMap<number, number>): Float64Array {
  const next = Float64Array.from(offsets);
  let first = offsets.length;
  for (const index of heights.keys()) if (index >= 0 && index < offsets.length - 1) first = Math.min(first, index);
  for (let index = first; index < offsets.length - 1; index++) {
    next[index + 1] = next[index]! + (heights.get(index) ?? offsets[index + 1]! - offsets[index]!);
  }
  return next;
}

export interface RowRange {
  /** First row rendered. */
  readonly start: number;
  /** One past the last row rendered. */
  readonly end: number;
}

/** The row at `y` (the last one when `y` is past the end); `offsets` as from RowHeights.offsets. */
export function rowAt(offsets: Float64Array, y: number): number {
  const rows = offsets.length - 1;
  let low = 0;
  let high = rows - 1;
  // The last row whose top is at or above y.
  while (low < high) {
    const middle = (low + high + 1) >> 1;
    if (offsets[middle]! <= y) low = middle;
    else high = middle - 1;
  }
  return Math.max(0, low);
}

/**
 * The rows to render for a view of `height` pixels scrolled to `top`: those it shows, `overscan` more either side,
 * and `keep` (the row holding the focus, so that Tab and the arrow keys always find the next one) when it is near.
 */
export function rowRange(offsets: Float64Array, top: number, height: number, overscan: number, keep = -1): RowRange {
  const rows = offsets.length - 1;
  if (rows <= 0) return { start: 0, end: 0 };
  const first = rowAt(offsets, top);
  const last = rowAt(offsets, Math.max(top, top + height - 1));
  let start = Math.max(0, first - overscan);
  let end = Math.min(rows, last + 1 + overscan);
  // The focused row and its neighbours stay, unless the view went far from it (that would render all between).
  if (keep >= 0 && keep < rows && keep >= start - overscan && keep < end + overscan) {
    start = Math.min(start, Math.max(0, keep - 1));
    end = Math.max(end, Math.min(rows, keep + 2));
  }
  return { start, end };
}
