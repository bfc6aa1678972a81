import { createHmac } from 'node:crypto';
import fc from 'fast-check';
import { errors, jwtVerify } from 'jose';
import { describe, expect, it } from 'vitest';
import { Hs256Expired, verifyHs256 } from './hs256.js';

const KEY = createHmac('sha256', 'hs256-test-secret').update('parley/session-token/v1').digest();
const OTHER_KEY = createHmac('sha256', 'another-secret').update('parley/session-token/v1').digest();
const EXPECTED = { issuer: 'parley', audience: 'parley:visitor' };
const NOW = 1_800_000_000;

const b64 = (value: unknown): string => Buffer.from(typeof value === 'string' ? value : JSON.stringify(value)).toString('base64url');
const sign = (input: string, key: Uint8Array): string => createHmac('sha256', key).update(input).digest('base64url');

type Outcome = { readonly ok: Record<string, unknown> } | 'expired' | 'invalid';

function ours(token: string): Outcome {
  try {
    return { ok: verifyHs256(token, KEY, EXPECTED, NOW) };
  } catch (error) {
    return error instanceof Hs256Expired ? 'expired' : 'invalid';
  }
}

/** jose with the options SessionTokens used before it verified on node:crypto: the reference. */
async function jose(token: string): Promise<Outcome> {
  try {
    const { payload } = await jwtVerify(token, KEY, {
      algorithms: ['HS256'],
      ...EXPECTED,
      requiredClaims: ['exp'],
      currentDate: new Date(NOW * 1000),
    });
    return { ok: payload as Record<string, unknown> };
  } catch (error) {
    return error instanceof errors.JWTExpired ? 'expired' : 'invalid';
  }
}

const absent = Symbol('absent');
const maybe = <T>(...values: T[]): fc.Arbitrary<T | typeof absent> => fc.constantFrom<T | typeof absent>(absent, ...values);
const defined = (record: Record<string, unknown>): Record<string, unknown> =>
  Object.fromEntries(Object.entries(record).filter(([, value]) => value !== absent));

/** Mostly the value a valid token has, so that a property holds with every other part right often enough. */
const usually = <T>(valid: T | typeof absent, ...others: (T | typeof absent)[]): fc.Arbitrary<T | typeof absent> =>
  fc.oneof({ weight: 3, arbitrary: fc.constant(valid) }, { weight: 1, arbitrary: fc.constantFrom(...others) });

const header = fc
  .record({
    alg: usually<unknown>('HS256', absent, 'HS512', 'none', 'hs256', 7),
    typ: maybe<unknown>('JWT', 'at+jwt'),
    kid: maybe<unknown>('k1'),
  })
  .map(defined);
const claims = fc
  .record({
    iss: usually<unknown>('parley', absent, 'someone-else', 3),
    aud: usually<unknown>('parley:visitor', absent, 'parley:admin', ['parley:visitor', 'x'], ['x'], 5),
    // The boundaries (exp = now is expired, nbf = now is valid) as often as the rest.
    exp: fc.constantFrom<unknown>(absent, NOW + 3600, NOW + 1, NOW + 0.5, NOW, NOW - 0.5, NOW - 10, 'soon'),
    nbf: usually<unknown>(absent, NOW - 5, NOW, NOW + 0.5, NOW + 60, 'later'),
    iat: usually<unknown>(absent, NOW - 100, NOW + 100, 'then'),
    sub: maybe<unknown>('conv_1', 9),
  })
  .map(defined);
const body = fc.oneof(
  { weight: 8, arbitrary: claims.map((value) => b64(value)) },
  { weight: 1, arbitrary: fc.constantFrom(b64([1, 2]), b64(7), b64('"text"'), b64('null'), b64('{not json'), b64('')) },
);
const signature = fc.oneof(
  { weight: 3, arbitrary: fc.constant('right') },
  { weight: 1, arbitrary: fc.constantFrom('other key', 'empty', 'changed', 'missing part', 'extra part') },
);

function token(headerSegment: string, payloadSegment: string, how: string): string {
  const input = `${headerSegment}.${payloadSegment}`;
  const right = sign(input, KEY);
  switch (how) {
    case 'right':
      return `${input}.${right}`;
    case 'other key':
      return `${input}.${sign(input, OTHER_KEY)}`;
    case 'empty':
      return `${input}.`;
    case 'changed':
      return `${input}.${right.startsWith('A') ? 'B' : 'A'}${right.slice(1)}`;
    case 'missing part':
      return input;
    default:
      return `${input}.${right}.${right}`;
  }
}

const ALPHABET = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_';

/** The same 32 bytes with the last character's unused low bit set: decoders that ignore those bits accept it. */
function withOtherPaddingBits(signature: string): string {
  const last = ALPHABET.indexOf(signature.at(-1) ?? 'A');
  return `${signature.slice(0, -1)}${ALPHABET[last ^ 1] ?? ''}`;
}

describe('verifyHs256', () => {
  it('agrees with jose on every generated token: accepted (same claims), expired or invalid', async () => {
    await fc.assert(
      fc.asyncProperty(header, body, signature, async (protectedHeader, payload, how) => {
        const candidate = token(b64(protectedHeader), payload, how);
        expect(ours(candidate)).toEqual(await jose(candidate));
      }),
      { numRuns: 600 },
    );
  });

  it('accepts a well-formed token and answers its claims', () => {
    const payload = { iss: 'parley', aud: 'parley:visitor', exp: NOW + 60, sub: 'conv_1', wid: 'wgt_1' };
    const input = `${b64({ alg: 'HS256', typ: 'JWT' })}.${b64(payload)}`;
    expect(verifyHs256(`${input}.${sign(input, KEY)}`, KEY, EXPECTED, NOW)).toEqual(payload);
  });

  it('tells an expired token from an invalid one only once the signature and the other claims hold', () => {
    const expired = `${b64({ alg: 'HS256' })}.${b64({ iss: 'parley', aud: 'parley:visitor', exp: NOW })}`;
    expect(() => verifyHs256(`${expired}.${sign(expired, KEY)}`, KEY, EXPECTED, NOW)).toThrow(Hs256Expired);
    expect(ours(`${expired}.${sign(expired, OTHER_KEY)}`)).toBe('invalid');
    const expiredElsewhere = `${b64({ alg: 'HS256' })}.${b64({ iss: 'other', aud: 'parley:visitor', exp: NOW })}`;
    expect(ours(`${expiredElsewhere}.${sign(expiredElsewhere, KEY)}`)).toBe('invalid');
  });

  // Stricter than jose on purpose: these encodings never come from an issuer that writes canonical base64url.
  it.each([
    ['a padded signature', (input: string) => `${input}.${sign(input, KEY)}=`],
    ['a signature with other padding bits', (input: string) => `${input}.${withOtherPaddingBits(sign(input, KEY))}`],
    ['whitespace inside', (input: string) => `${input}.${sign(input, KEY).slice(0, 5)} ${sign(input, KEY).slice(5)}`],
    [
      'a crit header',
      () => {
        const input = `${b64({ alg: 'HS256', crit: ['b64'], b64: true })}.${b64({ iss: 'parley', aud: 'parley:visitor', exp: NOW + 60 })}`;
        return `${input}.${sign(input, KEY)}`;
      },
    ],
  ])('refuses %s', (_label, build) => {
    const input = `${b64({ alg: 'HS256' })}.${b64({ iss: 'parley', aud: 'parley:visitor', exp: NOW + 60 })}`;
    expect(ours(build(input))).toBe('invalid');
  });

  it('refuses claims that are not valid UTF-8, as jose does', async () => {
    const input = `${b64({ alg: 'HS256' })}.${Buffer.from([0x7b, 0xff, 0x7d]).toString('base64url')}`;
    const candidate = `${input}.${sign(input, KEY)}`;
    expect(ours(candidate)).toBe('invalid');
    expect(await jose(candidate)).toBe('invalid');
  });
});
