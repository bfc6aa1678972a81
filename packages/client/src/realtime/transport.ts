import { MAX_CLIENT_FRAME_BYTES, type ClientFrame, type ServerFrame } from '@parley/protocol';

export type TransportName = 'ws' | 'sse' | 'poll';

/**
 * How long the server may hold a poll open; the client gives up a little after that. (Here, not in
 * poll-transport.ts, so that reading the number does not load the lazily imported poll transport.)
 */
export const POLL_WAIT_MS = 25_000;

/** Why a link ended, in WebSocket close-code terms (SSE and poll map HTTP 401/403 to 4001/4003). */
export interface TransportClose {
  readonly code: number;
  readonly reason: string;
}

/**
 * One link to the gateway. Transports only translate between the wire and frames; the session
 * protocol (hello, resume, outbox, reconnects) lives in the connection, so all three behave alike.
 */
export interface Transport {
  readonly name: TransportName;
  /** Whether the server heartbeats this link, so that silence means it is dead (poll has its own request timeouts). */
  readonly heartbeats: boolean;
  /**
   * Starts the link. Resolves once it is established: `welcome` received (WebSocket, SSE; never on the
   * socket's or stream's `open`, which a proxy may grant while it holds the rest back), or the first
   * answer (poll, which starts with `welcome`). Rejects or calls `onClose` when it fails; `onClose` at most once.
   */
  open(onFrame: (frame: ServerFrame) => void, onClose: (close: TransportClose) => void): Promise<void>;
  /** Sends one frame. HTTP transports resolve with the server's answer (`ack` or `error`); rejects when the link failed. */
  send(frame: ClientFrame): Promise<ServerFrame | void>;
  /** Ends the link without calling `onClose`. */
  close(): void;
}

/** What a transport needs to find the gateway and to say where the client stands. */
export interface TransportTarget {
  /** e.g. `https://chat.example.com` (no trailing slash needed). */
  readonly baseUrl: string;
  readonly token: string;
  /** The highest seq the client holds: sent in hello (WS) or in the URL (SSE, poll). */
  readonly lastSeq: number;
  /** Ask for the backlog as `messages` frames (hello `batch`, or `batch=1` in the URL). */
  readonly batch?: boolean;
}

/** Close code used when a link breaks without the server saying why (the WebSocket "abnormal closure"). */
export const ABNORMAL_CLOSE = 1006;

/** What a realtime URL adds to say `batch` (WebSocket and SSE beside `lastSeq`, poll beside `since`). */
export function batchQuery(target: TransportTarget): Readonly<Record<string, number>> {
  return target.batch === true ? { batch: 1 } : {};
}

export function realtimeEndpoint(target: TransportTarget, path: string): string {
  return `${target.baseUrl.replace(/\/+$/, '')}/v1/realtime/${path}`;
}

/** The token rides in the query where the browser API allows no header (WebSocket, EventSource). */
export function realtimeUrl(target: TransportTarget, path: string, query: Readonly<Record<string, string | number>>): string {
  const params = new URLSearchParams({ token: target.token });
  for (const [key, value] of Object.entries(query)) params.set(key, String(value));
  return `${realtimeEndpoint(target, path)}?${params.toString()}`;
}

/** HTTP answers of the SSE and poll endpoints, in close-code terms, so the connection treats all transports alike. */
export function closeFromStatus(status: number): TransportClose {
  if (status === 401) return { code: 4001, reason: 'HTTP 401' };
  if (status === 403 || status === 404) return { code: 4003, reason: `HTTP ${status}` };
  return { code: ABNORMAL_CLOSE, reason: `HTTP ${status}` };
}

/**
 * Reads one incoming frame (JSON text, or an already parsed value from a poll answer). The server
 * speaks the protocol, so only the JSON and the `type` are checked here.
 */
export function parseServerFrame(data: unknown): ServerFrame | undefined {
  let parsed: unknown = data;
  if (typeof data === 'string') {
    try {
      parsed = JSON.parse(data);
    } catch {
      return undefined; // A garbled frame is dropped; the heartbeat watchdog catches a link that only sends garbage.
    }
  }
  if (typeof parsed !== 'object' || parsed === null || !('type' in parsed) || typeof parsed.type !== 'string') return undefined;
  return parsed as ServerFrame; // Boundary: the gateway validates what it sends; the client trusts the wire shape.
}

/** Whether a frame is over the gateway's size limit, counted in UTF-8 bytes as the server counts it. */
export function oversized(frame: ClientFrame): boolean {
  return new TextEncoder().encode(JSON.stringify(frame)).length > MAX_CLIENT_FRAME_BYTES;
}
