import { compiledRead } from './compiled-read.js';
import type { Db } from './database.js';
import type { AgentsTable, ConsoleSessionsTable } from './schema.js';

export type AgentRow = AgentsTable;
export type ConsoleSessionRow = ConsoleSessionsTable;

const everyAgent = compiledRead((db: Db) => db.selectFrom('agents').selectAll().orderBy('id'));

/** SQL for agents, their team memberships and their console sessions. */
export class AgentsStore {
  constructor(private readonly db: Db) {}

  async insert(row: AgentRow, teamIds: readonly string[]): Promise<void> {
    await this.db.transaction().execute(async (trx) => {
      await trx.insertInto('agents').values(row).execute();
      if (teamIds.length > 0)
        await trx
          .insertInto('team_members')
          .values(teamIds.map((team_id) => ({ team_id, agent_id: row.id })))
          .execute();
    });
  }

  get(id: string): Promise<AgentRow | undefined> {
    return this.db.selectFrom('agents').selectAll().where('id', '=', id).executeTakeFirst();
  }

  byEmail(email: string): Promise<AgentRow | undefined> {
    return this.db.selectFrom('agents').selectAll().where('email', '=', email).executeTakeFirst();
  }

  /** Newest first, `take + 1` rows after `cursor` (see toPage). */
  list(take: number, cursor: string | undefined): Promise<AgentRow[]> {
    let query = this.db
      .selectFrom('agents')
      .selectAll()
      .orderBy('id', 'desc')
      .limit(take + 1);
    if (cursor !== undefined) query = query.where('id', '<', cursor);
    return query.execute();
  }

  /** Compiled once (store/compiled-read.ts): every presence frame asks, a visitor's welcome included. */
  all(): Promise<AgentRow[]> {
    return everyAgent(this.db);
  }

  async update(id: string, changes: Partial<Omit<AgentRow, 'id' | 'created_at'>>, teamIds?: readonly string[]): Promise<void> {
    await this.db.transaction().execute(async (trx) => {
      if (Object.keys(changes).length > 0) await trx.updateTable('agents').set(changes).where('id', '=', id).execute();
      if (teamIds !== undefined) {
        await trx.deleteFrom('team_members').where('agent_id', '=', id).execute();
        if (teamIds.length > 0)
          await trx
            .insertInto('team_members')
            .values(teamIds.map((team_id) => ({ team_id, agent_id: id })))
            .execute();
      }
    });
  }

  async delete(id: string): Promise<boolean> {
    const result = await this.db.deleteFrom('agents').where('id', '=', id).executeTakeFirst();
    return result.numDeletedRows > 0n;
  }

  async count(role?: string): Promise<number> {
    let query = this.db.selectFrom('agents').select((eb) => eb.fn.countAll().as('n'));
    if (role !== undefined) query = query.where('role', '=', role);
    return Number((await query.executeTakeFirstOrThrow()).n);
  }

  /** Team ids of each agent, for the `teamIds` field. */
  async teamIds(agentIds: readonly string[]): Promise<Map<string, string[]>> {
    const out = new Map<string, string[]>(agentIds.map((id) => [id, []]));
    if (agentIds.length === 0) return out;
    const rows = await this.db.selectFrom('team_members').selectAll().where('agent_id', 'in', agentIds).orderBy('team_id').execute();
    for (const row of rows) out.get(row.agent_id)?.push(row.team_id);
    return out;
  }

  async touch(id: string, now: string): Promise<void> {
    await this.db.updateTable('agents').set({ last_seen_at: now }).where('id', '=', id).execute();
  }

  // ---- console sessions ----

  async insertSession(row: ConsoleSessionRow): Promise<void> {
    await this.db.insertInto('console_sessions').values(row).execute();
  }

  session(tokenHash: string): Promise<ConsoleSessionRow | undefined> {
    return this.db.selectFrom('console_sessions').selectAll().where('token_hash', '=', tokenHash).executeTakeFirst();
  }

  async deleteSession(tokenHash: string): Promise<void> {
    await this.db.deleteFrom('console_sessions').where('token_hash', '=', tokenHash).execute();
  }

  /** Every session of the agent but `keep` (a password change logs out the other devices). */
  async deleteSessionsOf(agentId: string, keep?: string): Promise<void> {
    let query = this.db.deleteFrom('console_sessions').where('agent_id', '=', agentId);
    if (keep !== undefined) query = query.where('token_hash', '!=', keep);
    await query.execute();
  }

  async deleteExpiredSessions(now: string): Promise<void> {
    await this.db.deleteFrom('console_sessions').where('expires_at', '<', now).execute();
  }
}
