import type { RefObject } from 'preact';
import { useEffect, useRef, useState } from 'preact/hooks';

/** Entries put in per task while the timeline fills: about a screenful. */
export const STEP = 12;

/**
 * How many of the newest entries the timeline shows (`Infinity`: all of them). A page of history is 50
 * Markdown entries, and mounting and laying them out at once was one long task (50–200 ms on a busy
 * machine) whether the conversation held 50 messages or 1,000. So when entries arrive in a lump — the
 * conversation opened, another one chosen — the newest STEP show first and the rest follow STEP by STEP,
 * each in a task of its own after the browser painted the previous ones (Preact runs effects after the
 * next paint). An entry that arrives alone (a new message) just shows. While entries go in above, the
 * view keeps its distance from the bottom through `anchor`, as for an earlier page.
 */
export function useStagedTail(
  entries: readonly { readonly key: string }[],
  scroller: RefObject<HTMLElement | null>,
  anchor: { current: number | null },
): number {
  const shown = useRef(STEP);
  const lastKey = useRef<string | undefined>(undefined);
  const [, grew] = useState(0);
  const newestKey = entries.at(-1)?.key;
  if (newestKey !== lastKey.current) {
    // Where the newest entry of the last render is now: gone, or more than a step back, is a new lump.
    const at = lastKey.current === undefined ? -1 : entries.findLastIndex((entry) => entry.key === lastKey.current);
    if (at < 0 || entries.length - 1 - at > STEP) shown.current = STEP;
    lastKey.current = newestKey;
  }
  useEffect(() => {
    if (shown.current >= entries.length) {
      shown.current = Infinity;
      return;
    }
    return nextTaskAfterPaint(() => {
      const element = scroller.current;
      if (element === null) return;
      anchor.current = element.scrollHeight - element.scrollTop;
      shown.current += STEP;
      grew((steps) => steps + 1);
    });
  });
  return shown.current;
}

/**
 * Runs `next` in a task of its own after the browser's next paint (within 100 ms on a hidden page, which
 * paints nothing) unless the returned function is called first. An effect alone is not enough: Preact runs a
 * component's pending effects at once when it renders again before the paint — and the timeline renders a
 * few times as a conversation's parts arrive — which would put every step in one task.
 */
function nextTaskAfterPaint(next: () => void): () => void {
  let task: ReturnType<typeof setTimeout> | undefined;
  const painted = (): void => {
    cancelAnimationFrame(frame);
    clearTimeout(hidden);
    task = setTimeout(next, 0);
  };
  const hidden = setTimeout(painted, 100);
  const frame = requestAnimationFrame(painted);
  return () => {
    cancelAnimationFrame(frame);
    clearTimeout(hidden);
    clearTimeout(task);
  };
}
