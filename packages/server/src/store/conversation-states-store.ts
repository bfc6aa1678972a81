import type { Db } from './database.js';
import type { ConversationStatesTable } from './schema.js';
import { compiledRead } from './compiled-read.js';

export type ConversationStateRow = ConversationStatesTable;

// Compiled once: every hello and every bot turn reads it (store/compiled-read.ts).
const stateOf = compiledRead((db: Db, conversationId: string) =>
  db.selectFrom('conversation_states').selectAll().where('conversation_id', '=', conversationId),
);

/** SQL for who owns each conversation. A conversation without a row is the bot's. */
export const conversationStatesStore = {
  async get(db: Db, conversationId: string): Promise<ConversationStateRow | undefined> {
    return (await stateOf(db, conversationId))[0];
  },

  async put(db: Db, row: ConversationStateRow): Promise<void> {
    await db
      .insertInto('conversation_states')
      .values(row)
      .onConflict((oc) =>
        oc.column('conversation_id').doUpdateSet({
          owner: row.owner,
          assignee_id: row.assignee_id,
          team_id: row.team_id,
          snoozed_until: row.snoozed_until,
          queued_at: row.queued_at,
          offline: row.offline,
          updated_at: row.updated_at,
        }),
      )
      .execute();
  },

  /** Open human conversations per agent: what capacity is measured against. */
  async loads(db: Db): Promise<Map<string, number>> {
    const rows = await db
      .selectFrom('conversation_states')
      .select(['assignee_id', (eb) => eb.fn.countAll().as('n')])
      .where('owner', '=', 'human')
      .where('assignee_id', 'is not', null)
      .groupBy('assignee_id')
      .execute();
    return new Map(rows.flatMap((row) => (row.assignee_id === null ? [] : [[row.assignee_id, Number(row.n)]])));
  },

  /** Conversations an agent holds now (owner human). */
  async heldBy(db: Db, agentId: string): Promise<string[]> {
    const rows = await db
      .selectFrom('conversation_states')
      .select('conversation_id')
      .where('assignee_id', '=', agentId)
      .where('owner', '=', 'human')
      .execute();
    return rows.map((row) => row.conversation_id);
  },

  /** Queued conversations, longest waiting first. */
  queued(db: Db, limit: number): Promise<ConversationStateRow[]> {
    return db
      .selectFrom('conversation_states')
      .selectAll()
      .where('owner', '=', 'queued')
      .orderBy('queued_at', 'asc')
      .orderBy('conversation_id', 'asc')
      .limit(limit)
      .execute();
  },

  /** How many queued conversations of the same team joined the queue before this one. */
  async ahead(db: Db, row: ConversationStateRow): Promise<number> {
    let query = db
      .selectFrom('conversation_states')
      .select((eb) => eb.fn.countAll().as('n'))
      .where('owner', '=', 'queued')
      .where('queued_at', '<', row.queued_at ?? '');
    query = row.team_id === null ? query.where('team_id', 'is', null) : query.where('team_id', '=', row.team_id);
    return Number((await query.executeTakeFirstOrThrow()).n);
  },
};
