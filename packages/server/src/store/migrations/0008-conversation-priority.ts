import type { Kysely } from 'kysely';

/**
 * Routing rules (engine/routing-rules.ts): a conversation's priority (low, normal, high, urgent; set by a
 * rule, filterable in the inbox), and when the rules were evaluated for it, so that they run exactly once
 * per conversation (on its first visitor message) even with several nodes.
 */
export async function up(db: Kysely<unknown>): Promise<void> {
  await db.schema
    .alterTable('conversations')
    .addColumn('priority', 'text', (c) => c.notNull().defaultTo('normal'))
    .execute();
  await db.schema.alterTable('conversations').addColumn('routed_at', 'text').execute();
}
