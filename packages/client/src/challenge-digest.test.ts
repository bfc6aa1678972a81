// eslint-disable-next-line no-restricted-imports -- this test runs in Node only: node:crypto is the reference the fallback is checked against
import { createHash } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { challengeDigest } from './challenge-digest.js';

const hex = (bytes: ArrayBuffer | Uint8Array): string =>
  Buffer.from(bytes instanceof Uint8Array ? bytes : new Uint8Array(bytes)).toString('hex');

describe('challengeDigest', () => {
  it('gives the same SHA-256 digests without crypto.subtle (the pure-JS fallback) as node:crypto', async () => {
    const fallback = challengeDigest(undefined);
    const inputs = ['', 'abc', 'salt?wid=wgt_1&expires=1800000000&123456', 'é漢字🙂', 'x'.repeat(55), 'y'.repeat(64), 'z'.repeat(1000)];
    for (const text of inputs) {
      const bytes = new TextEncoder().encode(text);
      expect(hex(await fallback(bytes))).toBe(createHash('sha256').update(bytes).digest('hex'));
    }
  });

  it('uses crypto.subtle where there is one', async () => {
    const bytes = new TextEncoder().encode('abc');
    const digest = await challengeDigest(crypto.subtle)(bytes);
    expect(hex(digest)).toBe(createHash('sha256').update(bytes).digest('hex'));
  });
});
