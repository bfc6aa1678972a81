import { useEffect, useState } from 'preact/hooks';
import { api, errorText } from '../api.js';

export interface Loaded<T> {
  /** The last answer; kept while the next one loads, so the page does not flash empty. */
  readonly data: T | null;
  readonly error: string | null;
  readonly loading: boolean;
}

/**
 * GETs `path` whenever it (or `attempt`: Try again) changes. An answer to a path that is no longer asked (the period changed
 * meanwhile) is dropped, so a slow old answer never overwrites a new one.
 */
export function useReport<T>(path: string, attempt = 0): Loaded<T> {
  const [state, setState] = useState<Loaded<T>>({ data: null, error: null, loading: true });
  useEffect(() => {
    let current = true;
    setState((held) => ({ ...held, loading: true }));
    api.get<T>(path).then(
      (data) => current && setState({ data, error: null, loading: false }),
      (caught: unknown) => current && setState({ data: null, error: errorText(caught), loading: false }),
    );
    return () => {
      current = false;
    };
  }, [path, attempt]);
  return state;
}
