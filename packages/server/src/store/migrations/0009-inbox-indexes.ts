import type { Kysely } from 'kysely';

/**
 * The inbox reads conversations newest activity first, a page at a time, and a conversation's detail
 * lists the contact's other conversations. Without these indexes both scanned and sorted every
 * conversation on every read (SQLite: "SCAN c … USE TEMP B-TREE FOR ORDER BY"), a cost that grows with
 * the whole history rather than with the page.
 */
export async function up(db: Kysely<unknown>): Promise<void> {
  await db.schema.createIndex('conversations_updated').on('conversations').columns(['updated_at', 'id']).execute();
  await db.schema.createIndex('conversations_contact').on('conversations').columns(['contact_id', 'updated_at']).execute();
  await db.schema.createIndex('conversations_widget_updated').on('conversations').columns(['widget_id', 'updated_at']).execute();
}
