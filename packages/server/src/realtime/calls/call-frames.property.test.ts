import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  CALL_KINDS,
  CALL_SDP_MAX,
  CLIENT_CALL_END_REASONS,
  MAX_CLIENT_FRAME_BYTES,
  VISITOR_CALL_MODES,
  visitorMayOffer,
} from '@parley/protocol';
import { parseClientFrame } from '../client-frames.js';

/**
 * The call frames at the edge (issue 22): every well-formed one parses to itself, and any change a client
 * could make to one (an unknown kind or reason, a server-only end reason, an extra field, a bad callId, an
 * SDP past CALL_SDP_MAX) is refused with PARLEY_ERR_FRAME_INVALID naming the field, never thrown.
 */
const callId = fc.stringMatching(/^[A-Za-z0-9_-]{8,64}$/);
const candidate = fc.record(
  {
    candidate: fc.string({ maxLength: 300 }),
    sdpMid: fc.option(fc.string({ maxLength: 64 }), { nil: null }),
    sdpMLineIndex: fc.option(fc.integer({ min: 0, max: 1023 }), { nil: null }),
    usernameFragment: fc.option(fc.string({ maxLength: 256 }), { nil: null }),
  },
  { requiredKeys: ['candidate'] },
);
const validCallFrame = fc.oneof(
  fc.record({ type: fc.constant('call_offer'), callId, kind: fc.constantFrom(...CALL_KINDS) }),
  fc.record({ type: fc.constantFrom('call_accept', 'call_decline'), callId }),
  fc.record({ type: fc.constant('call_end'), callId, reason: fc.constantFrom(...CLIENT_CALL_END_REASONS) }),
  fc.record({
    type: fc.constant('call_signal'),
    callId,
    signal: fc.oneof(
      fc.record({ kind: fc.constant('sdp'), type: fc.constantFrom('offer', 'answer'), sdp: fc.string({ minLength: 1, maxLength: 2000 }) }),
      fc.record({ kind: fc.constant('ice'), candidate: fc.option(candidate, { nil: null }) }),
    ),
  }),
);

const hasNul = (value: unknown): boolean => JSON.stringify(value).includes('\\u0000');

describe('call frames at the edge', () => {
  it('parses every well-formed call frame to itself', () => {
    fc.assert(
      fc.property(validCallFrame, (frame) => {
        fc.pre(!hasNul(frame));
        const parsed = parseClientFrame(JSON.stringify(frame));
        expect(parsed).toEqual({ ok: true, frame });
      }),
    );
  });

  it('refuses a call frame with one field spoiled, naming the field', () => {
    const spoil = fc.oneof(
      fc.constant({ field: 'kind', patch: { kind: 'hologram' } }),
      fc.constant({ field: 'callId', patch: { callId: 'short' } }),
      fc.constant({ field: 'callId', patch: { callId: 'has spaces in it' } }),
      fc.constantFrom(...['declined', 'unanswered', 'peer-gone', 'bored'].map((reason) => ({ field: 'reason', patch: { reason } }))),
      fc.constant({ field: 'extra', patch: { extra: 1 } }),
    );
    fc.assert(
      fc.property(callId, spoil, (id, { field, patch }) => {
        const base =
          field === 'kind'
            ? { type: 'call_offer', callId: id, kind: 'audio' }
            : field === 'reason'
              ? { type: 'call_end', callId: id, reason: 'hangup' }
              : { type: 'call_accept', callId: id };
        const parsed = parseClientFrame(JSON.stringify({ ...base, ...patch }));
        expect(parsed.ok).toBe(false);
        if (parsed.ok || parsed.error.type !== 'error') return;
        expect(parsed.error.code).toBe('PARLEY_ERR_FRAME_INVALID');
        if (field !== 'extra') expect(parsed.error.message).toContain(field);
      }),
    );
  });

  it('refuses an SDP past CALL_SDP_MAX, which still fits in one frame', () => {
    const sdp = 'a'.repeat(CALL_SDP_MAX + 1);
    const raw = JSON.stringify({ type: 'call_signal', callId: 'call-0123456789', signal: { kind: 'sdp', type: 'offer', sdp } });
    expect(Buffer.byteLength(raw)).toBeLessThan(MAX_CLIENT_FRAME_BYTES);
    const parsed = parseClientFrame(raw);
    expect(parsed).toMatchObject({ ok: false, error: { code: 'PARLEY_ERR_FRAME_INVALID' } });
    expect(parseClientFrame(raw.replace(`"${sdp}"`, `"${sdp.slice(1)}"`)).ok).toBe(true);
  });

  it("lets a visitor offer exactly the kinds the widget's calls.visitor allows", () => {
    const allowed = VISITOR_CALL_MODES.map((mode) => [mode, CALL_KINDS.filter((kind) => visitorMayOffer(mode, kind))]);
    expect(allowed).toEqual([
      ['off', []],
      ['audio', ['audio']],
      ['video', ['audio', 'video', 'screen']],
    ]);
  });
});
