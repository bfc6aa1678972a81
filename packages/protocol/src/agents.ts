import * as v from 'valibot';
import { idSchema, nameSchema } from './common-schemas.js';
import type { ConversationOwner } from './realtime.js';
import type { CallKind } from './calls.js';
import type { Message } from './message.js';
import { languageTagSchema } from './widget-settings.js';
import { CONVERSATION_PRIORITIES, type ConversationPriority } from './routing-rules.js';

/**
 * Agents, teams, console logins and the inbox: the contract between the server and the console.
 * Wire names are stable: fields and values are only ever added.
 */

export const AGENT_ROLES = ['admin', 'agent'] as const;
export type AgentRole = (typeof AGENT_ROLES)[number];

export const AGENT_STATUSES = ['online', 'away', 'offline'] as const;
export type AgentStatus = (typeof AGENT_STATUSES)[number];

export const PASSWORD_MIN = 8;
export const PASSWORD_MAX = 200;
export const CAPACITY_MAX = 100;

export interface Agent {
  readonly id: string;
  readonly object: 'agent';
  readonly email: string;
  readonly name: string;
  readonly role: AgentRole;
  /** What the agent chose, except that `online` turns into `away` after a while without activity. */
  readonly status: AgentStatus;
  /** Most conversations routing assigns to this agent at once. */
  readonly capacity: number;
  readonly teamIds: readonly string[];
  /** The language the agent reads and writes in (live translation, docs/translation.md); null: not set, never translated for. */
  readonly language?: string | null;
  readonly createdAt: string;
  readonly updatedAt: string;
}

export interface Team {
  readonly id: string;
  readonly object: 'team';
  readonly name: string;
  readonly agentIds: readonly string[];
  readonly createdAt: string;
  readonly updatedAt: string;
}

const emailSchema = v.pipe(
  v.string('must be a string'),
  v.trim(),
  v.toLowerCase(),
  v.maxLength(254, 'must be at most 254 characters'),
  v.email('must be an email address such as ada@example.com'),
);
const passwordSchema = v.pipe(
  v.string('must be a string'),
  v.minLength(PASSWORD_MIN, `must be at least ${PASSWORD_MIN} characters`),
  v.maxLength(PASSWORD_MAX, `must be at most ${PASSWORD_MAX} characters`),
);
const roleSchema = v.picklist(AGENT_ROLES, 'must be admin or agent');
const statusSchema = v.picklist(AGENT_STATUSES, 'must be online, away or offline');
const capacitySchema = v.pipe(
  v.number('must be a number'),
  v.integer('must be a whole number'),
  v.minValue(1, 'must be at least 1'),
  v.maxValue(CAPACITY_MAX, `must be at most ${CAPACITY_MAX}`),
);
/** An agent's language for live translation; null clears it. */
const agentLanguageSchema = v.nullable(languageTagSchema);
const idListSchema = v.pipe(v.array(idSchema, 'must be a list of ids'), v.maxLength(200, 'must hold at most 200 ids'));

export const loginSchema = v.strictObject({
  email: v.pipe(v.string('must be a string'), v.trim(), v.toLowerCase(), v.minLength(1, 'must not be empty'), v.maxLength(254)),
  password: v.pipe(v.string('must be a string'), v.minLength(1, 'must not be empty'), v.maxLength(PASSWORD_MAX)),
});
export type LoginInput = v.InferOutput<typeof loginSchema>;

/** `POST /v1/auth/login` answers this and sets the `parley_console` cookie to `token`. */
export interface LoginResult {
  readonly agent: Agent;
  readonly expiresAt: string;
  /** The session token, for `?token=` on the realtime gateway or `Authorization: Bearer` outside a browser. */
  readonly token: string;
}

export const passwordChangeSchema = v.strictObject({
  currentPassword: v.pipe(v.string('must be a string'), v.maxLength(PASSWORD_MAX)),
  newPassword: passwordSchema,
});

export const agentCreateSchema = v.strictObject({
  email: emailSchema,
  name: nameSchema,
  password: passwordSchema,
  role: v.optional(roleSchema),
  capacity: v.optional(capacitySchema),
  teamIds: v.optional(idListSchema),
  language: v.optional(agentLanguageSchema),
});
export type AgentCreate = v.InferOutput<typeof agentCreateSchema>;

export const agentUpdateSchema = v.strictObject({
  email: v.optional(emailSchema),
  name: v.optional(nameSchema),
  password: v.optional(passwordSchema),
  role: v.optional(roleSchema),
  status: v.optional(statusSchema),
  capacity: v.optional(capacitySchema),
  teamIds: v.optional(idListSchema),
  language: v.optional(agentLanguageSchema),
});
export type AgentUpdate = v.InferOutput<typeof agentUpdateSchema>;

/** `PATCH /v1/agents/me`: what an agent may change about themselves. */
export const agentSelfUpdateSchema = v.strictObject({
  status: v.optional(statusSchema),
  name: v.optional(nameSchema),
  language: v.optional(agentLanguageSchema),
});

export const teamCreateSchema = v.strictObject({ name: nameSchema, agentIds: v.optional(idListSchema) });
export type TeamCreate = v.InferOutput<typeof teamCreateSchema>;
export const teamUpdateSchema = v.strictObject({ name: v.optional(nameSchema), agentIds: v.optional(idListSchema) });
export type TeamUpdate = v.InferOutput<typeof teamUpdateSchema>;

// ---- conversations as the inbox sees them -----------------------------------------------------

/**
 * Where a conversation stands in the inbox. `open`: a human has it or is being asked for; `pending`:
 * the bot is handling it; `snoozed`: hidden until `snoozedUntil`; `resolved`: done.
 */
export const CONVERSATION_STATUSES = ['open', 'pending', 'resolved', 'snoozed'] as const;
export type ConversationStatus = (typeof CONVERSATION_STATUSES)[number];

/** Why a conversation left the bot. */
/** `routing_rule`: a widget routing rule sent the conversation to a human before the bot answered. */
export const HANDOFF_REASONS = ['visitor_asked', 'bot_asked', 'bot_failed', 'routing_rule'] as const;
export type HandoffReason = (typeof HANDOFF_REASONS)[number];

export interface InboxConversation {
  readonly id: string;
  readonly widgetId: string;
  readonly owner: ConversationOwner;
  readonly status: ConversationStatus;
  readonly assignee: { readonly id: string; readonly name: string } | null;
  readonly teamId: string | null;
  /** Set by a routing rule (or `normal`). */
  readonly priority: ConversationPriority;
  readonly createdAt: string;
  readonly updatedAt: string;
  readonly snoozedUntil: string | null;
}

export interface InboxContact {
  readonly id: string | null;
  readonly name: string | null;
  readonly email: string | null;
  readonly phone: string | null;
}

export interface InboxItem {
  readonly conversation: InboxConversation;
  readonly contact: InboxContact;
  /** The last message the visitor can see or a note, for the preview line; null in an empty conversation. */
  readonly lastMessage: Message | null;
  /** Visitor messages after the reading agent's read cursor. */
  readonly unread: number;
  /** Milliseconds the visitor has waited for a human (queued) or for a reply (last message is theirs); null otherwise. */
  readonly waitingSinceMs: number | null;
  /** A call the visitor is offering right now (ringing; docs/calls.md): the list rings for it. Absent otherwise. */
  readonly call?: { readonly id: string; readonly kind: CallKind };
}

/** `GET /v1/inbox/{id}`: the item plus what the agent needs to know about the visitor. */
export interface InboxDetail extends InboxItem {
  readonly context: {
    readonly pageUrl: string | null;
    readonly referrer: string | null;
    readonly browser: string | null;
    readonly language: string | null;
    readonly attributes: Readonly<Record<string, string>>;
    readonly earlierConversations: ReadonlyArray<{
      readonly id: string;
      readonly status: ConversationStatus;
      readonly createdAt: string;
      readonly lastMessage: Message | null;
    }>;
  };
  /** Where the conversation stands in the human queue; null unless owner is `queued`. */
  readonly queue: QueuePlace | null;
}

export interface QueuePlace {
  /** 1 for the next to be assigned. */
  readonly position: number;
  readonly estimatedWaitMs: number | null;
}

/**
 * What happened to a conversation's ownership, for the console's timeline (`GET /v1/inbox/{id}/activity`).
 * `assigned`: to `agent` (a transfer when `previousAgent` is set); `queued`: waiting for `team` (or anyone);
 * `handed_back`: to the bot; `snoozed`: until `until`; `woke`: a snooze ended early (a reply, the visitor
 * wrote); `resolved`; `reopened`: by an agent, or by the visitor writing again (`actor` null).
 */
export const INBOX_ACTIVITY_KINDS = [
  'assigned',
  'queued',
  'handed_back',
  'snoozed',
  'woke',
  'resolved',
  'reopened',
  /** An agent blocked the visitor or their address (`until`: when the block ends, null: never). */
  'blocked',
  'unblocked',
  /** A widget routing rule (`rule`) matched the first visitor message; `team` when it chose one. */
  'routed',
] as const;
export type InboxActivityKind = (typeof INBOX_ACTIVITY_KINDS)[number];

export interface InboxActivity {
  readonly id: string;
  readonly kind: InboxActivityKind;
  /** The agent who did it; null when Parley did (routing, a reply taking the conversation, the visitor writing). */
  readonly actor: { readonly id: string; readonly name: string } | null;
  readonly agent: { readonly id: string; readonly name: string } | null;
  readonly previousAgent: { readonly id: string; readonly name: string } | null;
  readonly team: { readonly id: string; readonly name: string } | null;
  readonly until: string | null;
  /** `routed` only: the rule that matched and what it did besides `team`. */
  readonly rule?: {
    readonly name: string;
    readonly priority: ConversationPriority | null;
    readonly handTo: 'bot' | 'human';
  } | null;
  /** `blocked` and `unblocked` only: whether the visitor or their address. */
  readonly scope?: 'visitor' | 'address';
  readonly createdAt: string;
}

export const INBOX_VIEWS = ['mine', 'unassigned', 'team', 'all'] as const;
export type InboxView = (typeof INBOX_VIEWS)[number];

const optionalQueryText = (max: number) => v.optional(v.pipe(v.string(), v.trim(), v.maxLength(max, `must be at most ${max} characters`)));

export const inboxQuerySchema = v.strictObject({
  view: v.optional(v.picklist(INBOX_VIEWS, 'must be mine, unassigned, team or all')),
  status: v.optional(v.picklist(CONVERSATION_STATUSES, 'must be open, pending, resolved or snoozed')),
  owner: v.optional(v.picklist(['bot', 'queued', 'human'], 'must be bot, queued or human')),
  q: optionalQueryText(200),
  widgetId: v.optional(idSchema),
  priority: v.optional(v.picklist(CONVERSATION_PRIORITIES, 'must be low, normal, high or urgent')),
  take: v.optional(
    v.pipe(
      v.string(),
      v.regex(/^\d+$/, 'must be a whole number'),
      v.transform(Number),
      v.minValue(1),
      v.maxValue(100, 'must be at most 100'),
    ),
  ),
  cursor: optionalQueryText(200),
});
export type InboxQuery = v.InferOutput<typeof inboxQuerySchema>;

export const assignSchema = v.pipe(
  v.strictObject({ agentId: v.optional(v.nullable(idSchema)), teamId: v.optional(v.nullable(idSchema)) }),
  v.check((input) => input.agentId !== undefined || input.teamId !== undefined, 'must name an agentId or a teamId'),
);
export const snoozeSchema = v.strictObject({
  until: v.pipe(v.string('must be a date-time'), v.isoTimestamp('must be an ISO 8601 date-time such as 2030-01-01T09:00:00.000Z')),
});
export const noteSchema = v.strictObject({
  text: v.pipe(v.string('must be a string'), v.trim(), v.minLength(1, 'must not be empty'), v.maxLength(8000)),
});
/** Optional body of the bodyless actions (handback, resolve, reopen): the console sends `{}`. */
export const emptyActionSchema = v.strictObject({});

/** A visitor leaving an address while no agent is available (offline mode). */
export const visitorContactSchema = v.strictObject({
  email: emailSchema,
  name: v.optional(v.pipe(v.string('must be a string'), v.trim(), v.maxLength(200, 'must be at most 200 characters'))),
});

/** What the inbox stream (`?inbox=1` on the gateway) sends when a conversation changes. */
/** `call`: a visitor's call started or stopped ringing (the item's `call`). */
export type InboxEventReason = 'created' | 'message' | 'ownership' | 'read' | 'call';

/** `POST /v1/conversations/{id}/rating`: the visitor rates a resolved conversation (1–5). */
export const ratingSchema = v.strictObject({
  score: v.pipe(
    v.number('must be a number'),
    v.integer('must be a whole number'),
    v.minValue(1, 'must be at least 1'),
    v.maxValue(5, 'must be at most 5'),
  ),
  comment: v.optional(v.pipe(v.string('must be a string'), v.trim(), v.maxLength(2000, 'must be at most 2000 characters'))),
});
