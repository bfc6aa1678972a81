import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { ServerFrame } from '@parley/protocol';
import { decodeEvent, encodeEvent, type ConversationEvent } from './conversation-events.js';

/** The header read as it was first written (split into arrays): decodeEvent must answer the same for any payload. */
function reference(payload: string): ConversationEvent | undefined {
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

describe('conversation events on the bus', () => {
  it('reads back what encodeEvent wrote', () => {
    const frame: ServerFrame = { type: 'typing', author: { role: 'agent', id: 'agt_1', name: 'Ann' }, active: true, expiresInMs: 5000 };
    expect(decodeEvent(encodeEvent(frame, 'agent:agt_1'))).toEqual({
      kind: 'typing',
      seq: 0,
      origin: 'agent:agt_1',
      json: JSON.stringify(frame),
    });
    expect(decodeEvent(encodeEvent(frame, 'agent:a|b', 'link-1'))).toEqual({
      kind: 'typing',
      seq: 0,
      origin: 'agent:a|b',
      to: 'link-1',
      json: JSON.stringify(frame),
    });
  });

  it('reads any payload as the split header did', () => {
    const piece = fc.constantFrom('message', 'typing', 'call_signal', 'nope', '|', '>', '\n', '12', '0', 'x', 'agent:a', '', '-1');
    const payload = fc.array(piece, { maxLength: 12 }).map((pieces) => pieces.join(''));
    fc.assert(
      fc.property(payload, (text) => {
        expect(decodeEvent(text)).toEqual(reference(text));
      }),
      { numRuns: 5000 },
    );
  });
});
