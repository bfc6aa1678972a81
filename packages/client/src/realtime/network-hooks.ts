import type { NetworkHooks } from './connection-types.js';

/** The part of `window` needed for the browser's `online` / `offline` events. */
export interface NetworkEventTarget {
  addEventListener(type: 'online' | 'offline', listener: () => void): void;
  removeEventListener(type: 'online' | 'offline', listener: () => void): void;
}

/** Adapts `window` to the connection's network hooks: `new Connection({ ..., network: windowNetworkHooks(window) })`. */
export function windowNetworkHooks(target: NetworkEventTarget): NetworkHooks {
  const listen = (type: 'online' | 'offline', listener: () => void): (() => void) => {
    target.addEventListener(type, listener);
    return () => target.removeEventListener(type, listener);
  };
  return { onOnline: (listener) => listen('online', listener), onOffline: (listener) => listen('offline', listener) };
}
