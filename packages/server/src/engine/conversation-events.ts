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
  readonly json: string;
}

export function encodeEvent(frame: ServerFrame, origin: string): string {
  const seq = frame.type === 'message' ? frame.message.seq : 0;
  return `${frame.type}|${seq}|${origin}\n${JSON.stringify(frame)}`;
}

/** Undefined for a payload that is not ours (another version on the same Redis, garbage): it is dropped. */
export function decodeEvent(payload: string): ConversationEvent | undefined {
  const newline = payload.indexOf('\n');
  if (newline < 0) return undefined;
  const [kind, seq, ...origin] = payload.slice(0, newline).split('|');
  const kinds: ReadonlyArray<ServerFrame['type']> = ['message', 'typing', 'read', 'status', 'presence', 'stream_delta', 'stream_end'];
  const known = kinds.find((k) => k === kind);
  if (known === undefined || seq === undefined || !/^\d+$/.test(seq)) return undefined;
  return { kind: known, seq: Number(seq), origin: origin.join('|'), json: payload.slice(newline + 1) };
}

export const originKey = (author: { readonly role: string; readonly id: string }): string => `${author.role}:${author.id}`;
