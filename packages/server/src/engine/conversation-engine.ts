import type { FastifyBaseLogger } from 'fastify';
import { MESSAGE_TYPES, type Author, type Message, type MessageType } from '@parley/protocol';
import type { BotService } from '../bots/bot-service.js';
import type { BotEvent } from '../bots/bot-connector.js';
import type { ConnectorFactory } from '../bots/connector-for.js';
import { conversationChannel, type Bus } from '../bus/bus.js';
import type { Db } from '../store/database.js';
import { conversationsStore as store, isUniqueViolation, type ConversationRow, type MessageRow } from '../store/conversations-store.js';
import { newId, nowIso } from '../store/ids.js';
import { readJson } from '../store/json.js';
import { encodeEvent, originKey } from './conversation-events.js';

export interface AppendInput {
  readonly conversationId: string;
  readonly author: Author;
  readonly type: MessageType;
  readonly text: string;
  readonly payload?: Readonly<Record<string, unknown>> | null;
  readonly clientId?: string | null;
}

export interface AppendResult {
  readonly message: Message;
  /** False when the clientId was already stored: the original message is returned, nothing new is written. */
  readonly created: boolean;
}

const BOT_TIMEOUT_MS = 15_000;
const HISTORY_WINDOW = 50;
export const MAX_MESSAGES_PER_READ = 500;

/** The only place that decides anything about conversations: appending, reading, bot turns. */
export class ConversationEngine {
  private readonly botTurns = new Set<Promise<unknown>>();

  constructor(
    private readonly db: Db,
    private readonly bots: BotService,
    private readonly connectorFor: ConnectorFactory,
    private readonly log: FastifyBaseLogger,
    private readonly bus: Bus,
  ) {}

  /**
   * Stores a message with the next seq of its conversation, in one transaction. Idempotent on
   * clientId: a resend returns the stored original, also when two resends race each other.
   */
  /**
   * With an `executor` (a caller's transaction) nothing is published: only the caller knows when it
   * commits, and it calls `announce` then. Otherwise the new message is published after its commit.
   */
  async append(input: AppendInput, executor?: Db): Promise<AppendResult> {
    const clientId = input.clientId ?? null;
    if (executor !== undefined) return this.appendWith(executor, input, clientId);
    let result: AppendResult;
    try {
      result = await this.db.transaction().execute((trx) => this.appendWith(trx, input, clientId));
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

  private async appendWith(db: Db, input: AppendInput, clientId: string | null): Promise<AppendResult> {
    if (clientId !== null) {
      const existing = await store.messageByClientId(db, input.conversationId, clientId);
      if (existing !== undefined) return { message: toMessage(existing), created: false };
    }
    const now = nowIso();
    const seq = await store.nextSeq(db, input.conversationId, now);
    const row: MessageRow = {
      id: newId('msg'),
      conversation_id: input.conversationId,
      seq,
      author_role: input.author.role,
      author_id: input.author.id,
      author_name: input.author.name,
      type: input.type,
      text: input.text,
      payload: input.payload === undefined || input.payload === null ? null : JSON.stringify(input.payload),
      client_id: clientId,
      created_at: now,
    };
    await store.insertMessage(db, row);
    return { message: toMessage(row), created: true };
  }

  async messagesAfter(conversationId: string, afterSeq: number, limit = MAX_MESSAGES_PER_READ): Promise<Message[]> {
    return (await store.messagesAfter(this.db, conversationId, afterSeq, limit)).map(toMessage);
  }

  getConversation(id: string): Promise<ConversationRow | undefined> {
    return store.getConversation(this.db, id);
  }

  /**
   * Lets the conversation's bot answer. A bot that fails or times out leaves an apology rather
   * than silence; the error goes to the log, never to the visitor.
   */
  /** Starts a bot turn after the visitor's message was acknowledged; shutdown waits for it (idle). */
  startBotTurn(conversationId: string, botId: string, language: string): void {
    const turn = this.runBot(conversationId, botId, language)
      .catch((error: unknown) => this.log.error({ err: error, conversationId }, 'bot turn failed'))
      .finally(() => this.botTurns.delete(turn));
    this.botTurns.add(turn);
  }

  async idle(): Promise<void> {
    while (this.botTurns.size > 0) await Promise.allSettled([...this.botTurns]);
  }

  async runBot(conversationId: string, botId: string, language: string): Promise<Message[]> {
    const bot = await this.bots.load(botId);
    const connector = bot === undefined ? null : this.connectorFor(bot);
    if (bot === undefined || connector === null) {
      this.log.warn({ conversationId, botId, kind: bot?.kind }, 'no connector for this bot; the visitor gets no bot answer');
      return [];
    }
    const conversation = await this.getConversation(conversationId);
    const after = Math.max(0, (conversation?.last_seq ?? 0) - HISTORY_WINDOW);
    const history = await this.messagesAfter(conversationId, after, HISTORY_WINDOW);
    const author: Author = { role: 'bot', id: bot.id, name: bot.name };
    const stored: Message[] = [];
    const signal = AbortSignal.timeout(BOT_TIMEOUT_MS);
    try {
      const context = { conversationId, history, language, meta: readJson<Record<string, string>>(conversation?.meta ?? '{}') };
      for await (const event of connector.reply(context, signal)) {
        stored.push((await this.append({ conversationId, author, ...eventToMessage(event) })).message);
      }
    } catch (error) {
      this.log.error({ err: error, conversationId, botId }, 'bot failed to answer');
      const apology = {
        type: 'quick_replies' as const,
        text: 'Sorry, I could not answer just now.',
        payload: { replies: ['Talk to a human'] },
      };
      stored.push((await this.append({ conversationId, author, ...apology })).message);
    }
    return stored;
  }
}

function eventToMessage(event: BotEvent): Pick<AppendInput, 'type' | 'text' | 'payload'> {
  switch (event.type) {
    case 'text':
      return { type: 'text', text: event.text, payload: null };
    case 'quick_replies':
      return { type: 'quick_replies', text: event.text, payload: { replies: event.replies } };
    case 'handoff':
      return {
        type: 'event',
        text: 'The visitor asked to talk to a human.',
        payload: { event: 'handoff_requested', reason: event.reason },
      };
  }
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
  };
}

function authorRole(value: string): Author['role'] {
  return value === 'bot' || value === 'agent' || value === 'system' ? value : 'visitor';
}

function messageType(value: string): MessageType {
  return MESSAGE_TYPES.find((type) => type === value) ?? 'text';
}
