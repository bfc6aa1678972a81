import type { FastifyBaseLogger } from 'fastify';
import { MESSAGE_TYPES, type Author, type Message, type MessageTranslation, type MessageType } from '@parley/protocol';
import { conversationChannel, type Bus } from '../bus/bus.js';
import type { Db } from '../store/database.js';
import { conversationsStore as store, isUniqueViolation, type ConversationRow, type MessageRow } from '../store/conversations-store.js';
import { newId, nowIso } from '../store/ids.js';
import { readJson } from '../store/json.js';
import type { MessageWriter, NewMessage, OwnerAtCommit } from '../store/message-writer.js';
import { encodeEvent, originKey } from './conversation-events.js';
import { NO_ENGINE_WEBHOOKS, type EngineWebhooks } from './engine-webhooks.js';
import { NO_REPORT_EVENTS, type ReportEvents } from './report-events.js';
import { insertMessageEvent, messageEventOf } from '../store/message-events.js';
import { NO_TRANSLATION, type MessageTranslations } from '../translation/live-translation.js';

export interface AppendInput {
  readonly conversationId: string;
  readonly author: Author;
  readonly type: MessageType;
  readonly text: string;
  readonly payload?: Readonly<Record<string, unknown>> | null;
  readonly clientId?: string | null;
  /** Set by `append` from `translation` (live translation); callers leave it out. */
  readonly translation?: MessageTranslation | undefined;
}

export interface AppendResult {
  readonly message: Message;
  /** False when the clientId was already stored: the original message is returned, nothing new is written. */
  readonly created: boolean;
  /** Who owned the conversation in the message's transaction, when the writer read it (see BotTurns.startBotTurn). */
  readonly ownerAtCommit?: OwnerAtCommit;
}

export const MAX_MESSAGES_PER_READ = 500;

/** The only place that decides anything about conversations: appending and reading (bot turns live in BotTurns). */
export class ConversationEngine {
  /** Outbound webhooks (wired in app.ts): every source calls it with the transaction that stores its event. */
  webhooks: EngineWebhooks = NO_ENGINE_WEBHOOKS;
  /** Reports (wired in app.ts): told of every committed message, ownership change and session start. */
  reports: ReportEvents = NO_REPORT_EVENTS;
  /** Live translation (wired in app.ts when a translator is configured): asked before a message is written. */
  translation: MessageTranslations = NO_TRANSLATION;

  constructor(
    private readonly db: Db,
    private readonly log: FastifyBaseLogger,
    private readonly bus: Bus,
    private readonly writer: MessageWriter,
  ) {}

  /**
   * Stores a message with the next seq of its conversation, in one transaction. Idempotent on
   * clientId: a resend returns the stored original, also when two resends race each other.
   * With an `executor` (a caller's transaction) nothing is published: only the caller knows when it
   * commits, and it calls `announce` then. Otherwise the new message is published after its commit.
   */
  async append(given: AppendInput, executor?: Db): Promise<AppendResult> {
    const clientId = given.clientId ?? null;
    if (executor !== undefined) return this.appendWith(executor, given, clientId);
    // Translated before the write, never inside it: the translator's wait (bounded by its timeout) holds no
    // transaction and no group commit; the message and its translation are then stored and sent together.
    // Without a translator, not even a microtask: this is every message's hot path.
    const translation = this.translation === NO_TRANSLATION ? undefined : await this.translation.translationFor(given);
    const input = translation === undefined ? given : { ...given, translation };
    // A message a subscription wants: its deliveries are written in the writer's transaction (SQLite's
    // group commit) when it can, else in the portable path's.
    const webhooks = this.webhooks.wants(input);
    if (webhooks && !this.writer.writesOutbox) return this.appendWithWebhooks(input, clientId);
    const outbox = webhooks ? (row: MessageRow, widgetId: string) => this.webhooks.messageStatements(toMessage(row), widgetId) : undefined;
    let result: AppendResult;
    try {
      const written = await this.writer.append(newMessage(input, clientId), outbox);
      const message = toMessage(written.row);
      const { ownerAtCommit } = written;
      result = ownerAtCommit === undefined ? { message, created: written.created } : { message, created: written.created, ownerAtCommit };
    } catch (error) {
      if (clientId === null || !isUniqueViolation(error)) throw error;
      const original = await store.messageByClientId(this.db, input.conversationId, clientId);
      if (original === undefined) throw error;
      return { message: toMessage(original), created: false };
    }
    if (result.created) await this.announce([result.message]);
    return result;
  }

  /**
   * Publishes committed messages to the conversation's live connections. Best effort by design: the
   * bus is at-most-once and a connection that misses one catches up from the database by seq.
   */
  async announce(messages: readonly Message[]): Promise<void> {
    this.reports.messagesStored(messages);
    for (const message of messages) {
      try {
        await this.bus.publish(
          conversationChannel(message.conversationId),
          encodeEvent({ type: 'message', message }, originKey(message.author)),
        );
      } catch (error) {
        this.log.warn({ err: error, conversationId: message.conversationId }, 'could not publish a message; clients catch up by seq');
      }
    }
  }

  /** The portable path, for callers that compose a larger transaction (a session's first messages). */
  private async appendWith(db: Db, input: AppendInput, clientId: string | null): Promise<AppendResult> {
    if (clientId !== null) {
      const existing = await store.messageByClientId(db, input.conversationId, clientId);
      if (existing !== undefined) return { message: toMessage(existing), created: false };
    }
    const message = newMessage(input, clientId);
    const row: MessageRow = { ...message, seq: await store.nextSeq(db, input.conversationId, message.created_at) };
    await store.insertMessage(db, row);
    await this.webhooks.enqueue(db, toMessage(row));
    const event = messageEventOf(message);
    if (event !== null) await insertMessageEvent(db, event);
    return { message: toMessage(row), created: true };
  }

  /**
   * Someone subscribed to this kind of message and the writer cannot write its deliveries (PostgreSQL's
   * one-statement append): one transaction stores it and writes them, so a node dying after the commit
   * still sends them.
   */
  private async appendWithWebhooks(input: AppendInput, clientId: string | null): Promise<AppendResult> {
    const result = await this.db
      .transaction()
      .execute((trx) => this.appendWith(trx, input, clientId))
      .catch(async (error: unknown) => {
        const original =
          clientId !== null && isUniqueViolation(error)
            ? await store.messageByClientId(this.db, input.conversationId, clientId)
            : undefined;
        if (original === undefined) throw error;
        return { message: toMessage(original), created: false };
      });
    if (result.created) await this.announce([result.message]);
    return result;
  }

  async messagesAfter(conversationId: string, afterSeq: number, limit = MAX_MESSAGES_PER_READ): Promise<Message[]> {
    return (await store.messagesAfter(this.db, conversationId, afterSeq, limit)).map(toMessage);
  }

  /** The newest `limit` messages before `beforeSeq` (and after `afterSeq`), oldest first: history paged from the end. */
  async messagesBefore(conversationId: string, beforeSeq: number, limit = MAX_MESSAGES_PER_READ, afterSeq = 0): Promise<Message[]> {
    return (await store.messagesBefore(this.db, conversationId, beforeSeq, afterSeq, limit)).map(toMessage);
  }

  getConversation(id: string): Promise<ConversationRow | undefined> {
    return store.getConversation(this.db, id);
  }
}

function newMessage(input: AppendInput, clientId: string | null): NewMessage {
  return {
    id: newId('msg'),
    conversation_id: input.conversationId,
    author_role: input.author.role,
    author_id: input.author.id,
    author_name: input.author.name,
    type: input.type,
    text: input.text,
    payload: input.payload === undefined || input.payload === null ? null : JSON.stringify(input.payload),
    client_id: clientId,
    created_at: nowIso(),
    translation: input.translation === undefined ? null : JSON.stringify(input.translation),
  };
}

export function toMessage(row: MessageRow): Message {
  return {
    id: row.id,
    conversationId: row.conversation_id,
    seq: Number(row.seq),
    author: { role: authorRole(row.author_role), id: row.author_id, name: row.author_name },
    type: messageType(row.type),
    text: row.text,
    payload: row.payload === null ? null : readJson<Record<string, unknown>>(row.payload),
    clientId: row.client_id,
    createdAt: row.created_at,
    ...(row.translation == null ? {} : { translation: readJson<MessageTranslation>(row.translation) }),
  };
}

function authorRole(value: string): Author['role'] {
  return value === 'bot' || value === 'agent' || value === 'system' ? value : 'visitor';
}

function messageType(value: string): MessageType {
  return MESSAGE_TYPES.find((type) => type === value) ?? 'text';
}
