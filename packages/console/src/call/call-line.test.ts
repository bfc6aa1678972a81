import { describe, expect, it } from 'vitest';
import { callLineInEnglish } from './call-line.js';

describe('callLineInEnglish', () => {
  it("reads a call event's payload in English whatever language its text was stored in, and nothing else", () => {
    const payload = {
      event: 'call',
      id: 'call-1',
      kind: 'video',
      caller: { role: 'visitor', id: 'v', name: 'Visitor' },
      durationMs: 65_000,
      endReason: 'peer-gone',
    };
    expect(callLineInEnglish(payload)).toBe('Video call started by the visitor, 1 min 5 s, ended: a side left.');
    expect(
      callLineInEnglish({ ...payload, caller: { role: 'agent', id: 'a', name: 'Nora' }, durationMs: null, endReason: 'unanswered' }),
    ).toBe('Video call started by Nora, not answered.');
    expect(callLineInEnglish({ event: 'handoff' })).toBeUndefined();
    expect(callLineInEnglish({ ...payload, kind: 'hologram' })).toBeUndefined();
    expect(callLineInEnglish(null)).toBeUndefined();
  });
});
