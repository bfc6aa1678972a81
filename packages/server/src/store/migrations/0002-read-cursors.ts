import type { Kysely } from 'kysely';

/** Read cursors: the highest seq each participant has read, per conversation. Durable, and only ever raised. */
export async function up(db: Kysely<unknown>): Promise<void> {
  await db.schema
    .createTable('read_cursors')
    .addColumn('conversation_id', 'text', (c) => c.notNull().references('conversations.id').onDelete('cascade'))
    .addColumn('reader_role', 'text', (c) => c.notNull())
    .addColumn('reader_id', 'text', (c) => c.notNull())
    .addColumn('seq', 'integer', (c) => c.notNull())
    .addColumn('updated_at', 'text', (c) => c.notNull())
    .addPrimaryKeyConstraint('read_cursors_pk', ['conversation_id', 'reader_role', 'reader_id'])
    .execute();
}
