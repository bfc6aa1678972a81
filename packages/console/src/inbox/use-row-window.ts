import type { RefObject } from 'preact';
import { useEffect, useLayoutEffect, useMemo, useRef, useState } from 'preact/hooks';
import { RowHeights, rowAt, rowRange, type RowRange } from './row-window.js';

export interface RowWindow extends RowRange {
  /** The height of the rows left out above and below the rendered ones (spacers stand in for them). */
  readonly before: number;
  readonly after: number;
  /** Scrolls row `index` into view (as little as needed) and moves the focus to its link once it is rendered. */
  readonly focusRow: (index: number) => void;
  /** Scrolls row `index` into view, as little as needed. */
  readonly reveal: (index: number) => void;
  /** The key of the row holding the focus, kept rendered with its neighbours (Tab finds the next row); null: none. */
  readonly onFocusKey: (key: string | null) => void;
}

/** Where the first row in view sits: kept in place when rows go in or change height above it. */
interface Anchor {
  readonly key: string;
  readonly delta: number;
}

/**
 * Windows a scrolled list (`list` is the scrolling element; its rendered rows carry `data-key`): only the rows in
 * view and `overscan` either side are rendered, with a spacer above and below standing in for the rest (not the
 * list's padding: a flex item cannot shrink below its padding, so the list would grow to the whole height), so a list of 10,000 costs
 * what a screenful does. Rows are measured after each render. The first row in view stays where it is when the
 * list changes above it (a conversation moving to the top, a row measured taller than its estimate), unless the
 * list is scrolled to its very top, where a new first row shows. The browser's own scroll anchoring is off on the
 * list (it would adjust a second time). Call it from a component that mounts with the list element.
 */
export function useRowWindow(
  keys: readonly string[],
  list: RefObject<HTMLElement | null>,
  options: { readonly estimate: number; readonly overscan: number },
): RowWindow {
  const heights = useRef<RowHeights | null>(null);
  heights.current ??= new RowHeights(options.estimate);
  const [measured, remeasured] = useState(0);
  const offsets = useMemo(() => heights.current!.offsets(keys), [keys, measured]);
  const indexOf = useMemo(() => new Map(keys.map((key, index) => [key, index])), [keys]);
  const [view, setView] = useState({ top: 0, height: 0 });
  const [focusKey, setFocusKey] = useState<string | null>(null);
  const pendingFocus = useRef<string | null>(null);
  const anchor = useRef<Anchor | null>(null);
  /** The layout the anchor was last applied to. */
  const laidOut = useRef<Float64Array | null>(null);
  const range = rowRange(offsets, view.top, view.height, options.overscan, focusKey === null ? -1 : (indexOf.get(focusKey) ?? -1));

  // What the scroll handler reads: the layout and range as last rendered.
  const latest = useRef({ keys, offsets, range, overscan: options.overscan, keep: -1 });
  latest.current = { keys, offsets, range, overscan: options.overscan, keep: focusKey === null ? -1 : (indexOf.get(focusKey) ?? -1) };

  useLayoutEffect(() => {
    const element = list.current;
    if (element === null) return;
    element.style.overflowAnchor = 'none';
    const update = (): void => {
      const { keys: rows, offsets: tops, range: shown, overscan, keep } = latest.current;
      const top = element.scrollTop;
      const at = rowAt(tops, top);
      anchor.current = top <= 0 || rows[at] === undefined ? null : { key: rows[at], delta: top - tops[at]! };
      // A scroll that leaves the same rows in view renders nothing.
      const next = rowRange(tops, top, element.clientHeight, overscan, keep);
      if (next.start !== shown.start || next.end !== shown.end) setView({ top, height: element.clientHeight });
    };
    const resized = (): void => setView({ top: element.scrollTop, height: element.clientHeight });
    resized();
    element.addEventListener('scroll', update, { passive: true });
    const observer = typeof ResizeObserver === 'undefined' ? null : new ResizeObserver(resized);
    observer?.observe(element);
    return () => {
      element.removeEventListener('scroll', update);
      observer?.disconnect();
    };
  }, []);

  // After each render: measure the rendered rows, keep the anchor row in place, and focus a row asked for.
  useLayoutEffect(() => {
    const element = list.current;
    if (element === null) return;
    let changed = false;
    for (const row of element.children) {
      const key = (row as HTMLElement).dataset['key'];
      if (key !== undefined) changed = heights.current!.set(key, row.getBoundingClientRect().height) || changed;
    }
    const tops = changed ? heights.current!.offsets(keys) : offsets;
    // Only a layout that changed (rows in, out, moved or measured) moves the anchor row; a render for a scroll
    // must not undo it before the scroll event updated the anchor.
    const kept = anchor.current === null || tops === laidOut.current ? undefined : indexOf.get(anchor.current.key);
    laidOut.current = tops;
    if (anchor.current !== null && kept !== undefined) {
      const wanted = tops[kept]! + anchor.current.delta;
      if (Math.abs(element.scrollTop - wanted) >= 1) element.scrollTop = wanted;
    }
    if (changed) remeasured((count) => count + 1);
    if (pendingFocus.current !== null) {
      const row = [...element.children].find((child) => (child as HTMLElement).dataset['key'] === pendingFocus.current);
      const link = row?.querySelector<HTMLElement>('a, button');
      if (link !== undefined && link !== null) {
        pendingFocus.current = null;
        link.focus({ preventScroll: true });
      }
    }
  });

  // Rows that left the list are forgotten by the anchor.
  useEffect(() => {
    if (anchor.current !== null && !indexOf.has(anchor.current.key)) anchor.current = null;
  }, [indexOf]);

  const reveal = (index: number): void => {
    const element = list.current;
    if (element === null || index < 0 || index >= keys.length) return;
    const top = element.scrollTop;
    const height = element.clientHeight;
    if (offsets[index]! < top) element.scrollTop = offsets[index]!;
    else if (offsets[index + 1]! > top + height) element.scrollTop = offsets[index + 1]! - height;
    const at = rowAt(offsets, element.scrollTop);
    anchor.current = element.scrollTop <= 0 ? null : { key: keys[at]!, delta: element.scrollTop - offsets[at]! };
    // Rendered at once rather than on the scroll event, so that the row is there to focus.
    setView({ top: element.scrollTop, height });
  };

  return {
    ...range,
    before: offsets[range.start] ?? 0,
    after: (offsets[keys.length] ?? 0) - (offsets[range.end] ?? 0),
    reveal,
    focusRow: (index) => {
      const key = keys[index];
      if (key === undefined) return;
      pendingFocus.current = key;
      setFocusKey(key);
      reveal(index);
    },
    onFocusKey: setFocusKey,
  };
}
