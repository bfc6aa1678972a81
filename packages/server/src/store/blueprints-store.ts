import type { Db } from './database.js';
import type { BlueprintsTable } from './schema.js';

export type BlueprintRow = BlueprintsTable;

export class BlueprintsStore {
  constructor(private readonly db: Db) {}

  async insert(row: BlueprintRow): Promise<void> {
    await this.db.insertInto('blueprints').values(row).execute();
  }

  get(id: string): Promise<BlueprintRow | undefined> {
    return this.db.selectFrom('blueprints').selectAll().where('id', '=', id).executeTakeFirst();
  }

  getMany(ids: readonly string[]): Promise<BlueprintRow[]> {
    if (ids.length === 0) return Promise.resolve([]);
    return this.db.selectFrom('blueprints').selectAll().where('id', 'in', ids).execute();
  }

  list(take: number, cursor: string | undefined): Promise<BlueprintRow[]> {
    let q = this.db.selectFrom('blueprints').selectAll();
    if (cursor !== undefined) q = q.where('id', '<', cursor);
    return q
      .orderBy('id', 'desc')
      .limit(take + 1)
      .execute();
  }

  async update(id: string, changes: Partial<Omit<BlueprintRow, 'id' | 'created_at'>>): Promise<void> {
    await this.db.updateTable('blueprints').set(changes).where('id', '=', id).execute();
  }

  async delete(id: string): Promise<boolean> {
    const result = await this.db.deleteFrom('blueprints').where('id', '=', id).executeTakeFirst();
    return result.numDeletedRows > 0n;
  }

  async countByBot(botId: string): Promise<number> {
    const row = await this.db
      .selectFrom('blueprints')
      .select((eb) => eb.fn.countAll().as('n'))
      .where('bot_id', '=', botId)
      .executeTakeFirstOrThrow();
    return Number(row.n);
  }
}
