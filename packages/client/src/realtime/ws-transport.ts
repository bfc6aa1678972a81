import { HEARTBEAT_MS, type ClientFrame, type ServerFrame } from '@parley/protocol';
import {
  ABNORMAL_CLOSE,
  batchQuery,
  parseServerFrame,
  realtimeUrl,
  type Transport,
  type TransportClose,
  type TransportTarget,
} from './transport.js';

/** The part of the WebSocket API used here; the browser's `WebSocket` and the `ws` package both fit. */
export interface WebSocketLike {
  send(data: string): void;
  close(code?: number, reason?: string): void;
  addEventListener(type: 'open', listener: () => void): void;
  addEventListener(type: 'error', listener: () => void): void;
  addEventListener(type: 'message', listener: (event: { readonly data: unknown }) => void): void;
  addEventListener(type: 'close', listener: (event: { readonly code: number; readonly reason: string }) => void): void;
}
export type WebSocketConstructor = new (url: string) => WebSocketLike;

/** WebSocket: the token and lastSeq in the query (browsers allow no header), established on `welcome`. */
export class WsTransport implements Transport {
  readonly name = 'ws';
  readonly heartbeats = true;
  private socket: WebSocketLike | undefined;
  private ended = false;
  private pinger: ReturnType<typeof setInterval> | undefined;

  constructor(
    private readonly WebSocketImpl: WebSocketConstructor,
    private readonly target: TransportTarget,
  ) {}

  open(onFrame: (frame: ServerFrame) => void, onClose: (close: TransportClose) => void): Promise<void> {
    return new Promise((resolve, reject) => {
      // The URL says where to resume, so the welcome follows the handshake: no hello frame, one round trip less.
      const url = realtimeUrl(this.target, 'ws', { lastSeq: this.target.lastSeq, ...batchQuery(this.target) }).replace(/^http/, 'ws');
      const socket = new this.WebSocketImpl(url);
      this.socket = socket;
      let welcomed = false;
      socket.addEventListener('message', (event) => {
        if (this.ended) return;
        const frame = parseServerFrame(event.data);
        if (frame === undefined) return;
        if (frame.type === 'welcome' && !welcomed) {
          welcomed = true;
          this.startPings(socket, frame.heartbeatMs);
          resolve();
        }
        onFrame(frame);
      });
      // An error is always followed by 'close', which is handled; the listener exists because the `ws`
      // package turns an unheard 'error' (say, closing while still connecting) into an uncaught exception.
      socket.addEventListener('error', () => undefined);
      socket.addEventListener('close', (event) => {
        clearInterval(this.pinger);
        if (this.ended) return;
        this.ended = true;
        const close = { code: event.code || ABNORMAL_CLOSE, reason: event.reason };
        if (!welcomed) reject(new Error(`WebSocket closed before welcome (${close.code})`));
        onClose(close);
      });
    });
  }

  send(frame: ClientFrame): Promise<void> {
    if (this.socket === undefined || this.ended) return Promise.reject(new Error('WebSocket is not open'));
    try {
      this.socket.send(JSON.stringify(frame));
      return Promise.resolve();
    } catch (error) {
      return Promise.reject(error instanceof Error ? error : new Error(String(error)));
    }
  }

  close(): void {
    clearInterval(this.pinger);
    this.ended = true;
    this.socket?.close(1000, 'client closed');
  }

  /**
   * The server heartbeats with WebSocket pings, which the browser API never shows; asking with `ping`
   * frames gets `pong` frames back, so the connection's watchdog sees a live link as live.
   */
  private startPings(socket: WebSocketLike, heartbeatMs: number): void {
    const every = heartbeatMs > 0 ? heartbeatMs : HEARTBEAT_MS;
    this.pinger = setInterval(() => {
      if (!this.ended) socket.send(JSON.stringify({ type: 'ping' } satisfies ClientFrame));
    }, every);
  }
}
