import type { ConnectionOptions } from './connection-types.js';
import type { Transport, TransportName, TransportTarget } from './transport.js';
import { WsTransport } from './ws-transport.js';

/** Builds one transport from the injected globals, falling back to the page's own where it has them. */
export function createTransport(name: TransportName, target: TransportTarget, options: ConnectionOptions): Transport {
  if (options.createTransport !== undefined) return options.createTransport(name, target);
  const fetchImpl = options.fetch ?? ((input: RequestInfo | URL, init?: RequestInit) => globalThis.fetch(input, init));
  switch (name) {
    case 'ws': {
      const WebSocketImpl = options.WebSocket ?? globalThis.WebSocket;
      return new WsTransport(WebSocketImpl, target);
    }
    case 'sse': {
      const EventSourceImpl = options.EventSource ?? globalThis.EventSource;
      return deferred(name, true, () => import('./sse-transport.js').then((m) => new m.SseTransport(EventSourceImpl, fetchImpl, target)));
    }
    case 'poll':
      return deferred(name, false, () =>
        import('./poll-transport.js').then((m) => new m.PollTransport(fetchImpl, target, options.pollWaitMs)),
      );
  }
}

/**
 * SSE and long polling are imported when a link first needs them: most links are WebSocket, so a browser
 * bundle (the widget's core) need not carry the fallbacks. The import counts against the open timeout.
 */
function deferred(name: TransportName, heartbeats: boolean, make: () => Promise<Transport>): Transport {
  let real: Transport | undefined;
  let closed = false;
  return {
    name,
    heartbeats,
    async open(onFrame, onClose) {
      const made = await make();
      if (closed) throw new Error(`${name} transport closed while it loaded`);
      real = made;
      return made.open(onFrame, onClose);
    },
    send: (frame) => (real === undefined ? Promise.reject(new Error(`${name} transport not open`)) : real.send(frame)),
    close() {
      closed = true;
      real?.close();
    },
  };
}

/** The default order, minus what this runtime lacks (Node 20 has no WebSocket or EventSource global). */
export function availableTransports(options: ConnectionOptions): readonly TransportName[] {
  if (options.createTransport !== undefined) return ['ws', 'sse', 'poll'];
  const names: TransportName[] = [];
  if (options.WebSocket !== undefined || typeof globalThis.WebSocket === 'function') names.push('ws');
  if (options.EventSource !== undefined || typeof globalThis.EventSource === 'function') names.push('sse');
  names.push('poll');
  return names;
}
