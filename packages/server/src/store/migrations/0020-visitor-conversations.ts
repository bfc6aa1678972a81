import type { Kysely } from 'kysely';

/**
 * Several conversations per visitor (issue 20, docs/api.md "Several conversations"): a conversation a visitor
 * started from another one's session carries `visitor_key`, the id of that visitor's first conversation, so the
 * conversations of a visitor without identity can be listed together (with identity, `identity_user_id` groups them).
 * A key of its own rather than the contact: agents merge contacts, and a merge must not show one visitor another's.
 */
export async function up(db: Kysely<unknown>): Promise<void> {
  await db.schema.alterTable('conversations').addColumn('visitor_key', 'text').execute();
  await db.schema.createIndex('conversations_visitor_key').on('conversations').columns(['widget_id', 'visitor_key']).execute();
}
