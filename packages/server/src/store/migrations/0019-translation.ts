import type { Kysely } from 'kysely';

/**
 * Live translation (issue 20, docs/translation.md): a message keeps its text as written (the original) and,
 * when it was translated on the way through, `translation` (JSON: from, to, and the translated text or
 * `failed`). An agent's `language` is the one they read and write in (null: they are never translated for).
 */
export async function up(db: Kysely<unknown>): Promise<void> {
  await db.schema.alterTable('messages').addColumn('translation', 'text').execute();
  await db.schema.alterTable('agents').addColumn('language', 'text').execute();
}
