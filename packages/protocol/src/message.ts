import * as v from 'valibot';

export const AUTHOR_ROLES = ['visitor', 'bot', 'agent', 'system'] as const;
export type AuthorRole = (typeof AUTHOR_ROLES)[number];

/** `note`: an agent's private note; only agents ever receive it (never visitors, bots or exports). */
export const MESSAGE_TYPES = ['text', 'file', 'card', 'carousel', 'quick_replies', 'form', 'event', 'note'] as const;
export type MessageType = (typeof MESSAGE_TYPES)[number];

export interface Author {
  readonly role: AuthorRole;
  readonly id: string;
  readonly name: string;
}

/**
 * One durable message. `seq` is assigned by the server in the transaction that stores the message
 * and is strictly increasing per conversation: a client resumes by asking for everything after the
 * last `seq` it holds. `clientId` is the sender's idempotency key, unique per conversation.
 */
export interface Message {
  readonly id: string;
  readonly conversationId: string;
  readonly seq: number;
  readonly author: Author;
  readonly type: MessageType;
  /** Markdown. Renderers must never treat it as HTML. */
  readonly text: string;
  readonly payload: Readonly<Record<string, unknown>> | null;
  readonly clientId: string | null;
  readonly createdAt: string;
  /**
   * Live translation (docs/translation.md): `text` stays the original as written; this holds the translation made
   * on the way through, for the other side. Absent when the message was not translated; old clients ignore it.
   */
  readonly translation?: MessageTranslation;
}

/**
 * A message's translation: `from` the writer's language, `to` the reader's; `text` the translated Markdown, or
 * `failed` when the translator did not answer in time (or refused): the reader then gets the original, marked.
 */
export interface MessageTranslation {
  readonly from: string;
  readonly to: string;
  readonly text?: string;
  readonly failed?: true;
}

export const MESSAGE_TEXT_MAX = 8000;

export const clientIdSchema = v.pipe(
  v.string('must be a string'),
  v.regex(/^[A-Za-z0-9_-]{8,64}$/, 'must be 8–64 letters, digits, _ or - (a ULID or UUID works)'),
);

/** A visitor's message as sent over REST (the realtime frames reuse it). */
export const visitorMessageSchema = v.strictObject({
  text: v.pipe(
    v.string('must be a string'),
    v.trim(),
    v.minLength(1, 'must not be empty'),
    v.maxLength(MESSAGE_TEXT_MAX, `must be at most ${MESSAGE_TEXT_MAX} characters`),
  ),
  clientId: v.optional(clientIdSchema),
});
export type VisitorMessage = v.InferOutput<typeof visitorMessageSchema>;
