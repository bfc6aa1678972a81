import { createHmac } from 'node:crypto';
import { SignJWT } from 'jose';
import { describe, expect, it } from 'vitest';
import { SessionTokens } from './session-tokens.js';

const SECRET = 'unit-test-secret-0123456789abcdefghijklmnopqrstuvwxyz';
const CLAIMS = { sub: 'conv_01J00000000000000000000000', wid: 'wgt_01J00000000000000000000000', cid: null };
const inOneHour = (): Date => new Date(Date.now() + 3_600_000);

function segment(value: unknown): string {
  return Buffer.from(JSON.stringify(value)).toString('base64url');
}

function decode(token: string, index: number): Record<string, unknown> {
  return JSON.parse(Buffer.from(token.split('.')[index] ?? '', 'base64url').toString('utf8'));
}

/** The key the server signs with, derived the documented way, to build tokens it did not issue. */
const derivedKey = (): Uint8Array => createHmac('sha256', SECRET).update('parley/session-token/v1').digest();

describe('session tokens', () => {
  it('verifies a token it issued and returns the visitor claims', async () => {
    const tokens = new SessionTokens(SECRET);
    const token = await tokens.issue({ ...CLAIMS, cid: 'ct_01J00000000000000000000000' }, inOneHour());
    expect(await tokens.verify(token)).toEqual({
      ...CLAIMS,
      cid: 'ct_01J00000000000000000000000',
      scope: 'visitor',
      consentId: null,
      issuedAt: expect.any(Number),
      linkId: null,
    });
    expect(decode(token, 0)).toEqual({ alg: 'HS256', typ: 'JWT' });
    expect(decode(token, 1)).toMatchObject({ iss: 'parley', aud: 'parley:visitor', sub: CLAIMS.sub, scope: 'visitor' });
  });

  it('carries the conversation link that minted the session, so its revocation can refuse the token', async () => {
    const tokens = new SessionTokens(SECRET);
    const token = await tokens.issue(CLAIMS, inOneHour(), null, 'lnk_01J00000000000000000000000');
    expect(await tokens.verify(token)).toMatchObject({ linkId: 'lnk_01J00000000000000000000000' });
    expect(decode(token, 1)).toMatchObject({ lnk: 'lnk_01J00000000000000000000000' });
  });

  it('sets the expiry to the given time, in whole seconds', async () => {
    const expiresAt = inOneHour();
    const token = await new SessionTokens(SECRET).issue(CLAIMS, expiresAt);
    expect(decode(token, 1)['exp']).toBe(Math.floor(expiresAt.getTime() / 1000));
  });

  it('refuses an expired token as expired', async () => {
    const tokens = new SessionTokens(SECRET);
    const token = await tokens.issue(CLAIMS, new Date(Date.now() - 1000));
    await expect(tokens.verify(token)).rejects.toMatchObject({ code: 'PARLEY_ERR_AUTH_TOKEN_EXPIRED', status: 401 });
  });

  it('refuses a token signed with another server secret', async () => {
    const token = await new SessionTokens('another-secret-0123456789abcdefghijklmnopqrstuv').issue(CLAIMS, inOneHour());
    await expect(new SessionTokens(SECRET).verify(token)).rejects.toMatchObject({ code: 'PARLEY_ERR_AUTH_TOKEN_INVALID', status: 401 });
  });

  it('refuses a token signed with the raw secret instead of the derived key', async () => {
    const token = await new SignJWT({ wid: CLAIMS.wid, cid: null, scope: 'visitor' })
      .setProtectedHeader({ alg: 'HS256' })
      .setSubject(CLAIMS.sub)
      .setIssuer('parley')
      .setAudience('parley:visitor')
      .setExpirationTime('1h')
      .sign(new TextEncoder().encode(SECRET));
    await expect(new SessionTokens(SECRET).verify(token)).rejects.toMatchObject({ code: 'PARLEY_ERR_AUTH_TOKEN_INVALID' });
  });

  it('refuses alg none, with or without a signature part', async () => {
    const tokens = new SessionTokens(SECRET);
    const issued = await tokens.issue(CLAIMS, inOneHour());
    const unsigned = `${segment({ alg: 'none', typ: 'JWT' })}.${segment(decode(issued, 1))}`;
    await expect(tokens.verify(`${unsigned}.`)).rejects.toMatchObject({ code: 'PARLEY_ERR_AUTH_TOKEN_INVALID' });
    await expect(tokens.verify(`${unsigned}.${issued.split('.')[2] ?? ''}`)).rejects.toMatchObject({
      code: 'PARLEY_ERR_AUTH_TOKEN_INVALID',
    });
  });

  it('refuses a token whose payload was changed after signing', async () => {
    const tokens = new SessionTokens(SECRET);
    const [header, payload, signature] = (await tokens.issue(CLAIMS, inOneHour())).split('.');
    const changed = segment({
      ...JSON.parse(Buffer.from(payload ?? '', 'base64url').toString('utf8')),
      sub: 'conv_01J11111111111111111111111',
    });
    await expect(tokens.verify(`${header}.${changed}.${signature}`)).rejects.toMatchObject({ code: 'PARLEY_ERR_AUTH_TOKEN_INVALID' });
  });

  it.each([
    ['another audience', { aud: 'parley:admin' }],
    ['another issuer', { iss: 'someone-else' }],
    ['no visitor scope', { scope: 'admin' }],
    ['no widget id', { wid: undefined }],
    ['a numeric contact id', { cid: 7 }],
  ])('refuses a correctly signed token with %s', async (_label, override) => {
    const payload = { sub: CLAIMS.sub, wid: CLAIMS.wid, cid: null, scope: 'visitor', iss: 'parley', aud: 'parley:visitor', ...override };
    const token = await new SignJWT(payload).setProtectedHeader({ alg: 'HS256' }).setExpirationTime('1h').sign(derivedKey());
    await expect(new SessionTokens(SECRET).verify(token)).rejects.toMatchObject({ code: 'PARLEY_ERR_AUTH_TOKEN_INVALID' });
  });

  it('refuses a correctly signed token without an expiry', async () => {
    const payload = { sub: CLAIMS.sub, wid: CLAIMS.wid, cid: null, scope: 'visitor', iss: 'parley', aud: 'parley:visitor' };
    const token = await new SignJWT(payload).setProtectedHeader({ alg: 'HS256' }).setIssuedAt().sign(derivedKey());
    await expect(new SessionTokens(SECRET).verify(token)).rejects.toMatchObject({ code: 'PARLEY_ERR_AUTH_TOKEN_INVALID', status: 401 });
  });

  it.each(['', 'not-a-jwt', 'a.b.c', 'pk_live_0123456789'])('refuses the garbage token %j', async (token) => {
    await expect(new SessionTokens(SECRET).verify(token)).rejects.toMatchObject({ code: 'PARLEY_ERR_AUTH_TOKEN_INVALID' });
  });
});
