import type { ClientFrame, ServerFrame } from '@parley/protocol';
import { postFrame } from './http-send.js';
import {
  ABNORMAL_CLOSE,
  batchQuery,
  closeFromStatus,
  parseServerFrame,
  realtimeUrl,
  type Transport,
  type TransportClose,
  type TransportTarget,
} from './transport.js';

/** The part of the EventSource API used here; the browser's `EventSource` fits, and so does testkit's Node one. */
export interface EventSourceLike {
  close(): void;
  addEventListener(type: 'message', listener: (event: { readonly data: unknown }) => void): void;
  addEventListener(type: 'error', listener: () => void): void;
}
export type EventSourceConstructor = new (url: string) => EventSourceLike;

/**
 * Server-Sent Events down, POST up. The browser's EventSource would reconnect by itself after an
 * error, with its own timing and without telling us why; the connection owns reconnects, so any
 * error ends this link. An error before the stream opened is probed once with fetch, because
 * EventSource hides the HTTP status and a 401 must lead to re-auth, not to endless retries.
 */
export class SseTransport implements Transport {
  readonly name = 'sse';
  /**
   * The gateway heartbeats SSE with `ping` data frames (comment lines never reach EventSource's listeners),
   * so silence means the stream is dead or held back by a proxy that buffers it: the watchdog ends it.
   */
  readonly heartbeats = true;
  private source: EventSourceLike | undefined;
  private ended = false;

  constructor(
    private readonly EventSourceImpl: EventSourceConstructor,
    private readonly fetchImpl: typeof fetch,
    private readonly target: TransportTarget,
  ) {}

  open(onFrame: (frame: ServerFrame) => void, onClose: (close: TransportClose) => void): Promise<void> {
    return new Promise((resolve, reject) => {
      const url = realtimeUrl(this.target, 'sse', { lastSeq: this.target.lastSeq, ...batchQuery(this.target) });
      const source = new this.EventSourceImpl(url);
      this.source = source;
      // Established on `welcome`, as WebSocket is, not on EventSource's `open`: a proxy that passes the
      // headers but buffers the body would otherwise pass for a working link that delivers nothing.
      let opened = false;
      source.addEventListener('message', (event) => {
        const frame = this.ended ? undefined : parseServerFrame(event.data);
        if (frame === undefined) return;
        if (frame.type === 'welcome' && !opened) {
          opened = true;
          resolve();
        }
        onFrame(frame);
      });
      source.addEventListener('error', () => {
        if (this.ended) return;
        this.ended = true;
        source.close();
        void this.closeReason(url, opened).then((close) => {
          if (!opened) reject(new Error(`SSE failed before welcome (${close.code})`));
          onClose(close);
        });
      });
    });
  }

  send(frame: ClientFrame): Promise<ServerFrame | void> {
    if (this.ended) return Promise.reject(new Error('SSE link is closed'));
    return postFrame(this.fetchImpl, realtimeUrl(this.target, 'sse/send', {}), this.target.token, frame);
  }

  close(): void {
    this.ended = true;
    this.source?.close();
  }

  private async closeReason(url: string, opened: boolean): Promise<TransportClose> {
    if (opened) return { code: ABNORMAL_CLOSE, reason: 'SSE stream ended' };
    const abort = new AbortController();
    try {
      const response = await this.fetchImpl(url, { signal: abort.signal, headers: { accept: 'text/event-stream' } });
      return closeFromStatus(response.status);
    } catch {
      return { code: ABNORMAL_CLOSE, reason: 'SSE unreachable' };
    } finally {
      abort.abort(); // Only the status was wanted; do not hold a second stream open.
    }
  }
}
