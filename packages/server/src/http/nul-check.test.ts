import { describe, expect, it } from 'vitest';
import { parseClientFrame } from '../realtime/client-frames.js';
import { nulPath } from './nul-check.js';

describe('NUL characters at the edge', () => {
  it('finds the first string holding a NUL, keys included, and names its path', () => {
    expect(nulPath({ text: 'fine', meta: { plan: 'ok' } })).toBeNull();
    expect(nulPath({ text: 'fine', meta: { plan: 'p\u0000' } })).toEqual(['meta', 'plan']);
    expect(nulPath({ items: ['a', 'b\u0000'] })).toEqual(['items', '1']);
    expect(nulPath({ 'ke\u0000y': 'v' })).toEqual(['ke\\u0000y']);
  });

  it('refuses a realtime send with a NUL as an invalid frame naming the clientId, so the widget marks it failed', () => {
    const parsed = parseClientFrame(JSON.stringify({ type: 'send', clientId: 'client-nul-1', text: 'a\u0000b' }));
    expect(parsed).toMatchObject({ ok: false, error: { type: 'error', code: 'PARLEY_ERR_FRAME_INVALID', clientId: 'client-nul-1' } });
    expect(parseClientFrame(JSON.stringify({ type: 'send', clientId: 'client-ok-01', text: 'ab' })).ok).toBe(true);
  });
});
