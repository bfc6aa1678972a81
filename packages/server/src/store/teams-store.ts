import type { Db } from './database.js';
import type { TeamsTable } from './schema.js';

export type TeamRow = TeamsTable;

/** SQL for teams and their members. */
export class TeamsStore {
  constructor(private readonly db: Db) {}

  async insert(row: TeamRow, agentIds: readonly string[]): Promise<void> {
    await this.db.transaction().execute(async (trx) => {
      await trx.insertInto('teams').values(row).execute();
      if (agentIds.length > 0)
        await trx
          .insertInto('team_members')
          .values(agentIds.map((agent_id) => ({ team_id: row.id, agent_id })))
          .execute();
    });
  }

  get(id: string): Promise<TeamRow | undefined> {
    return this.db.selectFrom('teams').selectAll().where('id', '=', id).executeTakeFirst();
  }

  list(take: number, cursor: string | undefined): Promise<TeamRow[]> {
    let query = this.db
      .selectFrom('teams')
      .selectAll()
      .orderBy('id', 'desc')
      .limit(take + 1);
    if (cursor !== undefined) query = query.where('id', '<', cursor);
    return query.execute();
  }

  async existing(ids: readonly string[]): Promise<Set<string>> {
    if (ids.length === 0) return new Set();
    const rows = await this.db.selectFrom('teams').select('id').where('id', 'in', ids).execute();
    return new Set(rows.map((row) => row.id));
  }

  async update(id: string, changes: Partial<Pick<TeamRow, 'name' | 'updated_at'>>, agentIds?: readonly string[]): Promise<void> {
    await this.db.transaction().execute(async (trx) => {
      if (Object.keys(changes).length > 0) await trx.updateTable('teams').set(changes).where('id', '=', id).execute();
      if (agentIds !== undefined) {
        await trx.deleteFrom('team_members').where('team_id', '=', id).execute();
        if (agentIds.length > 0)
          await trx
            .insertInto('team_members')
            .values(agentIds.map((agent_id) => ({ team_id: id, agent_id })))
            .execute();
      }
    });
  }

  async delete(id: string): Promise<boolean> {
    const result = await this.db.deleteFrom('teams').where('id', '=', id).executeTakeFirst();
    return result.numDeletedRows > 0n;
  }

  /** Member agent ids of each team. */
  async members(teamIds: readonly string[]): Promise<Map<string, string[]>> {
    const out = new Map<string, string[]>(teamIds.map((id) => [id, []]));
    if (teamIds.length === 0) return out;
    const rows = await this.db.selectFrom('team_members').selectAll().where('team_id', 'in', teamIds).orderBy('agent_id').execute();
    for (const row of rows) out.get(row.team_id)?.push(row.agent_id);
    return out;
  }
}
