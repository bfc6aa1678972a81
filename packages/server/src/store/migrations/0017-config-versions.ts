import type { Kysely } from 'kysely';

/**
 * Widget configuration versions (issue 21, docs/configuration-versions.md).
 *
 * - `widget_versions`: immutable, one per published state of a widget's own configuration (number 1, 2, …): the
 *   config document (name, description, blueprintId, meta and the own settings, as a create body would hold them),
 *   the blueprint version it was built from, who made it (the audit log's actor fields), when, and a message.
 *   The `widgets` row stays what visitors are served: it is always the newest version's document (`version`).
 * - `widget_drafts`: at most one per widget, the next version being prepared (review before publish); visitors
 *   never see it. Publishing it makes a version and deletes it.
 * - `blueprint_versions`: the same for blueprints (which publish at once: they have no draft). Kept when the
 *   blueprint is deleted, so old widget versions can still show what they inherited.
 *
 * Existing widgets and blueprints get version 1 from their current configuration.
 */
export async function up(db: Kysely<unknown>): Promise<void> {
  await db.schema
    .createTable('widget_versions')
    .addColumn('widget_id', 'text', (c) => c.notNull().references('widgets.id').onDelete('cascade'))
    .addColumn('number', 'integer', (c) => c.notNull())
    .addColumn('document', 'text', (c) => c.notNull())
    .addColumn('blueprint_id', 'text')
    .addColumn('blueprint_version', 'integer')
    .addColumn('author_kind', 'text', (c) => c.notNull())
    .addColumn('author_id', 'text')
    .addColumn('author_name', 'text')
    .addColumn('message', 'text', (c) => c.notNull())
    .addColumn('created_at', 'text', (c) => c.notNull())
    .addPrimaryKeyConstraint('widget_versions_pk', ['widget_id', 'number'])
    .execute();
  await db.schema
    .createTable('widget_drafts')
    .addColumn('widget_id', 'text', (c) => c.primaryKey().references('widgets.id').onDelete('cascade'))
    .addColumn('document', 'text', (c) => c.notNull())
    .addColumn('base_version', 'integer', (c) => c.notNull())
    .addColumn('author_kind', 'text', (c) => c.notNull())
    .addColumn('author_id', 'text')
    .addColumn('author_name', 'text')
    .addColumn('message', 'text', (c) => c.notNull())
    .addColumn('updated_at', 'text', (c) => c.notNull())
    .execute();
  await db.schema
    .createTable('blueprint_versions')
    .addColumn('blueprint_id', 'text', (c) => c.notNull())
    .addColumn('number', 'integer', (c) => c.notNull())
    .addColumn('document', 'text', (c) => c.notNull())
    .addColumn('author_kind', 'text', (c) => c.notNull())
    .addColumn('author_id', 'text')
    .addColumn('author_name', 'text')
    .addColumn('message', 'text', (c) => c.notNull())
    .addColumn('created_at', 'text', (c) => c.notNull())
    .addPrimaryKeyConstraint('blueprint_versions_pk', ['blueprint_id', 'number'])
    .execute();
  await db.schema
    .alterTable('widgets')
    .addColumn('version', 'integer', (c) => c.notNull().defaultTo(0))
    .execute();
  await db.schema
    .alterTable('blueprints')
    .addColumn('version', 'integer', (c) => c.notNull().defaultTo(0))
    .execute();

  const system = { author_kind: 'system', author_id: null, author_name: 'Parley', message: 'The configuration when versions began' };
  const blueprints = (await db
    .selectFrom('blueprints' as never)
    .select(['id', 'name', 'description', 'settings', 'meta', 'updated_at'] as never)
    .execute()) as unknown as ResourceRow[];
  for (const row of blueprints) {
    await db
      .insertInto('blueprint_versions' as never)
      .values({ blueprint_id: row.id, number: 1, document: documentOf(row), created_at: row.updated_at, ...system } as never)
      .execute();
  }
  await db
    .updateTable('blueprints' as never)
    .set({ version: 1 } as never)
    .execute();
  const widgets = (await db
    .selectFrom('widgets' as never)
    .select(['id', 'name', 'description', 'blueprint_id', 'settings', 'meta', 'updated_at'] as never)
    .execute()) as unknown as ResourceRow[];
  for (const row of widgets) {
    const blueprintId = row.blueprint_id ?? null;
    await db
      .insertInto('widget_versions' as never)
      .values({
        widget_id: row.id,
        number: 1,
        document: documentOf(row),
        blueprint_id: blueprintId,
        blueprint_version: blueprintId === null ? null : 1,
        created_at: row.updated_at,
        ...system,
      } as never)
      .execute();
  }
  await db
    .updateTable('widgets' as never)
    .set({ version: 1 } as never)
    .execute();
}

interface ResourceRow {
  readonly id: string;
  readonly name: string;
  readonly description: string;
  readonly blueprint_id?: string | null;
  readonly settings: string;
  readonly meta: string;
  readonly updated_at: string;
}

/** The version document (widgets/config-document.ts): the resource fields, then the own settings. */
function documentOf(row: ResourceRow): string {
  const settings = JSON.parse(row.settings) as Record<string, unknown>;
  const resource: Record<string, unknown> = { name: row.name, description: row.description };
  if (row.blueprint_id !== undefined) resource['blueprintId'] = row.blueprint_id;
  resource['meta'] = JSON.parse(row.meta) as unknown;
  return JSON.stringify({ ...resource, ...settings });
}
