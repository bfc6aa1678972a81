import { sql, type Kysely } from 'kysely';

/**
 * Contacts become a resource of their own (api/contacts.ts): when the visitor was first and last seen,
 * the pages they visited (a bounded recent list, newest first, JSON), a device summary read from the
 * User-Agent (browser, OS, device class; never a location), and the contact a merge folded this one
 * into (its conversations followed; the id keeps resolving). `external_id` stays the site's user id:
 * the verified identity's `userId`, or the id a CSV import gave.
 *
 * Custom attributes get their own table, one row per key, so that "plan = pro" is an indexed lookup on
 * both dialects instead of JSON functions that differ between SQLite and PostgreSQL.
 *
 * The list sorts by last seen, creation (the id: ULIDs sort by time) or name, within a widget or over all,
 * newest or A–Z first, a page at a time: each sort key has an index ending with the id, the cursor's
 * tie-breaker. Expression indexes (coalesce, lower) because a contact may never have been seen or
 * named, and NULLs sort differently on the two dialects; the queries order by the same expressions.
 */
export async function up(db: Kysely<unknown>): Promise<void> {
  await db.schema.alterTable('contacts').addColumn('first_seen_at', 'text').execute();
  await db.schema.alterTable('contacts').addColumn('last_seen_at', 'text').execute();
  await db.schema
    .alterTable('contacts')
    .addColumn('pages', 'text', (c) => c.notNull().defaultTo('[]'))
    .execute();
  await db.schema.alterTable('contacts').addColumn('browser', 'text').execute();
  await db.schema.alterTable('contacts').addColumn('os', 'text').execute();
  await db.schema.alterTable('contacts').addColumn('device', 'text').execute();
  await db.schema.alterTable('contacts').addColumn('merged_into', 'text').execute();

  await db.schema
    .createTable('contact_attributes')
    .addColumn('contact_id', 'text', (c) => c.notNull().references('contacts.id').onDelete('cascade'))
    .addColumn('key', 'text', (c) => c.notNull())
    /** The value as text (`pro`, `42`, `true`): what a filter compares. */
    .addColumn('value', 'text', (c) => c.notNull())
    /** string | number | boolean: how the API gives the value back. */
    .addColumn('kind', 'text', (c) => c.notNull())
    .addPrimaryKeyConstraint('contact_attributes_pk', ['contact_id', 'key'])
    .execute();
  await db.schema.createIndex('contact_attributes_key_value').on('contact_attributes').columns(['key', 'value', 'contact_id']).execute();

  await sql`create index contacts_seen on contacts (coalesce(last_seen_at, ''), id)`.execute(db);
  await sql`create index contacts_widget_seen on contacts (widget_id, coalesce(last_seen_at, ''), id)`.execute(db);
  await sql`create index contacts_name on contacts (lower(coalesce(name, email, '')), id)`.execute(db);
  await sql`create index contacts_widget_name on contacts (widget_id, lower(coalesce(name, email, '')), id)`.execute(db);
  await db.schema.createIndex('contacts_widget_id').on('contacts').columns(['widget_id', 'id']).execute();
  // Partial: only merged rows (few) are in it, so a planner never prefers it for the list's `merged_into is null`
  // over the sort's index (SQLite did, and then sorted every contact).
  await sql`create index contacts_merged_into on contacts (merged_into) where merged_into is not null`.execute(db);
  await db.schema.createIndex('contacts_external_id').on('contacts').column('external_id').execute();
}
