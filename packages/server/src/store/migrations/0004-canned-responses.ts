import type { Kysely } from 'kysely';
import { newId, nowIso } from '../ids.js';

/**
 * Canned responses shared by the team (they used to live in each browser). `created_by` is an agent id
 * or `admin` for an admin API key, so it has no foreign key; a removed agent's responses stay. A new
 * install starts with the everyday ones the console used to seed in each browser, owned by `admin`.
 */
export async function up(db: Kysely<unknown>): Promise<void> {
  await db.schema
    .createTable('canned_responses')
    .addColumn('id', 'text', (c) => c.primaryKey())
    .addColumn('shortcut', 'text', (c) => c.notNull().unique())
    .addColumn('text', 'text', (c) => c.notNull())
    .addColumn('created_by', 'text', (c) => c.notNull())
    .addColumn('created_at', 'text', (c) => c.notNull())
    .addColumn('updated_at', 'text', (c) => c.notNull())
    .execute();
  const now = nowIso();
  await db
    .withTables<{
      canned_responses: { id: string; shortcut: string; text: string; created_by: string; created_at: string; updated_at: string };
    }>()
    .insertInto('canned_responses')
    .values(
      DEFAULTS.map(([shortcut, text]) => ({ id: newId('cr'), shortcut, text, created_by: 'admin', created_at: now, updated_at: now })),
    )
    .execute();
}

const DEFAULTS: readonly (readonly [string, string])[] = [
  ['hello', 'Hi! Thanks for reaching out — how can I help?'],
  ['moment', 'Give me a moment while I look into this.'],
  ['thanks', 'Thank you for your patience!'],
  ['email', 'Could you share the email address on your account, so I can find it?'],
  ['bye', 'Glad I could help. Have a great day!'],
];
