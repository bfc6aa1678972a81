import type { Message, RealtimeErrorCode, ServerFrame } from '@parley/protocol';
import type { OutboxEntry } from './outbox.js';
import type { EventSourceConstructor } from './sse-transport.js';
import type { Transport, TransportName, TransportTarget } from './transport.js';
import type { WebSocketConstructor } from './ws-transport.js';

/** Schedules `run` after `ms`; returns its cancel. Wraps setTimeout so handles stay opaque across browser and Node. */
export type Schedule = (run: () => void, ms: number) => () => void;

/** Page hooks (`online`/`offline` events, the page shown again): each returns its unsubscribe. */
export interface NetworkHooks {
  onOnline(listener: () => void): () => void;
  onOffline(listener: () => void): () => void;
  /** The page is visible again (a tab brought back, a laptop woken): a reconnect waiting out its backoff tries at once. */
  onVisible?(listener: () => void): () => void;
}

export type ConnectionState =
  | { readonly kind: 'idle' }
  | { readonly kind: 'connecting'; readonly transport: TransportName; readonly attempt: number }
  | { readonly kind: 'open'; readonly transport: TransportName; readonly conversationId: string | null }
  | {
      readonly kind: 'reconnecting';
      readonly attempt: number;
      /** null while waiting for something other than time: the network (`offline`) or a new token (`reauth`). */
      readonly delayMs: number | null;
      readonly reason: 'lost' | 'offline' | 'reauth' | 'server';
    }
  | { readonly kind: 'closed'; readonly reason: 'client' | 'forbidden' | 'unauthorized'; readonly code: number | null };

export interface ConnectionEvents {
  ready: { readonly transport: TransportName; readonly conversationId: string | null };
  /** A new durable message (each seq at most once, in order). */
  message: Message;
  /**
   * With `batches` on: several new durable messages at once (a link's whole backlog, however many frames
   * it took), in order, each seq at most once across `message` and `messages`; render them in one go.
   * Without `batches` they come as `message` each.
   */
  messages: readonly Message[];
  /** One of our messages is stored; its outbox entry is gone. */
  ack: { readonly clientId: string; readonly seq: number; readonly messageId: string; readonly duplicate: boolean };
  typing: Extract<ServerFrame, { type: 'typing' }>;
  read: Extract<ServerFrame, { type: 'read' }>;
  state: ConnectionState;
  /** With `clientId`: that message was not stored and stays in the outbox (see `retryable`). */
  error: { readonly code: RealtimeErrorCode; readonly message: string; readonly clientId?: string; readonly retryable?: boolean };
  /** The token was refused: `getToken()` is being asked for a new one. */
  reauth: undefined;
  /** Every other server frame (status, presence, stream_delta, stream_end), for the UI. */
  frame: ServerFrame;
}

export interface ConnectionOptions {
  readonly baseUrl: string;
  readonly token: string;
  /** Asked for a fresh session token after a 4001 close; without it the connection closes as unauthorized. */
  readonly getToken?: () => Promise<string>;
  /** Transports to try, in order; pass one to force it. Default: ws, sse, poll (those whose global is available). */
  readonly transports?: readonly TransportName[];
  readonly WebSocket?: WebSocketConstructor;
  readonly EventSource?: EventSourceConstructor;
  readonly fetch?: typeof fetch;
  readonly schedule?: Schedule;
  readonly random?: () => number;
  readonly now?: () => number;
  readonly network?: NetworkHooks;
  /**
   * Ask the server for the backlog in batches (`messages` frames) and get it as `messages` events:
   * a long history then costs a few renders, not one per message. Off by default (`message` each).
   */
  readonly batches?: boolean;
  /** The highest seq the caller already holds (say, from storage); 0 by default. */
  readonly lastSeq?: number;
  /** A persisted `snapshot()` of an earlier session: these messages are sent first. */
  readonly initialOutbox?: readonly OutboxEntry[];
  /** A transport not established within this long counts as silently blocked: fall back. Default 4000. */
  readonly openTimeoutMs?: number;
  /** Open this long and the backoff starts over. Default 5000. */
  readonly stableMs?: number;
  readonly backoffBaseMs?: number;
  /** Longest backoff (full jitter below it), default 30 000; a refused or reset link waits at most 5 000 whatever this says. */
  readonly backoffCapMs?: number;
  readonly pollWaitMs?: number;
  /** Replaces the built-in transports (tests). */
  readonly createTransport?: (name: TransportName, target: TransportTarget) => Transport;
}
