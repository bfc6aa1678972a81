import type { ServerFrame } from '@parley/protocol';

/**
 * What the engine publishes on a conversation's bus channel: a frame, serialised once, behind a
 * one-line header the gateway reads without parsing the JSON. Sessions forward `json` to the wire
 * as it is, so a message fanned out to many connections is stringified once, not once per socket.
 */
export interface ConversationEvent {
  readonly kind: ServerFrame['type'];
  /** The message's seq for `message` events (the gateway orders and de-duplicates by it); else 0. */
  readonly seq: number;
  /** `role:id` of whoever caused the event, so a session can skip echoes of its own typing. */
  readonly origin: string;
  /** The one link (realtime session) this event is for (calls' `call_connect` and `call_signal`); every link when absent. */
  readonly to?: string;
  readonly json: string;
}

/** `to` names the one link the event is for, as `kind>link` in the header (an older node drops such kinds as unknown). */
export function encodeEvent(frame: ServerFrame, origin: string, to?: string): string {
  const seq = frame.type === 'message' ? frame.message.seq : 0;
  const kind = to === undefined ? frame.type : `${frame.type}>${to}`;
  return `${kind}|${seq}|${origin}\n${JSON.stringify(frame)}`;
}

/** Undefined for a payload that is not ours (another version on the same Redis, garbage): it is dropped. */
export function decodeEvent(payload: string): ConversationEvent | undefined {
  const newline = payload.indexOf('\n');
  if (newline < 0) return undefined;
  const [head, seq, ...origin] = payload.slice(0, newline).split('|');
  const [kind, to] = (head ?? '').split('>');
  const kinds: ReadonlyArray<ServerFrame['type']> = [
    'message',
    'typing',
    'read',
    'status',
    'presence',
    'stream_delta',
    'stream_end',
    'call',
    'call_connect',
    'call_signal',
  ];
  const known = kinds.find((k) => k === kind);
  if (known === undefined || seq === undefined || !/^\d+$/.test(seq)) return undefined;
  const event = { kind: known, seq: Number(seq), origin: origin.join('|'), json: payload.slice(newline + 1) };
  return to === undefined ? event : { ...event, to };
}

export const originKey = (author: { readonly role: string; readonly id: string }): string => `${author.role}:${author.id}`;
