import type { Kysely } from 'kysely';

/**
 * The consent gate (issue 18, privacy/consent.ts). `consent_records`: one visitor's acceptance of a widget's
 * consent text in one version (`POST /v1/widgets/{id}/consent`), before any session exists; the sessions it
 * admits tie it to their conversation (`conversation_id`, the latest one), and a withdrawal from the widget's
 * menu sets `withdrawn_at`. No address, no browser: the record proves what was accepted and when, nothing else.
 */
export async function up(db: Kysely<unknown>): Promise<void> {
  await db.schema
    .createTable('consent_records')
    .addColumn('id', 'text', (c) => c.primaryKey())
    .addColumn('widget_id', 'text', (c) => c.notNull())
    .addColumn('conversation_id', 'text')
    .addColumn('version', 'text', (c) => c.notNull())
    .addColumn('accepted_at', 'text', (c) => c.notNull())
    .addColumn('withdrawn_at', 'text')
    .execute();
  await db.schema.createIndex('consent_records_conversation').on('consent_records').column('conversation_id').execute();
  await db.schema.createIndex('consent_records_widget').on('consent_records').columns(['widget_id', 'accepted_at']).execute();
}
