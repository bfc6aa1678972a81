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

/**
 * The schema of each frame type. clientFrameSchema is a variant on `type`, which tries its options' `type` in turn
 * (ten of them): a frame is checked against the one its type names, which gives the same output; a frame that
 * fails it (or names no known type) goes through the variant, so that its error is the one it always was.
 */
const FRAME_SCHEMAS = new Map<string, (typeof clientFrameSchema.options)[number]>(
  clientFrameSchema.options.map((option) => [option.entries.type.literal, option]),
);

function frameSchemaOf(json: unknown): (typeof clientFrameSchema.options)[number] | undefined {
  if (typeof json !== 'object' || json === null || !('type' in json) || typeof json.type !== 'string') return undefined;
  return FRAME_SCHEMAS.get(json.type);
}

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
  const schema = frameSchemaOf(json);
  const checked = schema === undefined ? undefined : v.safeParse(schema, json);
  const result = checked?.success === true ? checked : v.safeParse(clientFrameSchema, json);
  if (!result.success) {
    const issue = result.issues[0];
    const path = issue.path?.map((item) => String(item.key)).join('.');
    const clientId = sendClientId(json);
    return {
      ok: false,
      error: errorFrame('PARLEY_ERR_FRAME_INVALID', path === undefined ? issue.message : `${path} ${issue.message}`, clientId),
    };
  }
  // A NUL can only be in parsed JSON as the escape \u0000 (a raw control character is not valid JSON).
  const nul = raw.includes('\\u0000') ? nulPath(result.output) : null;
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
