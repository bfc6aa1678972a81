import { sql } from 'kysely';
import type { Db } from '../store/database.js';
import type { ReportConversationsTable, ReportRollupsTable } from '../store/schema.js';

const HOUR_MS = 3_600_000;
/** report_conversations.started_bucket counts quarter-hours. */
const QUARTERS_PER_HOUR = 4;

/**
 * What a conversation's row adds to the hourly rollups (migration 0013): counts and sums only, so any set
 * of conversations' figures is the sum of their rows. Keyed by the hour the conversation started
 * (conversation figures) and the hour it was last rated (ratings). `<figure>_q1`, `_q2`, `_q3`: the same
 * figure for the conversations that started in the hour's first 15, 30, 45 minutes, so a zone whose offset
 * is not whole hours can split each hour at its own local hour boundary.
 */
export const FACT_COLUMNS = [
  'conversations',
  'resolved_by_bot',
  'handed',
  'resolved',
  'reopened',
  'first_responses',
  'first_response_s',
  'first_response_bh_s',
  'resolutions',
  'resolution_s',
  'resolution_bh_s',
  'rated_1',
  'rated_2',
  'rated_3',
  'rated_4',
  'rated_5',
  'rated_commented',
  ...(['conversations', 'resolved_by_bot', 'handed', 'resolved', 'reopened'] as const).flatMap(
    (figure) => [`${figure}_q1`, `${figure}_q2`, `${figure}_q3`] as const,
  ),
] as const;

const STARTED_FIGURES = ['conversations', 'resolved_by_bot', 'handed', 'resolved', 'reopened'] as const;

/** Events counted per hour they happened, and the rollup column each adds to. */
export const EVENT_COLUMNS = {
  visitor_message: 'visitor_messages',
  bot_answered: 'bot_messages',
  agent_message: 'agent_messages',
  offline_email_left: 'offline_emails',
  widget_loaded: 'widget_loads',
  widget_opened: 'widget_opens',
} as const;

export type RollupColumn = (typeof FACT_COLUMNS)[number] | (typeof EVENT_COLUMNS)[keyof typeof EVENT_COLUMNS];
export const ROLLUP_COLUMNS: readonly RollupColumn[] = [...FACT_COLUMNS, ...Object.values(EVENT_COLUMNS)];

/** The fields of a conversation's row the rollups read (a stored row, or one being written). */
export type FactFigures = Pick<
  ReportConversationsTable,
  | 'widget_id'
  | 'started_bucket'
  | 'handoff_at'
  | 'resolved_at'
  | 'first_response_s'
  | 'first_response_bh_s'
  | 'resolution_s'
  | 'resolution_bh_s'
  | 'rating'
  | 'rated_at'
> & { reopened: number | string; rating_commented: number | string };

/** The hours (since the epoch, UTC) a conversation's row counts in, and what it adds to each. */
export function contributionOf(fact: FactFigures): { hour: number; values: Partial<Record<RollupColumn, number>> }[] {
  const started: Partial<Record<RollupColumn, number>> = { conversations: 1 };
  if (fact.handoff_at !== null) started.handed = 1;
  else if (fact.resolved_at !== null) started.resolved_by_bot = 1;
  if (fact.resolved_at !== null) started.resolved = 1;
  if (Number(fact.reopened) > 0) started.reopened = 1;
  if (fact.first_response_s !== null) {
    started.first_responses = 1;
    started.first_response_s = Number(fact.first_response_s);
    started.first_response_bh_s = Number(fact.first_response_bh_s ?? fact.first_response_s);
  }
  if (fact.resolution_s !== null) {
    started.resolutions = 1;
    started.resolution_s = Number(fact.resolution_s);
    started.resolution_bh_s = Number(fact.resolution_bh_s ?? fact.resolution_s);
  }
  const quarter = Number(fact.started_bucket) % QUARTERS_PER_HOUR;
  for (const figure of STARTED_FIGURES) {
    if (started[figure] === undefined) continue;
    for (const q of [1, 2, 3] as const) if (quarter < q) started[`${figure}_q${q}`] = 1;
  }
  const out = [{ hour: Math.floor(Number(fact.started_bucket) / QUARTERS_PER_HOUR), values: started }];
  if (fact.rating !== null && fact.rated_at !== null) {
    const rated: Partial<Record<RollupColumn, number>> = {};
    const score = Number(fact.rating);
    if (score >= 1 && score <= 5) rated[`rated_${score as 1 | 2 | 3 | 4 | 5}`] = 1;
    if (Number(fact.rating_commented) === 1) rated.rated_commented = 1;
    out.push({ hour: Math.floor(Date.parse(fact.rated_at) / HOUR_MS), values: rated });
  }
  return out;
}

export type RollupRow = Pick<ReportRollupsTable, 'widget_id' | 'hour'> & Record<RollupColumn, number>;

/** Changes to the rollups, per widget ('' = all widgets) and hour, added up before they are written. */
export class RollupDeltas {
  private readonly rows = new Map<string, RollupRow>();

  /** `sign` 1 adds the conversation's row, -1 takes it away (its previous state, before an update). */
  addFact(fact: FactFigures, sign: 1 | -1): void {
    for (const { hour, values } of contributionOf(fact)) {
      for (const [column, n] of Object.entries(values) as [RollupColumn, number][]) this.add(fact.widget_id, hour, column, sign * n);
    }
  }

  addEvent(type: string, widgetId: string, at: string, n = 1): void {
    const column = (EVENT_COLUMNS as Record<string, RollupColumn | undefined>)[type];
    if (column !== undefined) this.add(widgetId, Math.floor(Date.parse(at) / HOUR_MS), column, n);
  }

  /**
   * The rows with a change (a fact updated back and forth within a batch leaves none), in key order: every
   * node locks the rows it adds to in the same order, so two batches wait for each other, never deadlock.
   */
  changed(): RollupRow[] {
    return [...this.rows.values()]
      .filter((row) => ROLLUP_COLUMNS.some((column) => row[column] !== 0))
      .sort((a, b) => (a.widget_id === b.widget_id ? a.hour - b.hour : a.widget_id < b.widget_id ? -1 : 1));
  }

  private add(widgetId: string, hour: number, column: RollupColumn, n: number): void {
    if (n === 0) return;
    for (const widget of [widgetId, '']) {
      const key = `${widget} ${hour}`;
      let row = this.rows.get(key);
      if (row === undefined) {
        row = { widget_id: widget, hour, ...zeros() };
        this.rows.set(key, row);
      }
      row[column] += n;
    }
  }
}

const zeros = (): Record<RollupColumn, number> => Object.fromEntries(ROLLUP_COLUMNS.map((c) => [c, 0])) as Record<RollupColumn, number>;

/** Rows per statement: 25 columns each, under SQLite's 32,766 parameters. */
const CHUNK = 500;

/** Adds the changes to the stored rollups (a row missing is created). Call inside the transaction writing the facts. */
export async function writeRollups(db: Db, deltas: RollupDeltas): Promise<void> {
  const rows = deltas.changed();
  for (let i = 0; i < rows.length; i += CHUNK) {
    await db
      .insertInto('report_rollups')
      .values(rows.slice(i, i + CHUNK))
      .onConflict((oc) =>
        oc
          .columns(['widget_id', 'hour'])
          .doUpdateSet(
            Object.fromEntries(ROLLUP_COLUMNS.map((c) => [c, sql`${sql.ref(`report_rollups.${c}`)} + ${sql.ref(`excluded.${c}`)}`])),
          ),
      )
      .execute();
  }
}
