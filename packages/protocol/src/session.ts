import * as v from 'valibot';
import { challengeSolutionSchema } from './challenge.js';
import { metaSchema } from './common-schemas.js';
import { MESSAGE_TEXT_MAX, type Message } from './message.js';
import { languageTagSchema, SESSION_DURATION_MAX_MS, SESSION_DURATION_MIN_MS } from './widget-settings.js';

/** The same bounds as the widget's `sessionDuration` (milliseconds there, seconds here): 1,800–86,400 s. */
export const SESSION_DURATION_MIN_S = SESSION_DURATION_MIN_MS / 1000;
export const SESSION_DURATION_MAX_S = SESSION_DURATION_MAX_MS / 1000;
export const SESSION_SEED_MESSAGES_MAX = 20;

export const contactInputSchema = v.strictObject({
  name: v.optional(v.pipe(v.string('must be a string'), v.trim(), v.maxLength(200, 'must be at most 200 characters'))),
  email: v.optional(
    v.pipe(v.string('must be a string'), v.trim(), v.maxLength(254), v.email('must be an email address such as ada@example.com')),
  ),
  phone: v.optional(
    v.pipe(v.string('must be a string'), v.regex(/^\+[1-9]\d{6,14}$/, 'must be in international E.164 form, such as +14155550123')),
  ),
});
export type ContactInput = v.InferOutput<typeof contactInputSchema>;

export const identitySchema = v.strictObject({
  userId: v.pipe(v.string('must be a string'), v.minLength(1, 'must not be empty'), v.maxLength(256)),
  userHash: v.pipe(v.string('must be a string'), v.regex(/^[0-9a-fA-F]{64}$/, 'must be the hex HMAC-SHA256 of userId (64 hex digits)')),
});
export type Identity = v.InferOutput<typeof identitySchema>;

/**
 * Seeded messages are checked for shape here; that every one is a *user* message is checked by the
 * server with its own error code, because it is a security rule (no seeded bot turns), not a typo.
 */
export const seedMessageSchema = v.strictObject({
  type: v.string('must be a string'),
  text: v.pipe(
    v.string('must be a string'),
    v.trim(),
    v.minLength(1, 'must not be empty'),
    v.maxLength(MESSAGE_TEXT_MAX, `must be at most ${MESSAGE_TEXT_MAX} characters`),
  ),
});

export const sessionCreateSchema = v.strictObject({
  contact: v.optional(contactInputSchema),
  messages: v.optional(
    v.pipe(
      v.array(seedMessageSchema, 'must be a list of messages'),
      v.maxLength(SESSION_SEED_MESSAGES_MAX, `must hold at most ${SESSION_SEED_MESSAGES_MAX} messages`),
    ),
  ),
  meta: v.optional(metaSchema),
  durationInSeconds: v.optional(
    v.pipe(
      v.number('must be a number of seconds'),
      v.integer('must be a whole number of seconds'),
      v.minValue(SESSION_DURATION_MIN_S, `must be at least ${SESSION_DURATION_MIN_S} (30 minutes)`),
      v.maxValue(SESSION_DURATION_MAX_S, `must be at most ${SESSION_DURATION_MAX_S} (24 hours)`),
    ),
  ),
  identity: v.optional(identitySchema),
  language: v.optional(languageTagSchema),
  /** A solved proof-of-work challenge: needed only when the server asked for one (PARLEY_ERR_CHALLENGE_REQUIRED). */
  challenge: v.optional(challengeSolutionSchema),
  /** The visitor's acceptance (POST /v1/widgets/{id}/consent): required when the widget's `privacy.consent` is on. */
  consentId: v.optional(v.pipe(v.string('must be a string'), v.maxLength(64, 'must be at most 64 characters'))),
  /**
   * The campaign whose message the visitor answers (docs/campaigns.md): a new conversation starts with that message,
   * from its sender, instead of the greeting. Ignored (no error) when the campaign is not one of the widget's live ones:
   * it may have ended between showing and the reply.
   */
  campaignId: v.optional(v.pipe(v.string('must be a string'), v.maxLength(64, 'must be at most 64 characters'))),
  /** `returning`: the visitor was shown the returning visitors' greeting (`greeting.returning`), stored instead of `initial`. */
  greeting: v.optional(v.picklist(['returning'], 'must be "returning"')),
});
export type SessionCreate = v.InferOutput<typeof sessionCreateSchema>;

export interface SessionCreated {
  /** JWT scoped to one conversation; send as `Authorization: Bearer <token>`. */
  readonly token: string;
  readonly conversationId: string;
  readonly expiresAt: string;
  /** Every message of the conversation so far, oldest first, including the bot's answers to seeds. */
  readonly messages: readonly Message[];
  /** True when a verified identity resumed its last open conversation. */
  readonly resumed: boolean;
}

/** Claims of a visitor session token. `sub` is the conversation: the only one the token reaches. */
export interface SessionClaims {
  readonly sub: string;
  readonly wid: string;
  readonly cid: string | null;
  readonly scope: 'visitor';
}

/** `POST /v1/widgets/{id}/consent`: the visitor accepted the widget's consent text in this version. */
export const consentAcceptSchema = v.strictObject({
  version: v.pipe(v.string('must be a string'), v.minLength(1, 'must not be empty'), v.maxLength(64, 'must be at most 64 characters')),
  accepted: v.literal(true, 'must be true (a refusal is not recorded: nothing is stored)'),
});
export type ConsentAccept = v.InferOutput<typeof consentAcceptSchema>;

export interface ConsentAccepted {
  /** Send it as `consentId` when creating the session. */
  readonly consentId: string;
}
