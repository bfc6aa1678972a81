import { sql, type RawBuilder } from 'kysely';
import type { ReportEventType } from '@parley/protocol';
import type { Db } from './database.js';
import { newId } from './ids.js';
import type { MessageRow } from './conversations-store.js';

/**
 * The `events` row a stored message makes (reports), written in the message's own transaction so a
 * stored message never lacks its event. It holds references only: the widget, contact, team and agent
 * are read from the conversation and its ownership inside the same statement, never the words.
 */
export interface MessageEvent {
  readonly id: string;
  readonly type: ReportEventType;
  readonly at: string;
  readonly conversationId: string;
  readonly messageId: string;
  /** The author when it is an agent or a bot. */
  readonly authorId: string;
  readonly role: string;
  readonly value: number | null;
}

/** Which event a message is; null for what reports do not count (notes, system lines, other visitor events). */
export function messageEventOf(message: Omit<MessageRow, 'seq'>): MessageEvent | null {
  const type = eventType(message);
  if (type === null) return null;
  return {
    id: newId('evt'),
    type,
    at: message.created_at,
    conversationId: message.conversation_id,
    messageId: message.id,
    authorId: message.author_id,
    role: message.author_role,
    value: type === 'rated' ? ratingScore(message.payload) : null,
  };
}

function eventType(message: Pick<MessageRow, 'author_role' | 'type' | 'payload'>): ReportEventType | null {
  return reportEventTypeOf(message.author_role, message.type, () => ratingScore(message.payload) !== null);
}

/**
 * The report event a message is, for the stored row (here) and the committed message (the reports recorder):
 * null for notes, system lines and visitor events other than a rating. `isRating` is asked of visitor events only.
 */
export function reportEventTypeOf(role: string, type: string, isRating: () => boolean): ReportEventType | null {
  if (type === 'note') return null;
  if (type === 'event') return role === 'visitor' && isRating() ? 'rated' : null;
  if (role === 'visitor') return 'visitor_message';
  if (role === 'bot') return 'bot_answered';
  if (role === 'agent') return 'agent_message';
  return null;
}

/** The score of a rating message (`payload.event: "rating"`, written by the rating endpoint). */
export function ratingScore(payload: string | null): number | null {
  if (payload === null || !payload.includes('"rating"')) return null;
  try {
    const parsed: unknown = JSON.parse(payload);
    if (typeof parsed !== 'object' || parsed === null || !('event' in parsed) || parsed.event !== 'rating') return null;
    const score = 'score' in parsed ? parsed.score : null;
    return typeof score === 'number' && score >= 1 && score <= 5 ? score : null;
  } catch {
    // A payload that is not JSON is no rating.
    return null;
  }
}

let failureHandler: (error: unknown) => void = () => undefined;

/** Who hears that a message's event could not be written (the message itself was stored): the reports recorder logs it. */
export function onMessageEventFailure(handler: (error: unknown) => void): void {
  failureHandler = handler;
}

export function messageEventFailed(error: unknown): void {
  failureHandler(error);
}

/**
 * SQLite: a plain one-row insert (see sqliteEventValues), its references read beforehand by the writer in the same
 * transaction. An INSERT … SELECT would be a multi-row write to SQLite, which then copies every page it touches
 * to a statement journal first (in case it fails halfway): that copy cost more than the insert itself.
 */
export const SQLITE_INSERT_MESSAGE_EVENT = `insert into events (id, type, at, widget_id, conversation_id, contact_id, team_id, agent_id, bot_id, message_id, value)
  values (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`;

/** What the event refers to besides the message: its conversation's widget and contact, and its ownership. */
export interface MessageEventRefs {
  readonly widget_id: string;
  readonly contact_id: string | null;
  /** Null when the conversation has no ownership row (the same as the other dialects' left join). */
  readonly team_id: string | null;
  readonly assignee_id: string | null;
}

/** SQLITE_INSERT_MESSAGE_EVENT's parameters: the same columns as eventInsert's select below. */
export function sqliteEventValues(event: MessageEvent, refs: MessageEventRefs): unknown[] {
  return [
    event.id,
    event.type,
    event.at,
    refs.widget_id,
    event.conversationId,
    refs.contact_id,
    refs.team_id,
    event.role === 'agent' ? event.authorId : refs.assignee_id,
    event.role === 'bot' ? event.authorId : null,
    event.messageId,
    event.value,
  ];
}

/**
 * The same insert for Kysely: as a data-modifying CTE of the PostgreSQL message statement (fed by its
 * `inserted` CTE, so nothing is written when the message was not), or on its own inside a caller's
 * transaction (a session's first messages). Casts, so PostgreSQL knows the parameters' types.
 */
function eventInsert(event: MessageEvent, from: RawBuilder<unknown>): RawBuilder<unknown> {
  const text = (value: string) => sql`cast(${value} as text)`;
  return sql`insert into events (id, type, at, widget_id, conversation_id, contact_id, team_id, agent_id, bot_id, message_id, value)
    select ${text(event.id)}, ${text(event.type)}, ${text(event.at)}, c.widget_id, c.id, c.contact_id, s.team_id,
      ${event.role === 'agent' ? text(event.authorId) : sql`s.assignee_id`},
      ${event.role === 'bot' ? text(event.authorId) : sql`cast(null as text)`},
      ${text(event.messageId)}, cast(${event.value} as double precision)
    ${from}
    left join conversation_states s on s.conversation_id = c.id`;
}

export function postgresEventCte(event: MessageEvent): RawBuilder<unknown> {
  return eventInsert(event, sql`from inserted i join conversations c on c.id = i.conversation_id`);
}

export async function insertMessageEvent(db: Db, event: MessageEvent): Promise<void> {
  await sql`${eventInsert(event, sql`from conversations c`)} where c.id = ${event.conversationId}`.execute(db);
}
