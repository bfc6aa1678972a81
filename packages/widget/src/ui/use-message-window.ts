import type { RefObject } from 'preact';
import { useEffect, useLayoutEffect, useRef, useState } from 'preact/hooks';
import type { Message } from '@parley/protocol';

/** How many of the newest messages are rendered on opening, and how many more each "earlier" adds. */
export const WINDOW = 50;

/**
 * Rows put in per task while a window fills: about a screenful. Mounting a whole window of Markdown rows
 * and laying it out was one task of 50–200 ms on a busy machine — a frozen host page — so the newest
 * STEP show first and the rest follow STEP by STEP, each after the browser painted the previous ones.
 */
export const STEP = 12;

/** Loading earlier ones starts this close to the top, before the visitor hits it. */
const NEAR_TOP_PX = 80;

/**
 * Which messages the log renders: the newest WINDOW, whatever the length of the history, so opening a
 * long conversation costs what opening a short one does. Scrolling up (or the "earlier" button) adds
 * WINDOW more above and keeps what the visitor was reading where it was; back at the bottom, the
 * window shrinks to the newest again. While the visitor reads higher up, new messages grow the window
 * instead of sliding it, so nothing moves under their eyes. Past the oldest message held, `older`
 * asks the server for more; they are put in above, where the visitor is, in the same way.
 */
export function useMessageWindow(
  messages: readonly Message[],
  log: RefObject<HTMLDivElement | null>,
  older: (() => void) | null,
  following: () => boolean,
) {
  // null: follow the newest. A seq: the oldest message the visitor asked to see.
  const [pinned, setPinned] = useState<number | null>(null);
  // How many of the newest the window shows while following them: it starts at STEP and grows to WINDOW.
  const shown = useRef(STEP);
  const seen = useRef(0);
  const [, grew] = useState(0);
  const newestSeq = messages.at(-1)?.seq ?? 0;
  // More than a step arrived at once (the first load, a backlog batch): the newest first again, then the rest.
  if (newestSeq - seen.current > STEP) shown.current = STEP;
  // A few new ones while the window still fills: it grows by them rather than sliding. Sliding drops a row at the
  // top, the browser moves the view up to keep its place, and that scroll read as the visitor leaving the bottom.
  else if (seen.current > 0) shown.current = Math.min(WINDOW, shown.current + Math.max(0, newestSeq - seen.current));
  seen.current = newestSeq;
  const newest = Math.max(0, messages.length - shown.current);
  // Never later than the newest WINDOW: after a restart an old pin must not hide a short new conversation.
  const first = pinned === null ? newest : Math.min(newest, firstFrom(messages, pinned));
  // Distance from the bottom of the content to the top of the view, kept across a load of earlier messages;
  // 'bottom' when the log follows its newest message, which it must still do once the rows are in.
  const anchor = useRef<number | 'bottom' | null>(null);

  useLayoutEffect(() => {
    const element = log.current;
    const kept = anchor.current;
    if (element === null || kept === null) return;
    anchor.current = null;
    // Following the newest: scrolled at the next frame, before it paints, unless the visitor scrolled away
    // meanwhile (scroll events come before it). Reading scrollHeight here would lay the window out inside
    // this task (a forced layout): one long task of render and layout instead of two short ones.
    if (kept !== 'bottom') element.scrollTop = element.scrollHeight - kept;
    else
      requestAnimationFrame(() => {
        if (following()) element.scrollTop = element.scrollHeight;
      });
  }, [first, messages[0]?.seq]);

  // One more step once the browser painted this one, in a task of its own — not in the effect itself: Preact
  // runs pending effects at once when the log renders again before the paint, which would join the steps.
  // A hidden page paints nothing: its window fills when it is seen.
  useEffect(() => {
    if (pinned !== null || shown.current >= WINDOW || messages.length <= shown.current) return;
    let task: ReturnType<typeof setTimeout> | undefined;
    const frame = requestAnimationFrame(() => {
      task = setTimeout(() => {
        const element = log.current;
        if (element === null) return;
        // The rows go in above what is shown: keep the view where it is. A log that follows its newest message
        // stays at the bottom — by distance it would keep a gap that content grown since (a link card) opened.
        anchor.current = following() ? 'bottom' : element.scrollHeight - element.scrollTop;
        shown.current = Math.min(WINDOW, shown.current + STEP);
        grew((steps) => steps + 1);
      }, 0);
    });
    return () => {
      cancelAnimationFrame(frame);
      clearTimeout(task);
    };
  });

  const loadEarlier = (): void => {
    const element = log.current;
    if (element === null || (first === 0 && older === null)) return;
    anchor.current = element.scrollHeight - element.scrollTop;
    if (first > 0) return setPinned(messages[Math.max(0, first - WINDOW)]?.seq ?? null);
    // From the very first held: the older ones arrive above it and stay in the window.
    setPinned(0);
    older?.();
  };

  const onScrolled = (atBottom: boolean): void => {
    const element = log.current;
    if (element === null) return;
    if (atBottom) {
      if (pinned !== null) setPinned(null);
    } else if (element.scrollTop < NEAR_TOP_PX && (first > 0 || older !== null)) loadEarlier();
    else if (pinned === null) setPinned(messages[first]?.seq ?? null);
  };

  return { first, earlier: first > 0 || older !== null, loadEarlier, onScrolled };
}

/** The index of the first message with seq ≥ `seq` (messages are in seq order). */
function firstFrom(messages: readonly Message[], seq: number): number {
  let low = 0;
  let high = messages.length;
  while (low < high) {
    const middle = (low + high) >>> 1;
    if ((messages[middle]?.seq ?? 0) < seq) low = middle + 1;
    else high = middle;
  }
  return low;
}
