import type { Insertable, Selectable, Updateable } from 'kysely';
import type { Db } from './database.js';
import type { ContactsTable, ConversationsTable, MessagesTable } from './schema.js';
import { compiledRead } from './compiled-read.js';

/**
 * priority and routed_at (migration 0008) are read by routing rules and the inbox, which select them themselves;
 * visitor_key (0020) by the visitor's list of conversations (engine/visitor-conversations.ts).
 */
export type ConversationRow = Omit<ConversationsTable, 'last_seq' | 'priority' | 'routed_at' | 'visitor_key'> & { last_seq: number };
export type MessageRow = MessagesTable;
export type ContactRow = Selectable<ContactsTable>;

// Compiled once: every hello reads both (store/compiled-read.ts).
const conversationById = compiledRead((db: Db, id: string) => db.selectFrom('conversations').selectAll().where('id', '=', id));
const messagesAfterSeq = compiledRead((db: Db, conversationId: string, afterSeq: number, limit: number) =>
  db
    .selectFrom('messages')
    .selectAll()
    .where('conversation_id', '=', conversationId)
    .where('seq', '>', afterSeq)
    .orderBy('seq', 'asc')
    .limit(limit),
);

/**
 * SQL for conversations, their messages and contacts. Methods take the executor so the engine can
 * compose several of them into one transaction.
 */
export const conversationsStore = {
  async insertConversation(db: Db, row: Omit<ConversationRow, 'last_seq'> & { readonly visitor_key?: string | null }): Promise<void> {
    await db.insertInto('conversations').values(row).execute();
  },

  async getConversation(db: Db, id: string): Promise<ConversationRow | undefined> {
    return (await conversationById(db, id))[0];
  },

  latestOpenForIdentity(db: Db, widgetId: string, userId: string): Promise<ConversationRow | undefined> {
    return db
      .selectFrom('conversations')
      .selectAll()
      .where('widget_id', '=', widgetId)
      .where('identity_user_id', '=', userId)
      .where('status', '=', 'open')
      .orderBy('id', 'desc')
      .limit(1)
      .executeTakeFirst();
  },

  messageByClientId(db: Db, conversationId: string, clientId: string): Promise<MessageRow | undefined> {
    return db
      .selectFrom('messages')
      .selectAll()
      .where('conversation_id', '=', conversationId)
      .where('client_id', '=', clientId)
      .executeTakeFirst();
  },

  /** Reserves the next seq. In PostgreSQL the UPDATE also row-locks the conversation until commit. */
  async nextSeq(db: Db, conversationId: string, now: string): Promise<number> {
    const row = await db
      .updateTable('conversations')
      .set((eb) => ({ last_seq: eb('last_seq', '+', 1), updated_at: now }))
      .where('id', '=', conversationId)
      .returning('last_seq')
      .executeTakeFirstOrThrow();
    return Number(row.last_seq);
  },

  async insertMessage(db: Db, row: MessageRow): Promise<void> {
    await db.insertInto('messages').values(row).execute();
  },

  messagesAfter(db: Db, conversationId: string, afterSeq: number, limit: number): Promise<MessageRow[]> {
    return messagesAfterSeq(db, conversationId, afterSeq, limit);
  },

  /** The newest `limit` messages with afterSeq < seq < beforeSeq, oldest first (a page of history read backwards). */
  async messagesBefore(db: Db, conversationId: string, beforeSeq: number, afterSeq: number, limit: number): Promise<MessageRow[]> {
    const rows = await db
      .selectFrom('messages')
      .selectAll()
      .where('conversation_id', '=', conversationId)
      // "Past the end" may be any large number; PostgreSQL refuses one beyond the column's integer range.
      .where('seq', '<', Math.min(beforeSeq, 2 ** 31 - 1))
      .where('seq', '>', afterSeq)
      .orderBy('seq', 'desc')
      .limit(limit)
      .execute();
    return rows.reverse();
  },

  contactByExternalId(db: Db, widgetId: string, externalId: string): Promise<ContactRow | undefined> {
    return db.selectFrom('contacts').selectAll().where('widget_id', '=', widgetId).where('external_id', '=', externalId).executeTakeFirst();
  },

  async insertContact(db: Db, row: Insertable<ContactsTable>): Promise<void> {
    await db.insertInto('contacts').values(row).execute();
  },

  async updateContact(db: Db, id: string, changes: Omit<Updateable<ContactsTable>, 'id' | 'created_at'>): Promise<void> {
    await db.updateTable('contacts').set(changes).where('id', '=', id).execute();
  },
};

/** True for a UNIQUE violation on either dialect. */
export function isUniqueViolation(error: unknown): boolean {
  if (!(error instanceof Error) || !('code' in error)) return false;
  return error.code === '23505' || error.code === 'SQLITE_CONSTRAINT_UNIQUE';
}
