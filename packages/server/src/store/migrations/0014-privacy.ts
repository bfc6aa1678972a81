import { type Kysely } from 'kysely';

/**
 * Privacy (issue 18). `audit_log`: who changed what and when, append-only (no route updates or deletes a
 * row, and retention never touches it); `detail` is JSON without personal data (changed field names, counts).
 * `job_leases`: one row per cluster-wide job (the retention sweep); a node runs the job while it holds the
 * lease (`UPDATE … WHERE expires_at < now RETURNING`, the same on SQLite and PostgreSQL) and renews it while running.
 */
export async function up(db: Kysely<unknown>): Promise<void> {
  await db.schema
    .createTable('audit_log')
    .addColumn('id', 'text', (c) => c.primaryKey())
    .addColumn('at', 'text', (c) => c.notNull())
    // agent | api_key | system | visitor
    .addColumn('actor_kind', 'text', (c) => c.notNull())
    .addColumn('actor_id', 'text')
    .addColumn('actor_name', 'text')
    .addColumn('action', 'text', (c) => c.notNull())
    .addColumn('target_type', 'text')
    .addColumn('target_id', 'text')
    .addColumn('detail', 'text', (c) => c.notNull())
    .execute();
  await db.schema.createIndex('audit_log_action').on('audit_log').columns(['action', 'id']).execute();
  await db.schema.createIndex('audit_log_actor').on('audit_log').columns(['actor_id', 'id']).execute();
  await db.schema.createIndex('audit_log_target').on('audit_log').columns(['target_id', 'id']).execute();
  await db.schema
    .createTable('job_leases')
    .addColumn('name', 'text', (c) => c.primaryKey())
    .addColumn('holder', 'text')
    .addColumn('expires_at', 'text', (c) => c.notNull())
    .addColumn('last_run_at', 'text')
    .execute();
  await db
    .withTables<{ job_leases: { name: string; holder: string | null; expires_at: string; last_run_at: string | null } }>()
    .insertInto('job_leases')
    .values({ name: 'retention', holder: null, expires_at: '1970-01-01T00:00:00.000Z', last_run_at: null })
    .execute();
}
