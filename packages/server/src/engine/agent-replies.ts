import type { FastifyBaseLogger } from 'fastify';
import type { Author } from '@parley/protocol';
import type { Bus } from '../bus/bus.js';
import type { Db } from '../store/database.js';
import type { AppendResult, ConversationEngine } from './conversation-engine.js';
import { encodeEvent, originKey } from './conversation-events.js';
import { publishInboxEvent } from './inbox-feed.js';
import type { OfflineMail } from './offline-mail.js';
import type { Ownership } from './ownership.js';
import { agentsChannel } from './private-notes.js';

/** What an agent writes into a conversation: replies (the visitor gets them) and private notes (agents only). */
export class AgentReplies {
  constructor(
    private readonly db: Db,
    private readonly engine: ConversationEngine,
    private readonly ownership: Ownership,
    private readonly mail: OfflineMail,
    private readonly bus: Bus,
    private readonly log: FastifyBaseLogger,
  ) {}

  async reply(conversationId: string, author: Author, text: string, clientId: string | null): Promise<AppendResult> {
    const result = await this.engine.append({ conversationId, author, type: 'text', text, clientId });
    if (result.created) await this.replied(result);
    return result;
  }

  /** After an agent's message was stored (here or by the realtime gateway): the reply takes the conversation, and may be mailed. */
  async replied(result: AppendResult): Promise<void> {
    const { message } = result;
    try {
      await this.ownership.agentReplied(message.conversationId, message.author.id);
    } catch (error) {
      this.log.error({ err: error, conversationId: message.conversationId }, 'could not take over the conversation after a reply');
    }
    this.mail.agentReplied(message);
  }

  /**
   * Stored like any message (its own seq, idempotent on clientId) but inside a caller-side
   * transaction, so the engine publishes nothing: it goes out on the agents-only channel instead.
   */
  async note(conversationId: string, author: Author, text: string, clientId: string | null): Promise<AppendResult> {
    const result = await this.db
      .transaction()
      .execute((trx) => this.engine.append({ conversationId, author, type: 'note', text, clientId }, trx));
    if (result.created) {
      try {
        await this.bus.publish(agentsChannel(conversationId), encodeEvent({ type: 'message', message: result.message }, originKey(author)));
      } catch (error) {
        this.log.warn({ err: error, conversationId }, 'could not publish a note; agents catch up by seq');
      }
      await publishInboxEvent(this.bus, this.log, conversationId, 'message');
    }
    return result;
  }
}
