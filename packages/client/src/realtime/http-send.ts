import type { ClientFrame, ServerFrame } from '@parley/protocol';
import { parseServerFrame } from './transport.js';

/** How long one POSTed frame may take; generous, since the server answers only after committing. */
const SEND_TIMEOUT_MS = 30_000;

/** Thrown when an HTTP answer says the link itself is over (401, 403): the connection closes with this code. */
export class HttpCloseError extends Error {
  override readonly name = 'HttpCloseError';
  constructor(readonly status: number) {
    super(`HTTP ${status}`);
  }
}

/**
 * By name, not `instanceof`: a browser bundle may hold two copies of this module (the widget builds its
 * lazily loaded SSE and poll transports as a file of their own, with their own copies of what they import).
 */
export function isHttpClose(error: unknown): error is HttpCloseError {
  return error instanceof Error && error.name === 'HttpCloseError' && typeof (error as Partial<HttpCloseError>).status === 'number';
}

/**
 * SSE and poll send each client frame as one POST, with the token both as a Bearer header and in the
 * URL (the gateway documents the query parameter; the header is what the REST API uses). The answer is
 * the frame's outcome (`ack` or `error`), or 204 for frames that have none (typing, read).
 */
export async function postFrame(fetchImpl: typeof fetch, url: string, token: string, frame: ClientFrame): Promise<ServerFrame | void> {
  const response = await fetchImpl(url, {
    method: 'POST',
    headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
    body: JSON.stringify(frame),
    // A POST that never answers would hold the outbox; failing it makes the connection reconnect and resend.
    signal: AbortSignal.timeout(SEND_TIMEOUT_MS),
  });
  const text = await response.text();
  if (response.status === 401 || response.status === 403) throw new HttpCloseError(response.status);
  const answer = parseServerFrame(text);
  if (answer !== undefined) return answer;
  if (response.ok) return undefined;
  throw new Error(`HTTP ${response.status} from ${url}`);
}
