import { useEffect, useRef, useState } from 'preact/hooks';
import { api, errorText } from '../api.js';

export interface PagedReport<T> {
  readonly items: readonly T[] | null;
  readonly error: string | null;
  readonly loading: boolean;
  /** Null when there is nothing more to load (or a page is loading). */
  readonly more: (() => void) | null;
}

/**
 * A paged report (CSAT comments, unanswered, abandoned): its first page, and the next on `more()`.
 * A new `path` (period or filters changed) or `attempt` (Try again) starts over, and answers for an older path are dropped.
 */
export function usePagedReport<T>(path: string, take: number, attempt = 0): PagedReport<T> {
  const [items, setItems] = useState<readonly T[] | null>(null);
  const [next, setNext] = useState<string | null>(null);
  const [error, setError] = useState<string | null>(null);
  const [loading, setLoading] = useState(true);
  const asked = useRef(path);

  const load = (cursor: string | null) => {
    const forPath = path;
    setLoading(true);
    api.pages<T>(path, { take, max: 1, cursor }).then(
      (answer) => {
        if (asked.current !== forPath) return;
        setItems((held) => [...(cursor === null ? [] : (held ?? [])), ...answer.items]);
        setNext(answer.nextCursor);
        setError(null);
        setLoading(false);
      },
      (caught: unknown) => {
        if (asked.current !== forPath) return;
        setError(errorText(caught));
        setLoading(false);
      },
    );
  };

  useEffect(() => {
    asked.current = path;
    setNext(null);
    load(null);
  }, [path, attempt]);

  return { items, error, loading, more: next === null || loading ? null : () => load(next) };
}
