import type { RefObject } from 'preact';
import { useEffect, useLayoutEffect, useMemo, useRef, useState } from 'preact/hooks';
import { reflow, RowHeights, rowAt, rowRange, type RowRange } from './row-window.js';

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
  const [, remeasured] = useState(0);
  // The layout: laid out whole when the list changes, reflowed from the first changed row when rows are measured.
  // `guessed`: laid out before any row was measured, every row at the estimate.
  const layout = useRef<{ readonly keys: readonly string[]; offsets: Float64Array; guessed: boolean } | null>(null);
  if (layout.current === null || layout.current.keys !== keys)
    layout.current = { keys, offsets: heights.current.offsets(keys), guessed: !heights.current.anyMeasured };
  const offsets = layout.current.offsets;
  const indexOf = useMemo(() => new Map(keys.map((key, index) => [key, index])), [keys]);
  const [view, setView] = useState({ top: 0, height: 0 });
  const [focusKey, setFocusKey] = useState<string | null>(null);
  const pendingFocus = useRef<string | null>(null);
  const anchor = useRef<Anchor | null>(null);
  /** The layout the anchor was last applied to. */
  const laidOut = useRef<Float64Array | null>(null);
  const range = rowRange(offsets, view.top, view.height, options.overscan, focusKey === null ? -1 : (indexOf.get(focusKey) ?? -1));

  // What the scroll handler reads: the layout and range as last rendered.
  const latest = useRef({ keys, indexOf, offsets, range, overscan: options.overscan, keep: -1 });
  latest.current = {
    keys,
    indexOf,
    offsets,
    range,
    overscan: options.overscan,
    keep: focusKey === null ? -1 : (indexOf.get(focusKey) ?? -1),
  };
  const rowObserver = useRef<ResizeObserver | null>(null);
  /** Rows the observer watches (a row keeps its element while it stays in the window). */
  const observed = useRef(new WeakSet<Element>());

  /** Puts the anchor row back where it was in the layout `tops`, when the layout changed. */
  const keepAnchor = (element: HTMLElement, tops: Float64Array): void => {
    // Only a layout that changed (rows in, out, moved or measured) moves the anchor row; a render for a scroll
    // must not undo it before the scroll event updated the anchor.
    if (tops === laidOut.current) return;
    laidOut.current = tops;
    const kept = anchor.current === null ? undefined : latest.current.indexOf.get(anchor.current.key);
    if (anchor.current === null || kept === undefined) return;
    const wanted = tops[kept]! + anchor.current.delta;
    if (Math.abs(element.scrollTop - wanted) >= 1) element.scrollTop = wanted;
  };

  useLayoutEffect(() => {
    const element = list.current;
    if (element === null || typeof ResizeObserver === 'undefined') return;
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
    const viewObserver = new ResizeObserver(resized);
    viewObserver.observe(element);
    // Rows are measured by a ResizeObserver, after the browser's own layout: measuring them after each render
    // (getBoundingClientRect) forced a layout of its own per render, most of a scroll step's cost.
    rowObserver.current = new ResizeObserver((entries) => {
      const changed = new Map<number, number>();
      for (const entry of entries) {
        const row = entry.target as HTMLElement;
        const key = row.dataset['key'];
        // A row taken out of the list reports no size: it is forgotten, not measured as 0.
        if (!row.isConnected || key === undefined) {
          rowObserver.current?.unobserve(row);
          continue;
        }
        const height = entry.borderBoxSize[0]?.blockSize ?? row.getBoundingClientRect().height;
        // A hidden list (the conversation open at 375 px) lays its rows out at 0: not their height.
        const index = latest.current.indexOf.get(key);
        if (height > 0 && heights.current!.set(key, height) && index !== undefined) changed.set(index, height);
      }
      const laid = layout.current;
      if (changed.size === 0 || laid === null || laid.keys !== latest.current.keys) return;
      // The first rows measured tell the height of all the others (the average): a list laid out on the estimate is
      // laid out again whole, once, or its height (and every row's place far down) stays the estimate's.
      laid.offsets = laid.guessed ? heights.current!.offsets(laid.keys) : reflow(laid.offsets, changed);
      laid.guessed = false;
      // The scroll handler reads the new layout at once (its anchor is measured in it).
      latest.current = { ...latest.current, offsets: laid.offsets };
      keepAnchor(element, laid.offsets);
      remeasured((count) => count + 1);
    });
    return () => {
      element.removeEventListener('scroll', update);
      viewObserver.disconnect();
      rowObserver.current?.disconnect();
    };
  }, []);

  // After each render: watch the new rows' sizes, keep the anchor row in place, and focus a row asked for.
  useLayoutEffect(() => {
    const element = list.current;
    if (element === null) return;
    for (const row of element.children) {
      if ((row as HTMLElement).dataset['key'] === undefined || observed.current.has(row)) continue;
      observed.current.add(row);
      rowObserver.current?.observe(row);
    }
    keepAnchor(element, offsets);
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
