import { describe, expect, it } from 'vitest';
import { AltchaSigner } from './altcha.js';
import { solve } from './testing/solve.js';

const SECRET = 'test-secret-0123456789abcdefghijklmnopqrstuvwxyz';

describe('AltchaSigner', () => {
  let clock = Date.parse('2026-12-06T12:00:00Z');
  const signer = new AltchaSigner(SECRET, () => clock);
  const fresh = () => signer.create({ maxnumber: 500, ttlMs: 60_000, params: { wid: 'wgt_1' } });

  it('makes an ALTCHA challenge whose solution it accepts, with the params it signed', () => {
    const challenge = fresh();
    expect(challenge).toMatchObject({ algorithm: 'SHA-256', maxnumber: 500 });
    expect(challenge.challenge).toMatch(/^[0-9a-f]{64}$/);
    expect(challenge.salt).toMatch(/^[0-9a-f]{24}\?wid=wgt_1&expires=\d+&$/);
    const verdict = signer.verify(solve(challenge));
    expect(verdict.ok).toBe(true);
    if (verdict.ok) expect(verdict.params.get('wid')).toBe('wgt_1');
  });

  it('refuses a number that does not hash to the challenge', () => {
    const solution = solve(fresh());
    expect(signer.verify({ ...solution, number: solution.number + 1 })).toEqual({ ok: false, reason: 'wrong-number' });
  });

  it('refuses a challenge another secret signed, and one whose signature was edited', () => {
    const other = new AltchaSigner('another-secret-0123456789abcdefghijklmnopqrstuv', () => clock);
    const foreign = solve(other.create({ maxnumber: 100, ttlMs: 60_000, params: { wid: 'wgt_1' } }));
    expect(signer.verify(foreign)).toEqual({ ok: false, reason: 'signature' });
    const solution = solve(fresh());
    const flipped = (solution.signature[0] === 'a' ? 'b' : 'a') + solution.signature.slice(1);
    expect(signer.verify({ ...solution, signature: flipped })).toEqual({ ok: false, reason: 'signature' });
  });

  it('refuses a salt whose expiry was moved later: the signature covers the salt through the challenge hash', () => {
    const solution = solve(fresh());
    const later = solution.salt.replace(/expires=(\d+)/, (_, s: string) => `expires=${Number(s) + 3600}`);
    expect(signer.verify({ ...solution, salt: later })).toEqual({ ok: false, reason: 'wrong-number' });
  });

  it('refuses a solution once its challenge has expired', () => {
    const solution = solve(fresh());
    clock += 61_000;
    expect(signer.verify(solution)).toEqual({ ok: false, reason: 'expired' });
  });

  it('hides the number: its challenge differs each time, and maxnumber bounds the search', () => {
    const numbers = Array.from({ length: 20 }, () => solve(signer.create({ maxnumber: 50, ttlMs: 60_000, params: {} })).number);
    expect(Math.max(...numbers)).toBeLessThanOrEqual(50);
    expect(new Set(numbers).size).toBeGreaterThan(1);
  });
});
