import type { Kysely } from 'kysely';

/**
 * Where /readyz proves the storage takes writes again after a write failed (a full disk, a lost
 * database): it inserts a row and deletes it in one committed transaction, so the table stays empty.
 */
export async function up(db: Kysely<unknown>): Promise<void> {
  await db.schema
    .createTable('write_probes')
    .addColumn('id', 'text', (c) => c.primaryKey())
    .addColumn('payload', 'text', (c) => c.notNull())
    .execute();
}
