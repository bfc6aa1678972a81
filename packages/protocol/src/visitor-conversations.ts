import * as v from 'valibot';
import { metaSchema } from './common-schemas.js';
import { languageTagSchema } from './widget-settings.js';

/**
 * Several conversations per visitor (issue 20): what `GET /v1/widgets/{id}/visitor/conversations` answers for each
 * of the visitor's conversations on the widget, newest first. Only while the widget's `conversations.multiple` is on.
 */
export interface VisitorConversationSummary {
  readonly id: string;
  /** `resolved` once an agent or the bot resolved it (the visitor may still write: it opens again); else `open`. */
  readonly status: 'open' | 'resolved';
  /** The last message a visitor may see (never a private note), its text cut to 140 characters; null before any. */
  readonly lastMessage: {
    readonly role: 'visitor' | 'bot' | 'agent' | 'system';
    readonly name: string;
    readonly type: string;
    readonly text: string;
  } | null;
  /** The last message's time, else the conversation's creation. */
  readonly lastActivityAt: string;
  /** Messages of the bot, agents and the system after the visitor's read cursor. */
  readonly unread: number;
  /** True for the conversation of the token that asked. */
  readonly current: boolean;
}

export interface VisitorConversationList {
  readonly items: readonly VisitorConversationSummary[];
}

/** How many conversations the list holds at most (the newest). */
export const VISITOR_CONVERSATIONS_MAX = 50;

/** `POST /v1/widgets/{id}/visitor/conversations`: a new conversation for the session's visitor; answers a SessionCreated. */
export const visitorConversationStartSchema = v.strictObject({
  meta: v.optional(metaSchema),
  language: v.optional(languageTagSchema),
});
export type VisitorConversationStart = v.InferOutput<typeof visitorConversationStartSchema>;
