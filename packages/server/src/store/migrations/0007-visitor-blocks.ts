import type { Kysely } from 'kysely';

/**
 * Agents' blocks (console: Block visitor) and the address each conversation's visitor came from, which
 * an address block needs. A block refuses a `visitor` (`subject`: `user:<verified userId>`, or
 * `conv:<conversationId>` for an anonymous one) or an `address` (IPv4 as itself, IPv6 by its /64) on
 * one widget or, with `widget_id` null, on all. `expires_at` null: until an agent lifts it. Names are
 * copied, so the list still reads right after the agent is renamed or removed.
 */
export async function up(db: Kysely<unknown>): Promise<void> {
  await db.schema
    .createTable('visitor_blocks')
    .addColumn('id', 'text', (c) => c.primaryKey())
    .addColumn('scope', 'text', (c) => c.notNull())
    .addColumn('widget_id', 'text')
    .addColumn('subject', 'text', (c) => c.notNull())
    // Kept when the conversation goes: the block outlives it (a visitor deleting their data is not unblocked).
    .addColumn('conversation_id', 'text')
    .addColumn('created_by_id', 'text', (c) => c.notNull())
    .addColumn('created_by_name', 'text', (c) => c.notNull())
    .addColumn('created_at', 'text', (c) => c.notNull())
    .addColumn('expires_at', 'text')
    .addColumn('reason', 'text')
    .execute();
  // Every node loads the blocks still in force at start and after each change.
  await db.schema.createIndex('visitor_blocks_expires').on('visitor_blocks').column('expires_at').execute();
  await db.schema
    .createTable('visitor_addresses')
    .addColumn('conversation_id', 'text', (c) => c.primaryKey().references('conversations.id').onDelete('cascade'))
    .addColumn('address', 'text', (c) => c.notNull())
    .addColumn('updated_at', 'text', (c) => c.notNull())
    .execute();
}
