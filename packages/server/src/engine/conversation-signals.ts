import type { FastifyBaseLogger } from 'fastify';
import { TYPING_TTL_MS, type Author, type ServerFrame } from '@parley/protocol';
import { conversationChannel, type Bus } from '../bus/bus.js';
import type { Db } from '../store/database.js';
import { nowIso } from '../store/ids.js';
import { readCursorsStore } from '../store/read-cursors-store.js';
import { conversationsStore } from '../store/conversations-store.js';
import { encodeEvent, originKey } from './conversation-events.js';

type Reader = Pick<Author, 'role' | 'id'>;

/**
 * Typing (ephemeral: expires by itself) and read cursors (durable, only ever raised). Both reach
 * the conversation's connections through the bus like messages do.
 */
export class ConversationSignals {
  /** Per conversation + author: the timer that announces the end of typing when it is not renewed. */
  private readonly typingTimers = new Map<string, NodeJS.Timeout>();

  constructor(
    private readonly db: Db,
    private readonly bus: Bus,
    private readonly log: FastifyBaseLogger,
    private readonly typingTtlMs: number = TYPING_TTL_MS,
  ) {}

  async typing(conversationId: string, author: Author, active: boolean): Promise<void> {
    const key = `${conversationId}|${originKey(author)}`;
    clearTimeout(this.typingTimers.get(key));
    this.typingTimers.delete(key);
    if (active) {
      // Renewed by the next `typing` frame; otherwise the other side is told it stopped.
      const timer = setTimeout(() => {
        this.typingTimers.delete(key);
        void this.publish(conversationId, { type: 'typing', author, active: false, expiresInMs: 0 }, author);
      }, this.typingTtlMs);
      timer.unref();
      this.typingTimers.set(key, timer);
    }
    await this.publish(conversationId, { type: 'typing', author, active, expiresInMs: active ? this.typingTtlMs : 0 }, author);
  }

  /** Raises the reader's cursor (never past the last message) and tells the others when it moved. */
  async markRead(conversationId: string, reader: Reader, seq: number): Promise<void> {
    const conversation = await conversationsStore.getConversation(this.db, conversationId);
    if (conversation === undefined) return;
    const capped = Math.min(seq, Number(conversation.last_seq));
    const row = { conversation_id: conversationId, reader_role: reader.role, reader_id: reader.id, seq: capped, updated_at: nowIso() };
    if (await readCursorsStore.raise(this.db, row)) {
      await this.publish(conversationId, { type: 'read', reader: { role: reader.role, id: reader.id }, seq: capped }, reader);
    }
  }

  /** Every participant's cursor, as the `read` frames a (re)connecting client is given after its backlog. */
  async readFrames(conversationId: string): Promise<ServerFrame[]> {
    const rows = await readCursorsStore.list(this.db, conversationId);
    return rows.map((row) => ({ type: 'read', reader: { role: authorRole(row.reader_role), id: row.reader_id }, seq: Number(row.seq) }));
  }

  /** Stops pending typing expiries (shutdown): their connections are being closed anyway. */
  close(): void {
    for (const timer of this.typingTimers.values()) clearTimeout(timer);
    this.typingTimers.clear();
  }

  private async publish(conversationId: string, frame: ServerFrame, origin: Reader): Promise<void> {
    try {
      await this.bus.publish(conversationChannel(conversationId), encodeEvent(frame, originKey(origin)));
    } catch (error) {
      this.log.warn({ err: error, conversationId }, 'could not publish a signal');
    }
  }
}

function authorRole(value: string): Author['role'] {
  return value === 'bot' || value === 'agent' || value === 'system' ? value : 'visitor';
}
