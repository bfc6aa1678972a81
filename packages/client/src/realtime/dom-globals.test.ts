import { describe, expect, it } from 'vitest';
import type { NetworkEventTarget } from './network-hooks.js';
import type { EventSourceConstructor } from './sse-transport.js';
import type { WebSocketConstructor } from './ws-transport.js';

// Compile-time checks (run by `tsc -p tsconfig.check.json`, which has the DOM lib): the browser's own
// constructors fit the injected interfaces, so the widget passes `WebSocket` and `EventSource` as they are.
type Fits<T, U> = [T] extends [U] ? true : false;
const browserWebSocketFits: Fits<typeof WebSocket, WebSocketConstructor> = true;
const browserEventSourceFits: Fits<typeof EventSource, EventSourceConstructor> = true;
const windowFits: Fits<Window, NetworkEventTarget> = true;

describe('injected globals', () => {
  it('accept the browser WebSocket and EventSource constructors and window unchanged', () => {
    expect([browserWebSocketFits, browserEventSourceFits, windowFits]).toEqual([true, true, true]);
  });
});
