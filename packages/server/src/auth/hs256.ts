import { createHmac, timingSafeEqual } from 'node:crypto';

/** What a verified HS256 token must also say: who issued it and for whom (RFC 7519 `iss`, `aud`). */
export interface Hs256Claims {
  readonly issuer: string;
  readonly audience: string;
}

/** The token is well formed and correctly signed, but its `exp` has passed. */
export class Hs256Expired extends Error {}

/** Anything else: malformed, another algorithm, a bad signature, a claim that does not hold. */
export class Hs256Invalid extends Error {}

const SEGMENT = /^[A-Za-z0-9_-]+$/;
/** Invalid UTF-8 is refused, not replaced (as jose does). */
const utf8 = new TextDecoder('utf-8', { fatal: true });

/**
 * Verifies a compact HS256 JWT synchronously with node:crypto and answers its claims set.
 *
 * Why not jose's `jwtVerify`, which issues these tokens: it verifies through WebCrypto, an asynchronous job on
 * libuv's thread pool, and that round trip was ≈ 120 µs of a reconnect's ≈ 1.1 ms of CPU in the reconnect-storm
 * bench (every connect checks a token); an HMAC here costs a few µs. The rules are jose's for these options
 * (`algorithms: ['HS256']`, issuer, audience, `requiredClaims: ['exp']`, no clock tolerance), and
 * hs256.test.ts checks both agree on every token it generates: only `alg: HS256` (which also refuses `none`),
 * no `crit` extensions, the signature in canonical base64url, a JSON object as claims set, `exp` required and in
 * the future, `nbf` (when present) not in the future, `iat` (when present) a number.
 */
export function verifyHs256(
  token: string,
  key: Uint8Array,
  expected: Hs256Claims,
  nowSeconds = Math.floor(Date.now() / 1000),
): Record<string, unknown> {
  const first = token.indexOf('.');
  const second = token.indexOf('.', first + 1);
  if (first === -1 || second === -1 || token.includes('.', second + 1)) throw new Hs256Invalid('not a compact JWS');
  const header = token.slice(0, first);
  const payload = token.slice(first + 1, second);
  const signature = token.slice(second + 1);
  if (!SEGMENT.test(header) || !SEGMENT.test(payload) || !SEGMENT.test(signature)) throw new Hs256Invalid('not base64url');

  const protectedHeader = jsonObject(header);
  if (protectedHeader['alg'] !== 'HS256') throw new Hs256Invalid('alg is not HS256');
  if ('crit' in protectedHeader) throw new Hs256Invalid('unsupported crit header');

  // Compared as canonical base64url text, in constant time: a signature with other trailing bits is refused too.
  const wanted = Buffer.from(createHmac('sha256', key).update(token.slice(0, second)).digest('base64url'));
  const given = Buffer.from(signature);
  if (given.length !== wanted.length || !timingSafeEqual(given, wanted)) throw new Hs256Invalid('signature mismatch');

  const claims = jsonObject(payload);
  if (claims['iss'] !== expected.issuer) throw new Hs256Invalid('unexpected iss');
  const aud = claims['aud'];
  if (!(aud === expected.audience || (Array.isArray(aud) && aud.includes(expected.audience)))) throw new Hs256Invalid('unexpected aud');
  if ('iat' in claims && typeof claims['iat'] !== 'number') throw new Hs256Invalid('iat is not a number');
  if ('nbf' in claims) {
    if (typeof claims['nbf'] !== 'number') throw new Hs256Invalid('nbf is not a number');
    if (claims['nbf'] > nowSeconds) throw new Hs256Invalid('not yet valid');
  }
  const exp = claims['exp'];
  if (typeof exp !== 'number') throw new Hs256Invalid('exp is missing or not a number');
  if (exp <= nowSeconds) throw new Hs256Expired('expired');
  return claims;
}

function jsonObject(segment: string): Record<string, unknown> {
  let value: unknown;
  try {
    value = JSON.parse(utf8.decode(Buffer.from(segment, 'base64url')));
  } catch {
    throw new Hs256Invalid('not JSON');
  }
  if (typeof value !== 'object' || value === null || Array.isArray(value)) throw new Hs256Invalid('not a JSON object');
  return value as Record<string, unknown>;
}
