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

const KINDS: ReadonlySet<string> = new Set<ServerFrame['type']>([
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
]);

/**
 * Undefined for a payload that is not ours (another version on the same Redis, garbage): it is dropped.
 * Read once per subscribed link and event, so by index, without splitting the header into arrays.
 */
export function decodeEvent(payload: string): ConversationEvent | undefined {
  const newline = payload.indexOf('\n');
  if (newline < 0) return undefined;
  // `kind[>to]|seq|origin` (the origin may hold '|' itself).
  const bar = payload.indexOf('|');
  if (bar < 0 || bar > newline) return undefined;
  const nextBar = payload.indexOf('|', bar + 1);
  const seqEnd = nextBar < 0 || nextBar > newline ? newline : nextBar;
  const seq = payload.slice(bar + 1, seqEnd);
  const head = payload.slice(0, bar);
  const arrow = head.indexOf('>');
  const kind = arrow < 0 ? head : head.slice(0, arrow);
  if (!KINDS.has(kind) || !/^\d+$/.test(seq)) return undefined;
  const event = {
    kind: kind as ServerFrame['type'],
    seq: Number(seq),
    origin: seqEnd === newline ? '' : payload.slice(seqEnd + 1, newline),
    json: payload.slice(newline + 1),
  };
  if (arrow < 0) return event;
  const nextArrow = head.indexOf('>', arrow + 1);
  return { ...event, to: head.slice(arrow + 1, nextArrow < 0 ? head.length : nextArrow) };
}

export const originKey = (author: { readonly role: string; readonly id: string }): string => `${author.role}:${author.id}`;
