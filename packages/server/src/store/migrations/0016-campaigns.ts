import type { Kysely } from 'kysely';

/**
 * Proactive messages (issue 20, docs/campaigns.md).
 *
 * - `campaigns`: one per proactive message of a widget. The columns the server filters on (widget, enabled,
 *   schedule, priority) are columns; the rest (message, sender, trigger, audience, frequency cap) is one JSON
 *   `definition` validated by the protocol's schema on the way in. Campaigns are not part of a widget's settings
 *   (nor of its versions): editing one never touches the widget row.
 * - `campaign_counts`: how many times each campaign was shown, opened and replied to, per UTC hour (the widget's
 *   beacons, `POST /v1/widgets/{id}/events`); no visitor is referenced. Deleting a campaign removes its counts.
 */
export async function up(db: Kysely<unknown>): Promise<void> {
  await db.schema
    .createTable('campaigns')
    .addColumn('id', 'text', (c) => c.primaryKey())
    .addColumn('widget_id', 'text', (c) => c.notNull().references('widgets.id').onDelete('cascade'))
    .addColumn('name', 'text', (c) => c.notNull())
    .addColumn('enabled', 'integer', (c) => c.notNull())
    .addColumn('priority', 'integer', (c) => c.notNull())
    .addColumn('starts_at', 'text')
    .addColumn('ends_at', 'text')
    .addColumn('definition', 'text', (c) => c.notNull())
    .addColumn('created_at', 'text', (c) => c.notNull())
    .addColumn('updated_at', 'text', (c) => c.notNull())
    .execute();
  await db.schema.createIndex('campaigns_widget').on('campaigns').columns(['widget_id', 'priority']).execute();

  await db.schema
    .createTable('campaign_counts')
    .addColumn('campaign_id', 'text', (c) => c.notNull().references('campaigns.id').onDelete('cascade'))
    .addColumn('hour', 'text', (c) => c.notNull())
    .addColumn('widget_id', 'text', (c) => c.notNull())
    .addColumn('shown', 'integer', (c) => c.notNull().defaultTo(0))
    .addColumn('opened', 'integer', (c) => c.notNull().defaultTo(0))
    .addColumn('replied', 'integer', (c) => c.notNull().defaultTo(0))
    .addPrimaryKeyConstraint('campaign_counts_pk', ['campaign_id', 'hour'])
    .execute();
  await db.schema.createIndex('campaign_counts_widget_hour').on('campaign_counts').columns(['widget_id', 'hour']).execute();
}
