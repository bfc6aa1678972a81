import { CallingConnection, windowNetworkHooks, type EventSourceConstructor, type WebSocketConstructor } from '@parley/client';

/**
 * The agent's realtime link to one conversation, resuming after `lastSeq`. The gateway takes the
 * console session token as `?token=` plus `?conversationId=`; @parley/client builds the URLs itself,
 * so the conversation is added by the WebSocket, EventSource and fetch it is given (the client takes
 * its globals injected for exactly this kind of reason).
 */
export function agentConnection(token: string | null, conversationId: string, lastSeq: number): CallingConnection {
  const withParams = (url: string): string => {
    if (!url.includes('/v1/realtime/')) return url;
    const parsed = new URL(url, location.href);
    parsed.searchParams.set('conversationId', conversationId);
    // Without a token (a tab opened after login) the HttpOnly cookie authenticates the link instead.
    if (parsed.searchParams.get('token') === '') parsed.searchParams.delete('token');
    return parsed.toString();
  };
  const NativeWebSocket = globalThis.WebSocket;
  const NativeEventSource = globalThis.EventSource;
  const ParamWebSocket = class extends NativeWebSocket {
    constructor(url: string) {
      super(withParams(url));
    }
  };
  const ParamEventSource = class extends NativeEventSource {
    constructor(url: string) {
      super(withParams(url));
    }
  };
  // Calling: the agent's link also carries calls (console call/).
  return new CallingConnection({
    baseUrl: location.origin,
    token: token ?? '',
    lastSeq,
    // A gap to fill after a reconnect arrives in a few batches, each rendered once.
    batches: true,
    WebSocket: ParamWebSocket as unknown as WebSocketConstructor,
    EventSource: ParamEventSource as unknown as EventSourceConstructor,
    fetch: (input, init) => globalThis.fetch(typeof input === 'string' ? withParams(input) : input, init),
    network: windowNetworkHooks(window, document),
  });
}
