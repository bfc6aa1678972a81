import { createHash, createHmac, randomBytes, randomInt, timingSafeEqual } from 'node:crypto';
import { CHALLENGE_ALGORITHM, type Challenge, type ChallengeSolution } from '@parley/protocol';
import { deriveKey } from '../auth/server-secret.js';

/** Why a solution is refused; the gate words the message, the metrics count the reasons. */
export type Refusal = 'signature' | 'expired' | 'wrong-number' | 'malformed';

export type Verdict =
  { readonly ok: true; readonly params: URLSearchParams; readonly expiresAtMs: number } | { readonly ok: false; readonly reason: Refusal };

export interface ChallengeRequest {
  /** Numbers the browser may have to try: ~maxnumber / 2 digests on average. */
  readonly maxnumber: number;
  readonly ttlMs: number;
  /** Signed along (they are part of the salt): whom and what the challenge is for. */
  readonly params: Readonly<Record<string, string>>;
}

/**
 * ALTCHA's challenge, made and checked without any state: the salt holds `expires` and our params, the
 * challenge is SHA-256(salt + number), and the HMAC over the challenge (so over the salt, whose hash it
 * is) proves we issued it. The HMAC key is derived from the server secret for this one use, so a
 * challenge signature can never stand in for a session token's (which the secret signs directly).
 */
export class AltchaSigner {
  private readonly key: Buffer;

  constructor(
    serverSecret: string,
    private readonly now: () => number = Date.now,
  ) {
    this.key = deriveKey(serverSecret, 'parley/altcha-challenge/v1');
  }

  create({ maxnumber, ttlMs, params }: ChallengeRequest): Challenge {
    const expires = Math.floor((this.now() + ttlMs) / 1000);
    const query = new URLSearchParams({ ...params, expires: String(expires) });
    // ALTCHA's own form: `<random>?<params>&` — the trailing & keeps the number from running into the last value.
    const salt = `${randomBytes(12).toString('hex')}?${query.toString()}&`;
    const challenge = sha256(salt + randomInt(0, maxnumber + 1));
    return { algorithm: CHALLENGE_ALGORITHM, challenge, maxnumber, salt, signature: this.sign(challenge) };
  }

  verify(solution: ChallengeSolution): Verdict {
    if (!safeEqual(this.sign(solution.challenge), solution.signature)) return { ok: false, reason: 'signature' };
    const question = solution.salt.indexOf('?');
    if (question < 0) return { ok: false, reason: 'malformed' };
    const params = new URLSearchParams(solution.salt.slice(question + 1));
    const expiresAtMs = Number(params.get('expires')) * 1000;
    if (!Number.isFinite(expiresAtMs) || expiresAtMs <= 0) return { ok: false, reason: 'malformed' };
    // The signature covers the challenge, which is the salt's hash: a salt with a later `expires` cannot match it.
    if (sha256(solution.salt + solution.number) !== solution.challenge) return { ok: false, reason: 'wrong-number' };
    if (expiresAtMs <= this.now()) return { ok: false, reason: 'expired' };
    return { ok: true, params, expiresAtMs };
  }

  private sign(challenge: string): string {
    return createHmac('sha256', this.key).update(challenge).digest('hex');
  }
}

function sha256(text: string): string {
  return createHash('sha256').update(text).digest('hex');
}

function safeEqual(a: string, b: string): boolean {
  const left = Buffer.from(a);
  const right = Buffer.from(b);
  return left.length === right.length && timingSafeEqual(left, right);
}
