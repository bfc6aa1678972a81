import type { Db } from './database.js';
import { newId, nowIso } from './ids.js';
import type { ApiKeysTable } from './schema.js';

export type ApiKeyRow = ApiKeysTable;

export class ApiKeysStore {
  constructor(private readonly db: Db) {}

  async create(name: string, keyHash: string, prefix: string): Promise<ApiKeyRow> {
    const row: ApiKeyRow = { id: newId('key'), name, key_hash: keyHash, prefix, created_at: nowIso(), last_used_at: null };
    await this.db.insertInto('api_keys').values(row).execute();
    return row;
  }

  findByHash(keyHash: string): Promise<ApiKeyRow | undefined> {
    return this.db.selectFrom('api_keys').selectAll().where('key_hash', '=', keyHash).executeTakeFirst();
  }

  async touch(id: string): Promise<void> {
    await this.db.updateTable('api_keys').set({ last_used_at: nowIso() }).where('id', '=', id).execute();
  }

  list(): Promise<ApiKeyRow[]> {
    return this.db.selectFrom('api_keys').selectAll().orderBy('id', 'desc').execute();
  }

  async count(): Promise<number> {
    const row = await this.db
      .selectFrom('api_keys')
      .select((eb) => eb.fn.countAll().as('n'))
      .executeTakeFirstOrThrow();
    return Number(row.n);
  }

  async delete(id: string): Promise<boolean> {
    const result = await this.db.deleteFrom('api_keys').where('id', '=', id).executeTakeFirst();
    return result.numDeletedRows > 0n;
  }
}
