import type { BlockScope, Page, VisitorBlock } from '@parley/protocol';
import type { Db } from '../store/database.js';
import { newId, nowIso } from '../store/ids.js';
import { toPage } from '../store/pagination.js';
import type { VisitorBlocksTable } from '../store/schema.js';

export type NewBlock = Omit<VisitorBlock, 'id' | 'createdAt'>;

/** SQL for blocks and for the address each conversation's visitor opened their session from. */
export const blocksStore = {
  async insert(db: Db, block: NewBlock): Promise<VisitorBlock> {
    const row: VisitorBlocksTable = {
      id: newId('blk'),
      scope: block.scope,
      widget_id: block.widgetId,
      subject: block.subject,
      conversation_id: block.conversationId,
      created_by_id: block.createdBy.id,
      created_by_name: block.createdBy.name,
      created_at: nowIso(),
      expires_at: block.expiresAt,
      reason: block.reason,
    };
    await db.insertInto('visitor_blocks').values(row).execute();
    return toBlock(row);
  },

  /** Deletes the block and answers what it was (undefined: no such block). */
  async remove(db: Db, id: string): Promise<VisitorBlock | undefined> {
    const row = await db.selectFrom('visitor_blocks').selectAll().where('id', '=', id).executeTakeFirst();
    if (row === undefined) return undefined;
    await db.deleteFrom('visitor_blocks').where('id', '=', id).execute();
    return toBlock(row);
  },

  /** Every block still in force at `now` (ISO strings of one format compare as times). */
  async active(db: Db, now: string): Promise<VisitorBlock[]> {
    const rows = await db
      .selectFrom('visitor_blocks')
      .selectAll()
      .where((eb) => eb.or([eb('expires_at', 'is', null), eb('expires_at', '>', now)]))
      .execute();
    return rows.map(toBlock);
  },

  /** Blocks still in force, newest first, a page at a time. */
  async page(db: Db, now: string, take: number, cursor: string | undefined): Promise<Page<VisitorBlock>> {
    let query = db
      .selectFrom('visitor_blocks')
      .selectAll()
      .where((eb) => eb.or([eb('expires_at', 'is', null), eb('expires_at', '>', now)]));
    if (cursor !== undefined) query = query.where('id', '<', cursor);
    const rows = await query
      .orderBy('id', 'desc')
      .limit(take + 1)
      .execute();
    return toPage(rows, take, toBlock);
  },

  /** The conversation's visitor opened a session from `address` (an address key). */
  async rememberAddress(db: Db, conversationId: string, address: string): Promise<void> {
    const updatedAt = nowIso();
    await db
      .insertInto('visitor_addresses')
      .values({ conversation_id: conversationId, address, updated_at: updatedAt })
      .onConflict((conflict) => conflict.column('conversation_id').doUpdateSet({ address, updated_at: updatedAt }))
      .execute();
  },

  async addressOf(db: Db, conversationId: string): Promise<string | undefined> {
    const row = await db.selectFrom('visitor_addresses').select('address').where('conversation_id', '=', conversationId).executeTakeFirst();
    return row?.address;
  },
};

function toBlock(row: VisitorBlocksTable): VisitorBlock {
  return {
    id: row.id,
    scope: row.scope === 'address' ? 'address' : ('visitor' satisfies BlockScope),
    widgetId: row.widget_id,
    subject: row.subject,
    conversationId: row.conversation_id,
    createdBy: { id: row.created_by_id, name: row.created_by_name },
    createdAt: row.created_at,
    expiresAt: row.expires_at,
    reason: row.reason,
  };
}
