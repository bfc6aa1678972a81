import type { Db } from './database.js';
import type { ConversationCallsTable } from './schema.js';

export type ConversationCallRow = ConversationCallsTable;

/**
 * SQL for the one open call of a conversation (migration 0018). Every change is conditional on what the
 * caller last read (the call's id, its state), so two nodes racing (an accept against the ring timeout, two
 * agents accepting) leave exactly one winner: the one whose statement changed a row.
 */
export const conversationCallsStore = {
  /** Stores a new ringing call; false when the conversation already has one open. */
  async insert(db: Db, row: ConversationCallRow): Promise<boolean> {
    const inserted = await db
      .insertInto('conversation_calls')
      .values(row)
      .onConflict((oc) => oc.doNothing())
      .returning('call_id')
      .execute();
    return inserted.length > 0;
  },

  get(db: Db, conversationId: string): Promise<ConversationCallRow | undefined> {
    return db.selectFrom('conversation_calls').selectAll().where('conversation_id', '=', conversationId).executeTakeFirst();
  },

  /** Ringing → active, bound to the callee's link; undefined when it was no longer ringing (answered elsewhere, ended). */
  async accept(
    db: Db,
    callId: string,
    callee: Pick<ConversationCallRow, 'callee_role' | 'callee_id' | 'callee_name' | 'callee_link' | 'accepted_at'>,
  ): Promise<ConversationCallRow | undefined> {
    return db
      .updateTable('conversation_calls')
      .set({ ...callee, state: 'active' })
      .where('call_id', '=', callId)
      .where('state', '=', 'ringing')
      .returningAll()
      .executeTakeFirst();
  },

  /** Removes the call (it ended); undefined when another node ended it first. `ringingOnly`: only if still ringing. */
  async remove(db: Db, callId: string, ringingOnly = false): Promise<ConversationCallRow | undefined> {
    let query = db.deleteFrom('conversation_calls').where('call_id', '=', callId);
    if (ringingOnly) query = query.where('state', '=', 'ringing');
    return query.returningAll().executeTakeFirst();
  },
};
