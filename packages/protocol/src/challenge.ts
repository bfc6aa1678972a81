import * as v from 'valibot';

/**
 * Proof of work for new visitor sessions, in ALTCHA's open format (https://altcha.org/docs/server-integration):
 * the server picks a secret `number` ≤ `maxnumber` and sends `challenge = hex(SHA-256(salt + number))`; the
 * browser tries numbers from 0 until one hashes to `challenge` and sends it back with the rest unchanged.
 * `signature = hex(HMAC-SHA-256(challenge))` under a key only the server holds; the salt carries its own
 * expiry (`?expires=<unix seconds>&…`), so a challenge needs no server-side state until it is spent.
 */
export const CHALLENGE_ALGORITHM = 'SHA-256';

/** What the server hands out: `GET /v1/widgets/{id}/challenge`, or `error.challenge` of PARLEY_ERR_CHALLENGE_REQUIRED. */
export interface Challenge {
  readonly algorithm: typeof CHALLENGE_ALGORITHM;
  readonly challenge: string;
  readonly maxnumber: number;
  readonly salt: string;
  readonly signature: string;
}

const hex64 = v.pipe(v.string('must be a string'), v.regex(/^[0-9a-f]{64}$/, 'must be 64 lowercase hex digits, as the challenge gave it'));

/** The solved challenge, sent as `challenge` in the session-creation body (ALTCHA's payload, as a JSON object). */
export const challengeSolutionSchema = v.strictObject({
  algorithm: v.literal(CHALLENGE_ALGORITHM, `must be ${CHALLENGE_ALGORITHM}`),
  challenge: hex64,
  number: v.pipe(v.number('must be a number'), v.integer('must be a whole number'), v.minValue(0, 'must be at least 0')),
  salt: v.pipe(v.string('must be a string'), v.minLength(1, 'must not be empty'), v.maxLength(512, 'must be at most 512 characters')),
  signature: hex64,
});
export type ChallengeSolution = v.InferOutput<typeof challengeSolutionSchema>;
