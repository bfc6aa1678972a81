import type { Kysely } from 'kysely';

/**
 * Agents, teams and console logins; who owns each conversation (bot, queued, human, resolved) with
 * its assignee, team, snooze, when it joined the queue and whether it is in offline mode.
 */
export async function up(db: Kysely<unknown>): Promise<void> {
  await db.schema
    .createTable('agents')
    .addColumn('id', 'text', (c) => c.primaryKey())
    .addColumn('email', 'text', (c) => c.notNull().unique())
    .addColumn('name', 'text', (c) => c.notNull())
    .addColumn('role', 'text', (c) => c.notNull())
    .addColumn('password_hash', 'text', (c) => c.notNull())
    .addColumn('status', 'text', (c) => c.notNull())
    .addColumn('capacity', 'integer', (c) => c.notNull())
    .addColumn('last_seen_at', 'text')
    .addColumn('last_assigned_at', 'text')
    .addColumn('created_at', 'text', (c) => c.notNull())
    .addColumn('updated_at', 'text', (c) => c.notNull())
    .execute();

  await db.schema
    .createTable('teams')
    .addColumn('id', 'text', (c) => c.primaryKey())
    .addColumn('name', 'text', (c) => c.notNull())
    .addColumn('created_at', 'text', (c) => c.notNull())
    .addColumn('updated_at', 'text', (c) => c.notNull())
    .execute();

  await db.schema
    .createTable('team_members')
    .addColumn('team_id', 'text', (c) => c.notNull().references('teams.id').onDelete('cascade'))
    .addColumn('agent_id', 'text', (c) => c.notNull().references('agents.id').onDelete('cascade'))
    .addPrimaryKeyConstraint('team_members_pk', ['team_id', 'agent_id'])
    .execute();
  await db.schema.createIndex('team_members_agent').on('team_members').column('agent_id').execute();

  // Only a hash of the token is stored: a leaked database does not log anyone in.
  await db.schema
    .createTable('console_sessions')
    .addColumn('token_hash', 'text', (c) => c.primaryKey())
    .addColumn('agent_id', 'text', (c) => c.notNull().references('agents.id').onDelete('cascade'))
    .addColumn('expires_at', 'text', (c) => c.notNull())
    .addColumn('created_at', 'text', (c) => c.notNull())
    .execute();
  await db.schema.createIndex('console_sessions_agent').on('console_sessions').column('agent_id').execute();

  // Who owns each conversation lives beside it rather than in it: the conversations row is the hot
  // row of every append; a missing state row means the bot owns the conversation.
  await db.schema
    .createTable('conversation_states')
    .addColumn('conversation_id', 'text', (c) => c.primaryKey().references('conversations.id').onDelete('cascade'))
    .addColumn('owner', 'text', (c) => c.notNull())
    .addColumn('assignee_id', 'text')
    .addColumn('team_id', 'text')
    .addColumn('snoozed_until', 'text')
    .addColumn('queued_at', 'text')
    .addColumn('offline', 'integer', (c) => c.notNull().defaultTo(0))
    .addColumn('updated_at', 'text', (c) => c.notNull())
    .execute();
  await db.schema.createIndex('conversation_states_owner').on('conversation_states').columns(['owner', 'queued_at']).execute();
  await db.schema.createIndex('conversation_states_assignee').on('conversation_states').columns(['assignee_id', 'owner']).execute();
}
