import * as v from 'valibot';
import {
  CLIENT_FRAME_BURST,
  CLIENT_FRAMES_PER_SECOND,
  TokenBucket,
  clientFrameSchema,
  CLOSE_CODES,
  MAX_CLIENT_FRAME_BYTES,
  type ClientFrame,
  type ServerFrame,
} from '@parley/protocol';
import { NUL_MESSAGE, nulPath } from '../http/nul-check.js';

/** A frame the session can act on, or the error to answer with (and, for some, the close that follows). */
export type ParsedFrame =
  { readonly ok: true; readonly frame: ClientFrame } | { readonly ok: false; readonly error: ServerFrame; readonly closeCode?: number };

/** Validates one client frame at the edge: size first (cheap), then JSON, then the protocol schema. */
export function parseClientFrame(raw: string): ParsedFrame {
  // Every UTF-8 character is at most 4 bytes, so short frames skip the byte count.
  if (raw.length * 4 > MAX_CLIENT_FRAME_BYTES && Buffer.byteLength(raw) > MAX_CLIENT_FRAME_BYTES) {
    return {
      ok: false,
      error: errorFrame('PARLEY_ERR_FRAME_TOO_LARGE', `Frames may be at most ${MAX_CLIENT_FRAME_BYTES} bytes.`),
      closeCode: CLOSE_CODES.FRAME_TOO_LARGE.code,
    };
  }
  let json: unknown;
  try {
    json = JSON.parse(raw);
  } catch {
    return { ok: false, error: errorFrame('PARLEY_ERR_FRAME_INVALID_JSON', 'The frame is not valid JSON.') };
  }
  const result = v.safeParse(clientFrameSchema, json);
  if (!result.success) {
    const issue = result.issues[0];
    const path = issue.path?.map((item) => String(item.key)).join('.');
    const clientId = sendClientId(json);
    return {
      ok: false,
      error: errorFrame('PARLEY_ERR_FRAME_INVALID', path === undefined ? issue.message : `${path} ${issue.message}`, clientId),
    };
  }
  const nul = nulPath(result.output);
  if (nul !== null)
    return { ok: false, error: errorFrame('PARLEY_ERR_FRAME_INVALID', `${nul.join('.')} ${NUL_MESSAGE}`, sendClientId(json)) };
  return { ok: true, frame: result.output };
}

export function errorFrame(code: Extract<ServerFrame, { type: 'error' }>['code'], message: string, clientId?: string): ServerFrame {
  return clientId === undefined ? { type: 'error', code, message } : { type: 'error', code, message, clientId };
}

/** An invalid `send` still names its clientId when it has one, so the client can mark that message failed. */
function sendClientId(json: unknown): string | undefined {
  if (typeof json !== 'object' || json === null || !('type' in json) || json.type !== 'send') return undefined;
  return 'clientId' in json && typeof json.clientId === 'string' && json.clientId.length <= 64 ? json.clientId : undefined;
}

/** The per-connection limit: CLIENT_FRAMES_PER_SECOND sustained, CLIENT_FRAME_BURST at once. */
export function connectionRateLimit(): TokenBucket {
  return new TokenBucket(CLIENT_FRAMES_PER_SECOND, CLIENT_FRAME_BURST);
}
