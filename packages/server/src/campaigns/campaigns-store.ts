import { sql } from 'kysely';
import type { Campaign, CampaignBeaconEventType, CampaignDefinition, CampaignReportRow } from '@parley/protocol';
import type { Db } from '../store/database.js';
import type { CampaignsTable } from '../store/schema.js';

/** Shown/opened/replied totals of one campaign over a period: the report's row before its reply rate. */
export type CampaignCountsRow = Omit<CampaignReportRow, 'replyRate'>;

const COUNT_COLUMN = { campaign_shown: 'shown', campaign_opened: 'opened', campaign_replied: 'replied' } as const;

/** The `campaigns` and `campaign_counts` tables (migration 0016): one query set for SQLite and PostgreSQL. */
export class CampaignsStore {
  constructor(private readonly db: Db) {}

  async list(widgetId: string): Promise<Campaign[]> {
    const rows = await this.db
      .selectFrom('campaigns')
      .selectAll()
      .where('widget_id', '=', widgetId)
      .orderBy('priority', 'desc')
      .orderBy('id')
      .execute();
    return rows.map(toCampaign);
  }

  async get(widgetId: string, id: string): Promise<Campaign | undefined> {
    const row = await this.db.selectFrom('campaigns').selectAll().where('widget_id', '=', widgetId).where('id', '=', id).executeTakeFirst();
    return row === undefined ? undefined : toCampaign(row);
  }

  /** The enabled campaigns whose schedule holds `now` (ISO), highest priority first: what the public config carries. */
  async live(widgetId: string, now: string): Promise<Campaign[]> {
    const rows = await this.db
      .selectFrom('campaigns')
      .selectAll()
      .where('widget_id', '=', widgetId)
      .where('enabled', '=', 1)
      .where((eb) => eb.or([eb('starts_at', 'is', null), eb('starts_at', '<=', now)]))
      .where((eb) => eb.or([eb('ends_at', 'is', null), eb('ends_at', '>', now)]))
      .orderBy('priority', 'desc')
      .orderBy('id')
      .execute();
    return rows.map(toCampaign);
  }

  async insert(row: CampaignsTable): Promise<void> {
    await this.db.insertInto('campaigns').values(row).execute();
  }

  async update(id: string, changes: Omit<CampaignsTable, 'id' | 'widget_id' | 'created_at'>): Promise<void> {
    await this.db.updateTable('campaigns').set(changes).where('id', '=', id).execute();
  }

  async delete(widgetId: string, id: string): Promise<boolean> {
    // Counts go with their campaign (the foreign key cascades; deleted here too for SQLite files opened without it).
    return this.db.transaction().execute(async (trx) => {
      await trx.deleteFrom('campaign_counts').where('campaign_id', '=', id).execute();
      const result = await trx.deleteFrom('campaigns').where('widget_id', '=', widgetId).where('id', '=', id).executeTakeFirst();
      return result.numDeletedRows > 0n;
    });
  }

  /**
   * One more shown, opened or replied in the hour of `at` (UTC, `YYYY-MM-DDTHH`), in one statement that also checks
   * the campaign is the widget's: false (nothing written) when it is not.
   */
  async count(widgetId: string, campaignId: string, type: CampaignBeaconEventType, at: Date): Promise<boolean> {
    const column = COUNT_COLUMN[type];
    const hour = at.toISOString().slice(0, 13);
    const one = (name: string) => sql<number>`${sql.lit(name === column ? 1 : 0)}`.as(name);
    const result = await this.db
      .insertInto('campaign_counts')
      .columns(['campaign_id', 'hour', 'widget_id', 'shown', 'opened', 'replied'])
      .expression((eb) =>
        eb
          .selectFrom('campaigns')
          .select(['id', sql<string>`${hour}`.as('hour'), 'widget_id', one('shown'), one('opened'), one('replied')])
          .where('widget_id', '=', widgetId)
          .where('id', '=', campaignId),
      )
      .onConflict((oc) => oc.columns(['campaign_id', 'hour']).doUpdateSet({ [column]: sql`campaign_counts.${sql.ref(column)} + 1` }))
      .executeTakeFirst();
    return result.numInsertedOrUpdatedRows !== undefined && result.numInsertedOrUpdatedRows > 0n;
  }

  /**
   * Totals per campaign over the UTC hours [fromHour, toHour) (`YYYY-MM-DDTHH`), every campaign of the widget
   * (or of every widget) listed, those never shown included, highest total shown first.
   */
  async totals(widgetId: string | null, fromHour: string, toHour: string): Promise<CampaignCountsRow[]> {
    let query = this.db
      .selectFrom('campaigns as c')
      .leftJoin('campaign_counts as n', (join) =>
        join.onRef('n.campaign_id', '=', 'c.id').on('n.hour', '>=', fromHour).on('n.hour', '<', toHour),
      )
      .select((eb) => [
        'c.id as campaignId',
        'c.widget_id as widgetId',
        'c.name as name',
        eb.fn.coalesce(eb.fn.sum<number>('n.shown'), sql<number>`0`).as('shown'),
        eb.fn.coalesce(eb.fn.sum<number>('n.opened'), sql<number>`0`).as('opened'),
        eb.fn.coalesce(eb.fn.sum<number>('n.replied'), sql<number>`0`).as('replied'),
      ])
      .groupBy(['c.id', 'c.widget_id', 'c.name']);
    if (widgetId !== null) query = query.where('c.widget_id', '=', widgetId);
    const rows = await query.orderBy('c.id').execute();
    // PostgreSQL answers sums of integers as bigint strings.
    return rows
      .map((r) => ({ ...r, shown: Number(r.shown), opened: Number(r.opened), replied: Number(r.replied) }))
      .sort((a, b) => b.shown - a.shown || a.campaignId.localeCompare(b.campaignId));
  }
}

function toCampaign(row: CampaignsTable): Campaign {
  // Written by the service from a parsed CampaignCreate; nothing else writes the column.
  const definition = JSON.parse(row.definition) as CampaignDefinition;
  return {
    id: row.id,
    object: 'campaign',
    widgetId: row.widget_id,
    name: row.name,
    enabled: row.enabled === 1,
    priority: row.priority,
    startsAt: row.starts_at,
    endsAt: row.ends_at,
    message: definition.message,
    display: definition.display,
    sender: definition.sender,
    trigger: definition.trigger,
    pages: definition.pages,
    audience: definition.audience,
    cap: definition.cap,
    createdAt: row.created_at,
    updatedAt: row.updated_at,
  };
}
