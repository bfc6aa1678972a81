import type { ConnectionOptions } from './connection-types.js';
import { PollTransport } from './poll-transport.js';
import { SseTransport } from './sse-transport.js';
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
      return new SseTransport(EventSourceImpl, fetchImpl, target);
    }
    case 'poll':
      return new PollTransport(fetchImpl, target, options.pollWaitMs);
  }
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
