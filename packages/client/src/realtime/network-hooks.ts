import type { NetworkHooks } from './connection-types.js';

/** The part of `window` (or of `document`) needed to listen for one of its events. */
interface Listenable<Type extends string> {
  addEventListener(type: Type, listener: () => void): void;
  removeEventListener(type: Type, listener: () => void): void;
}

/** The part of `window` needed for the browser's `online` / `offline` events. */
export type NetworkEventTarget = Listenable<'online' | 'offline'>;

/** The part of `document` needed to hear that the page is shown again. */
export interface VisibilityEventTarget extends Listenable<'visibilitychange'> {
  readonly visibilityState: string;
}

function listen<Type extends string>(target: Listenable<Type>, type: Type, listener: () => void): () => void {
  target.addEventListener(type, listener);
  return () => target.removeEventListener(type, listener);
}

/**
 * Adapts the page to the connection's network hooks: `new Connection({ ..., network: windowNetworkHooks(window, document) })`.
 * With `document`, a page shown again (a tab brought back, a laptop woken) reconnects at once instead of
 * waiting out a backoff that timers of a hidden or sleeping page may have stretched.
 */
export function windowNetworkHooks(target: NetworkEventTarget, page?: VisibilityEventTarget): NetworkHooks {
  const hooks: NetworkHooks = {
    onOnline: (listener) => listen(target, 'online', listener),
    onOffline: (listener) => listen(target, 'offline', listener),
  };
  if (page === undefined) return hooks;
  const onVisible = (listener: () => void): (() => void) =>
    listen(page, 'visibilitychange', () => {
      if (page.visibilityState === 'visible') listener();
    });
  return { ...hooks, onVisible };
}
