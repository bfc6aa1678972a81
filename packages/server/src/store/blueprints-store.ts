import type { Db } from './database.js';
import type { BlueprintsTable, BlueprintVersionsTable } from './schema.js';
import type { WithinTransaction } from './widgets-store.js';

export type BlueprintRow = BlueprintsTable;
export type BlueprintVersionRow = BlueprintVersionsTable;
export type NewBlueprintVersion = Omit<BlueprintVersionRow, 'blueprint_id' | 'number'>;

export class BlueprintsStore {
  constructor(private readonly db: Db) {}

  /** A new blueprint and its version `row.version` (1), in one transaction. */
  async insert(row: BlueprintRow, version: NewBlueprintVersion, within?: WithinTransaction): Promise<void> {
    await this.db.transaction().execute(async (trx) => {
      await trx.insertInto('blueprints').values(row).execute();
      await trx
        .insertInto('blueprint_versions')
        .values({ ...version, blueprint_id: row.id, number: row.version })
        .execute();
      await within?.(trx);
    });
  }

  get(id: string): Promise<BlueprintRow | undefined> {
    return this.db.selectFrom('blueprints').selectAll().where('id', '=', id).executeTakeFirst();
  }

  getMany(ids: readonly string[]): Promise<BlueprintRow[]> {
    if (ids.length === 0) return Promise.resolve([]);
    return this.db.selectFrom('blueprints').selectAll().where('id', 'in', ids).execute();
  }

  /** Blueprints with exactly this name, oldest first, at most `take`. */
  byName(name: string, take: number): Promise<BlueprintRow[]> {
    return this.db.selectFrom('blueprints').selectAll().where('name', '=', name).orderBy('id', 'asc').limit(take).execute();
  }

  list(take: number, cursor: string | undefined): Promise<BlueprintRow[]> {
    let q = this.db.selectFrom('blueprints').selectAll();
    if (cursor !== undefined) q = q.where('id', '<', cursor);
    return q
      .orderBy('id', 'desc')
      .limit(take + 1)
      .execute();
  }

  /** The change and its version (the row's next `version`), in one transaction; answers the number. */
  async update(
    id: string,
    changes: Partial<Omit<BlueprintRow, 'id' | 'created_at' | 'version'>>,
    version: NewBlueprintVersion,
    within?: WithinTransaction,
  ): Promise<number | undefined> {
    return this.db.transaction().execute(async (trx) => {
      const updated = await trx
        .updateTable('blueprints')
        .set((eb) => ({ ...changes, version: eb('version', '+', 1) }))
        .where('id', '=', id)
        .returning('version')
        .executeTakeFirst();
      if (updated === undefined) return undefined;
      const number = Number(updated.version);
      await trx
        .insertInto('blueprint_versions')
        .values({ ...version, blueprint_id: id, number })
        .execute();
      await within?.(trx);
      return number;
    });
  }

  /** Newest first; `before` is the number of the last version of the previous page. */
  versions(blueprintId: string, take: number, before: number | undefined): Promise<BlueprintVersionRow[]> {
    let q = this.db.selectFrom('blueprint_versions').selectAll().where('blueprint_id', '=', blueprintId);
    if (before !== undefined) q = q.where('number', '<', before);
    return q
      .orderBy('number', 'desc')
      .limit(take + 1)
      .execute();
  }

  version(blueprintId: string, number: number): Promise<BlueprintVersionRow | undefined> {
    return this.db
      .selectFrom('blueprint_versions')
      .selectAll()
      .where('blueprint_id', '=', blueprintId)
      .where('number', '=', number)
      .executeTakeFirst();
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
