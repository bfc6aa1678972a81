import fc from 'fast-check';
import * as v from 'valibot';
import { describe, expect, it } from 'vitest';
import { clientFrameSchema, CLOSE_CODES, MAX_CLIENT_FRAME_BYTES, MESSAGE_TEXT_MAX } from '@parley/protocol';
import { parseClientFrame, type ParsedFrame } from './client-frames.js';

/**
 * The realtime frame decoder under random input (issue 13.5): whatever a socket sends, parseClientFrame
 * returns (never throws) either a frame the protocol schema accepts or a typed error frame with a
 * code of the catalog, and only an over-large frame closes the link.
 */
const DECODER_CODES = ['PARLEY_ERR_FRAME_INVALID_JSON', 'PARLEY_ERR_FRAME_INVALID', 'PARLEY_ERR_FRAME_TOO_LARGE'];

function expectWellFormed(raw: string, parsed: ParsedFrame): void {
  if (parsed.ok) {
    expect(v.is(clientFrameSchema, parsed.frame)).toBe(true);
    expect(JSON.stringify(parsed.frame)).not.toContain('\\u0000');
    return;
  }
  expect(parsed.error.type).toBe('error');
  if (parsed.error.type !== 'error') return;
  expect(DECODER_CODES).toContain(parsed.error.code);
  expect(parsed.error.message.length).toBeGreaterThan(0);
  const tooLarge = Buffer.byteLength(raw) > MAX_CLIENT_FRAME_BYTES;
  expect(parsed.error.code === 'PARLEY_ERR_FRAME_TOO_LARGE').toBe(tooLarge);
  expect(parsed.closeCode).toBe(tooLarge ? CLOSE_CODES.FRAME_TOO_LARGE.code : undefined);
}

/** Every kind of string a socket can carry: ASCII, any code point, lone surrogates, NUL. */
const anyString = fc.oneof(
  fc.string(),
  fc.string({ unit: 'grapheme' }),
  fc.string({ unit: 'binary' }),
  fc.string({ unit: fc.constantFrom('\u0000', '\ud800', '\udfff', '\u202e', '"', '\\', '{', '[', ' ') }),
);

const clientId = fc.stringMatching(/^[A-Za-z0-9_-]{8,64}$/);
const validFrame = fc.oneof(
  fc.record({ type: fc.constant('hello'), v: fc.constant(1), lastSeq: fc.nat() }, { requiredKeys: ['type', 'v', 'lastSeq'] }),
  fc.record({ type: fc.constant('send'), clientId, text: fc.string({ unit: 'grapheme', minLength: 1, maxLength: 200 }) }),
  fc.record({ type: fc.constant('typing'), active: fc.boolean() }),
  fc.record({ type: fc.constant('read'), seq: fc.nat() }),
  fc.constant({ type: 'ping' }),
);

/** A valid frame with one field changed to anything, or one key added: the schema must catch each. */
const brokenFrame = fc
  .tuple(validFrame, fc.jsonValue(), fc.string({ minLength: 1, maxLength: 12 }), fc.boolean())
  .map(([frame, value, key, replace]) => {
    const keys = Object.keys(frame);
    const target = replace ? (keys[value === null ? 0 : keys.length - 1] ?? key) : key;
    return { ...frame, [target]: value };
  });

describe('the realtime frame decoder under random input', () => {
  it('never throws on any text, and answers each with a valid frame or a typed error', () => {
    fc.assert(
      fc.property(anyString, (raw) => expectWellFormed(raw, parseClientFrame(raw))),
      { numRuns: 500 },
    );
  });

  it('never throws on any JSON value, nested or not, and accepts only what the schema accepts', () => {
    fc.assert(
      fc.property(fc.oneof(fc.jsonValue({ maxDepth: 8 }), fc.anything({ maxDepth: 4 }), brokenFrame), (value) => {
        const raw = JSON.stringify(value) ?? 'undefined';
        const parsed = parseClientFrame(raw);
        expectWellFormed(raw, parsed);
        const json: unknown = JSON.parse(raw === 'undefined' ? 'null' : raw);
        // Accepted means exactly: the schema accepts it and it holds no NUL.
        if (Buffer.byteLength(raw) <= MAX_CLIENT_FRAME_BYTES && !raw.includes('\\u0000')) {
          expect(parsed.ok).toBe(raw !== 'undefined' && v.is(clientFrameSchema, json));
        }
      }),
      { numRuns: 500 },
    );
  });

  it('accepts every valid frame as it was sent (a send text trimmed)', () => {
    fc.assert(
      fc.property(validFrame, (frame) => {
        const parsed = parseClientFrame(JSON.stringify(frame));
        const trimmed = 'text' in frame ? frame.text.trim() : '';
        // Not `return expect(…)`: fast-check fails a property that returns anything but undefined or true, and an
        // assertion returns its Assertion object (a whitespace-only text drawn by chance failed the run that way).
        if ('text' in frame && trimmed === '') expect(parsed.ok).toBe(false);
        else expect(parsed).toEqual({ ok: true, frame: 'text' in frame ? { ...frame, text: trimmed } : frame });
      }),
      // The whitespace-only text always, not only when drawn (CI seed 822636538 drew it).
      { numRuns: 300, examples: [[{ type: 'send' as const, clientId: '-00-aaa_', text: ' ' }]] },
    );
  });

  it('refuses a NUL anywhere in a send with the clientId, so the sender can mark that message failed', () => {
    fc.assert(
      fc.property(clientId, fc.string(), fc.string(), (id, before, after) => {
        const parsed = parseClientFrame(JSON.stringify({ type: 'send', clientId: id, text: `${before}\u0000${after}` }));
        expect(parsed).toMatchObject({ ok: false, error: { type: 'error', code: 'PARLEY_ERR_FRAME_INVALID', clientId: id } });
      }),
      { numRuns: 100 },
    );
  });

  it('answers huge and deeply nested frames without throwing: too large closes, deep nesting is invalid', () => {
    const cases = [
      '['.repeat(MAX_CLIENT_FRAME_BYTES - 1),
      `${'['.repeat(4000)}${']'.repeat(4000)}`,
      `${'{"a":'.repeat(2000)}1${'}'.repeat(2000)}`,
      JSON.stringify({ type: 'send', clientId: 'abcdefgh', text: 'x'.repeat(MESSAGE_TEXT_MAX + 1) }),
      JSON.stringify({ type: 'send', clientId: 'abcdefgh', text: '😀'.repeat(MAX_CLIENT_FRAME_BYTES / 4) }),
      'x'.repeat(MAX_CLIENT_FRAME_BYTES * 8),
    ];
    for (const raw of cases) expectWellFormed(raw, parseClientFrame(raw));
  });
});
