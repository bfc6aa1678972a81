import type { Kysely } from 'kysely';

/**
 * What agents and Parley did to a conversation (assigned, transferred, queued for a team, handed back,
 * snoozed, resolved, reopened), for the console's timeline. Names are copied in `detail` when the row is
 * written, so the line still reads right after an agent or a team is renamed or removed. Rows go with
 * their conversation.
 */
export async function up(db: Kysely<unknown>): Promise<void> {
  await db.schema
    .createTable('conversation_activity')
    .addColumn('id', 'text', (c) => c.primaryKey())
    .addColumn('conversation_id', 'text', (c) => c.notNull().references('conversations.id').onDelete('cascade'))
    .addColumn('kind', 'text', (c) => c.notNull())
    .addColumn('detail', 'text', (c) => c.notNull())
    .addColumn('created_at', 'text', (c) => c.notNull())
    .execute();
  await db.schema
    .createIndex('conversation_activity_conversation')
    .on('conversation_activity')
    .columns(['conversation_id', 'id'])
    .execute();
}
