import type { Db } from './database.js';
import type { BotsTable } from './schema.js';

export type BotRow = BotsTable;

export class BotsStore {
  constructor(private readonly db: Db) {}

  async insert(row: BotRow): Promise<void> {
    await this.db.insertInto('bots').values(row).execute();
  }

  get(id: string): Promise<BotRow | undefined> {
    return this.db.selectFrom('bots').selectAll().where('id', '=', id).executeTakeFirst();
  }

  list(take: number, cursor: string | undefined): Promise<BotRow[]> {
    let q = this.db.selectFrom('bots').selectAll();
    if (cursor !== undefined) q = q.where('id', '<', cursor);
    return q
      .orderBy('id', 'desc')
      .limit(take + 1)
      .execute();
  }

  async update(id: string, changes: Partial<Omit<BotRow, 'id' | 'kind' | 'created_at'>>): Promise<void> {
    await this.db.updateTable('bots').set(changes).where('id', '=', id).execute();
  }

  async delete(id: string): Promise<boolean> {
    const result = await this.db.deleteFrom('bots').where('id', '=', id).executeTakeFirst();
    return result.numDeletedRows > 0n;
  }
}
