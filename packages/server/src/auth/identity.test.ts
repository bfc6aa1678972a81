import { createHmac } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { generateIdentitySecret, identityHash, verifyIdentityHash } from './identity.js';

describe('identity hashes', () => {
  it('is the hex HMAC-SHA256 of the user id keyed with the secret (RFC 4231 test case 2)', () => {
    expect(identityHash('Jefe', 'what do ya want for nothing?')).toBe('5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843');
  });

  it('matches what an integrator computes with node:crypto', () => {
    const secret = generateIdentitySecret();
    const expected = createHmac('sha256', secret).update('user-42', 'utf8').digest('hex');
    expect(identityHash(secret, 'user-42')).toBe(expected);
    expect(identityHash(secret, 'ünïcødé-用户')).toBe(createHmac('sha256', secret).update('ünïcødé-用户', 'utf8').digest('hex'));
  });

  it('verifies the hash in lower or upper case hex', () => {
    const hash = identityHash('secret', 'user-42');
    expect(verifyIdentityHash('secret', 'user-42', hash)).toBe(true);
    expect(verifyIdentityHash('secret', 'user-42', hash.toUpperCase())).toBe(true);
  });

  it.each([
    ['another user id', identityHash('secret', 'user-43')],
    ['another secret', identityHash('other', 'user-42')],
    ['a truncated hash', identityHash('secret', 'user-42').slice(0, 62)],
    ['a hash with one digit changed', identityHash('secret', 'user-42').replace(/^./, (c) => (c === '0' ? '1' : '0'))],
    ['an empty string', ''],
    ['non-hex text', 'z'.repeat(64)],
    ['the right hash with a trailing odd digit', `${identityHash('secret', 'user-42')}0`],
    ['the right hash with trailing non-hex text', `${identityHash('secret', 'user-42')}zz`],
  ])('refuses %s without throwing', (_label, hash) => {
    expect(verifyIdentityHash('secret', 'user-42', hash)).toBe(false);
  });

  it('generates distinct 256-bit secrets as hex', () => {
    const first = generateIdentitySecret();
    expect(first).toMatch(/^[0-9a-f]{64}$/);
    expect(generateIdentitySecret()).not.toBe(first);
  });
});
