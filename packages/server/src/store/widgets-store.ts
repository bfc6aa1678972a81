import type { Db } from './database.js';
import { nowIso } from './ids.js';
import type { WidgetDraftsTable, WidgetsTable, WidgetSetupsTable, WidgetVersionsTable } from './schema.js';

export type WidgetRow = WidgetsTable;
export type WidgetSetupRow = WidgetSetupsTable;
export type WidgetVersionRow = WidgetVersionsTable;
export type WidgetDraftRow = WidgetDraftsTable;
/** A version to record with a change: its number is the widget row's new `version`. */
export type NewWidgetVersion = Omit<WidgetVersionRow, 'widget_id' | 'number'>;
/** More writes for a change's transaction, such as its audit entry (AuditLog.record(entry, trx)). */
export type WithinTransaction = (trx: Db) => Promise<void>;

export interface WidgetListQuery {
  readonly take: number;
  readonly cursor: string | undefined;
  readonly blueprintId: string | undefined;
  readonly meta: ReadonlyArray<readonly [string, string]>;
}

/** Widget rows, their meta index and their language maps. Multi-row writes are one transaction. */
export class WidgetsStore {
  constructor(private readonly db: Db) {}

  /** A new widget and its version `row.version` (1), in one transaction (`within` runs in it too: an audit entry). */
  async insert(
    row: WidgetRow,
    meta: Readonly<Record<string, string>>,
    version: NewWidgetVersion,
    within?: WithinTransaction,
  ): Promise<void> {
    await this.db.transaction().execute(async (trx) => {
      await trx.insertInto('widgets').values(row).execute();
      await insertMeta(trx, row.id, meta);
      await trx
        .insertInto('widget_versions')
        .values({ ...version, widget_id: row.id, number: row.version })
        .execute();
      await within?.(trx);
    });
  }

  get(id: string): Promise<WidgetRow | undefined> {
    return this.db.selectFrom('widgets').selectAll().where('id', '=', id).executeTakeFirst();
  }

  /** Widgets with exactly this name, oldest first, at most `take`. */
  byName(name: string, take: number): Promise<WidgetRow[]> {
    return this.db.selectFrom('widgets').selectAll().where('name', '=', name).orderBy('id', 'asc').limit(take).execute();
  }

  /** The first widget created (ids are time-ordered): the demo widget of the first start, unless deleted. */
  oldest(): Promise<WidgetRow | undefined> {
    return this.db.selectFrom('widgets').selectAll().orderBy('id', 'asc').limit(1).executeTakeFirst();
  }

  list(query: WidgetListQuery): Promise<WidgetRow[]> {
    let q = this.db.selectFrom('widgets').selectAll('widgets');
    if (query.blueprintId !== undefined) q = q.where('widgets.blueprint_id', '=', query.blueprintId);
    if (query.cursor !== undefined) q = q.where('widgets.id', '<', query.cursor);
    for (const [key, value] of query.meta) {
      q = q.where((eb) =>
        eb.exists(
          eb
            .selectFrom('widget_meta')
            .select('widget_meta.widget_id')
            .whereRef('widget_meta.widget_id', '=', 'widgets.id')
            .where('widget_meta.key', '=', key)
            .where('widget_meta.value', '=', value),
        ),
      );
    }
    return q
      .orderBy('widgets.id', 'desc')
      .limit(query.take + 1)
      .execute();
  }

  /**
   * Publishes a change of the widget's configuration: the row takes `changes` and the next version number, and
   * `version` is recorded under that number, in one transaction (the UPDATE locks the row, so concurrent
   * publishes of one widget number their versions one after the other). `clearDraft` deletes the draft too.
   * Answers the new number, or undefined when the widget does not exist.
   */
  async publish(
    id: string,
    changes: Partial<Omit<WidgetRow, 'id' | 'created_at' | 'version'>>,
    meta: Readonly<Record<string, string>> | undefined,
    version: NewWidgetVersion,
    clearDraft: boolean,
    /** Runs in the same transaction (an audit entry: the change and its record commit together). */
    within?: WithinTransaction,
  ): Promise<number | undefined> {
    return this.db.transaction().execute(async (trx) => {
      const updated = await trx
        .updateTable('widgets')
        .set((eb) => ({ ...changes, version: eb('version', '+', 1) }))
        .where('id', '=', id)
        .returning('version')
        .executeTakeFirst();
      if (updated === undefined) return undefined;
      const number = Number(updated.version);
      await trx
        .insertInto('widget_versions')
        .values({ ...version, widget_id: id, number })
        .execute();
      if (meta !== undefined) {
        await trx.deleteFrom('widget_meta').where('widget_id', '=', id).execute();
        await insertMeta(trx, id, meta);
      }
      if (clearDraft) await trx.deleteFrom('widget_drafts').where('widget_id', '=', id).execute();
      await within?.(trx);
      return number;
    });
  }

  /** Newest first; `before` is the number of the last version of the previous page. */
  versions(widgetId: string, take: number, before: number | undefined): Promise<WidgetVersionRow[]> {
    let q = this.db.selectFrom('widget_versions').selectAll().where('widget_id', '=', widgetId);
    if (before !== undefined) q = q.where('number', '<', before);
    return q
      .orderBy('number', 'desc')
      .limit(take + 1)
      .execute();
  }

  version(widgetId: string, number: number): Promise<WidgetVersionRow | undefined> {
    return this.db
      .selectFrom('widget_versions')
      .selectAll()
      .where('widget_id', '=', widgetId)
      .where('number', '=', number)
      .executeTakeFirst();
  }

  draft(widgetId: string): Promise<WidgetDraftRow | undefined> {
    return this.db.selectFrom('widget_drafts').selectAll().where('widget_id', '=', widgetId).executeTakeFirst();
  }

  drafts(widgetIds: readonly string[]): Promise<WidgetDraftRow[]> {
    if (widgetIds.length === 0) return Promise.resolve([]);
    return this.db.selectFrom('widget_drafts').selectAll().where('widget_id', 'in', widgetIds).execute();
  }

  /**
   * Writes the widget's one draft. Replacing the one there keeps its `base_version`: a draft stays based on the
   * version it was started from (`row.base_version` only counts for a new draft).
   */
  async putDraft(row: WidgetDraftRow): Promise<void> {
    const { widget_id: _, base_version: _kept, ...rest } = row;
    await this.db
      .insertInto('widget_drafts')
      .values(row)
      .onConflict((oc) => oc.column('widget_id').doUpdateSet(rest))
      .execute();
  }

  async deleteDraft(widgetId: string): Promise<boolean> {
    const result = await this.db.deleteFrom('widget_drafts').where('widget_id', '=', widgetId).executeTakeFirst();
    return result.numDeletedRows > 0n;
  }

  /** A change that is no configuration (the identity secret): no version. `meta` replaces the whole meta map when given. */
  async update(id: string, changes: Partial<Omit<WidgetRow, 'id' | 'created_at'>>, meta?: Readonly<Record<string, string>>): Promise<void> {
    await this.db.transaction().execute(async (trx) => {
      await trx.updateTable('widgets').set(changes).where('id', '=', id).execute();
      if (meta !== undefined) {
        await trx.deleteFrom('widget_meta').where('widget_id', '=', id).execute();
        await insertMeta(trx, id, meta);
      }
    });
  }

  /** Cascades to meta, language maps and setup state; conversations stay (they keep the widget id as data). */
  async delete(id: string): Promise<boolean> {
    const result = await this.db.deleteFrom('widgets').where('id', '=', id).executeTakeFirst();
    return result.numDeletedRows > 0n;
  }

  async countByBlueprint(blueprintId: string): Promise<number> {
    const row = await this.db
      .selectFrom('widgets')
      .select((eb) => eb.fn.countAll().as('n'))
      .where('blueprint_id', '=', blueprintId)
      .executeTakeFirstOrThrow();
    return Number(row.n);
  }

  async countByBot(botId: string): Promise<number> {
    const row = await this.db
      .selectFrom('widgets')
      .select((eb) => eb.fn.countAll().as('n'))
      .where('bot_id', '=', botId)
      .executeTakeFirstOrThrow();
    return Number(row.n);
  }

  // ---- language maps and setup -------------------------------------------------------------

  async languageMap(widgetId: string, language: string): Promise<string | undefined> {
    const row = await this.db
      .selectFrom('widget_language_maps')
      .select('strings')
      .where('widget_id', '=', widgetId)
      .where('language', '=', language)
      .executeTakeFirst();
    return row?.strings;
  }

  async languageMaps(widgetId: string): Promise<{ language: string; strings: string }[]> {
    return this.db.selectFrom('widget_language_maps').select(['language', 'strings']).where('widget_id', '=', widgetId).execute();
  }

  setups(widgetIds: readonly string[]): Promise<WidgetSetupRow[]> {
    if (widgetIds.length === 0) return Promise.resolve([]);
    return this.db.selectFrom('widget_setups').selectAll().where('widget_id', 'in', widgetIds).execute();
  }

  /** A clone starts with the source's language maps and finished setup state, so it is ready at once. */
  async insertClone(row: WidgetRow, meta: Readonly<Record<string, string>>, sourceId: string, version: NewWidgetVersion): Promise<void> {
    await this.db.transaction().execute(async (trx) => {
      await trx.insertInto('widgets').values(row).execute();
      await insertMeta(trx, row.id, meta);
      await trx
        .insertInto('widget_versions')
        .values({ ...version, widget_id: row.id, number: row.version })
        .execute();
      const maps = await trx.selectFrom('widget_language_maps').selectAll().where('widget_id', '=', sourceId).execute();
      if (maps.length > 0)
        await trx
          .insertInto('widget_language_maps')
          .values(maps.map((m) => ({ ...m, widget_id: row.id })))
          .execute();
      const setup = await trx.selectFrom('widget_setups').selectAll().where('widget_id', '=', sourceId).executeTakeFirst();
      // A run still in progress belongs to the source and will never complete the clone's state, so
      // the clone then starts as never set up (the running run has already cleared the source's maps).
      if (setup?.state === 'done')
        await trx
          .insertInto('widget_setups')
          .values({ ...setup, widget_id: row.id, generation: 1 })
          .execute();
    });
  }

  setup(widgetId: string): Promise<WidgetSetupRow | undefined> {
    return this.db.selectFrom('widget_setups').selectAll().where('widget_id', '=', widgetId).executeTakeFirst();
  }

  /**
   * Starts a setup run: clears the old language map and bumps the generation, in one transaction.
   * A run only writes while its generation is current, so a newer setup always wins over an older one.
   * Insert-if-missing then increment, rather than read-then-write: the UPDATE locks the row, so
   * concurrent starts for one widget queue up and each gets its own generation instead of colliding.
   */
  async beginSetup(widgetId: string, languages: readonly string[]): Promise<number> {
    return this.db.transaction().execute(async (trx) => {
      const fresh = { state: 'running', languages: JSON.stringify(languages), failures: '[]', started_at: nowIso(), completed_at: null };
      await trx
        .insertInto('widget_setups')
        .values({ widget_id: widgetId, generation: 0, ...fresh })
        .onConflict((oc) => oc.column('widget_id').doNothing())
        .execute();
      const { generation } = await trx
        .updateTable('widget_setups')
        .set((eb) => ({ ...fresh, generation: eb('generation', '+', 1) }))
        .where('widget_id', '=', widgetId)
        .returning('generation')
        .executeTakeFirstOrThrow();
      await trx.deleteFrom('widget_language_maps').where('widget_id', '=', widgetId).execute();
      return Number(generation);
    });
  }

  /**
   * Stores a finished run's maps and failures; returns false (writing nothing) if a newer run started.
   * The conditional UPDATE comes first: it locks the setup row, so no newer run can start between
   * the generation check and the writes.
   */
  async completeSetup(
    widgetId: string,
    generation: number,
    maps: ReadonlyArray<{ language: string; strings: string }>,
    failures: string,
  ): Promise<boolean> {
    return this.db.transaction().execute(async (trx) => {
      const now = nowIso();
      const done = await trx
        .updateTable('widget_setups')
        .set({ state: 'done', failures, completed_at: now })
        .where('widget_id', '=', widgetId)
        .where('generation', '=', generation)
        .executeTakeFirst();
      if (done.numUpdatedRows === 0n) return false;
      await trx.deleteFrom('widget_language_maps').where('widget_id', '=', widgetId).execute();
      if (maps.length > 0) {
        await trx
          .insertInto('widget_language_maps')
          .values(maps.map((m) => ({ widget_id: widgetId, language: m.language, strings: m.strings, updated_at: now })))
          .execute();
      }
      return true;
    });
  }
}

async function insertMeta(trx: Db, widgetId: string, meta: Readonly<Record<string, string>>): Promise<void> {
  const rows = Object.entries(meta).map(([key, value]) => ({ widget_id: widgetId, key, value }));
  if (rows.length > 0) await trx.insertInto('widget_meta').values(rows).execute();
}
