import { useLayoutEffect, useState } from 'preact/hooks';
import type { ViewState, ViewStore } from '../core/view-store.js';

/**
 * Re-renders the component whenever the store changes. A change between the first render and the
 * subscription (an API call replayed right after mount) is caught by comparing with what was rendered.
 */
export function useView(store: ViewStore): ViewState {
  const [, setTick] = useState(0);
  const rendered = store.state;
  useLayoutEffect(() => {
    const update = () => setTick((tick) => tick + 1);
    const stop = store.subscribe(update);
    if (store.state !== rendered) update();
    return stop;
  }, [store]);
  return store.state;
}
