import type { Kysely } from 'kysely';

/**
 * Conversation links (issue 20, docs/async-mode.md): a signed link that opens one conversation full page on any
 * device. Stored so that it can be revoked before it expires; erasing the conversation takes its links with it
 * (privacy/erase-conversations.ts deletes every table with a `conversation_id`, and the foreign key cascades).
 */
export async function up(db: Kysely<unknown>): Promise<void> {
  await db.schema
    .createTable('conversation_links')
    .addColumn('id', 'text', (c) => c.primaryKey())
    .addColumn('conversation_id', 'text', (c) => c.notNull().references('conversations.id').onDelete('cascade'))
    /** 'visitor' (the widget's menu) or 'agent' (the console, the API); 'system' for the link a reply mail carries. */
    .addColumn('created_by', 'text', (c) => c.notNull())
    .addColumn('agent_id', 'text')
    .addColumn('created_at', 'text', (c) => c.notNull())
    .addColumn('expires_at', 'text', (c) => c.notNull())
    .addColumn('revoked_at', 'text')
    .execute();
  await db.schema.createIndex('conversation_links_conversation').on('conversation_links').columns(['conversation_id', 'id']).execute();
}
