import type { Kysely } from 'kysely';

/**
 * Voice and video calls (issue 22, docs/calls.md): the one call a conversation may have open (ringing or
 * active), shared by every node. The row goes when the call ends; what remains of a call is its event in
 * the transcript (who started it, kind, accepted at, ended at, duration, end reason), never media.
 * `caller_link` and `callee_link` name the two realtime links (one browser tab each) the call is bound to:
 * signalling goes only to them, and either link going away ends the call.
 */
export async function up(db: Kysely<unknown>): Promise<void> {
  await db.schema
    .createTable('conversation_calls')
    // The primary key is the conversation: a second offer while one is open conflicts, on every node.
    .addColumn('conversation_id', 'text', (c) => c.primaryKey().references('conversations.id').onDelete('cascade'))
    .addColumn('call_id', 'text', (c) => c.notNull().unique())
    .addColumn('kind', 'text', (c) => c.notNull())
    .addColumn('state', 'text', (c) => c.notNull())
    .addColumn('caller_role', 'text', (c) => c.notNull())
    .addColumn('caller_id', 'text', (c) => c.notNull())
    .addColumn('caller_name', 'text', (c) => c.notNull())
    .addColumn('caller_link', 'text', (c) => c.notNull())
    .addColumn('callee_role', 'text')
    .addColumn('callee_id', 'text')
    .addColumn('callee_name', 'text')
    .addColumn('callee_link', 'text')
    .addColumn('created_at', 'text', (c) => c.notNull())
    .addColumn('accepted_at', 'text')
    .execute();
}
