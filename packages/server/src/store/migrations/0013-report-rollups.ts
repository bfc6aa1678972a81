import { SqliteAdapter, sql, type Kysely } from 'kysely';

/**
 * Report rollups (docs/reports.md, "How reports stay fast"). `report_rollups`: per widget ('' = every
 * widget) and UTC hour, the counts and sums the period reports add up — conversations started, resolved by
 * the bot alone, handed over, resolved, reopened; first-response and resolution counts and second sums;
 * ratings per score (by the hour rated); messages, offline emails, widget loads and opens (by the hour they
 * happened). The reports recorder keeps it in the transaction that writes the conversation rows it derives
 * from (taking a row's old contribution away and adding its new one). No reference to a conversation or a
 * person. A conversation's row deleted (the conversation deleted or erased, its widget deleted: the
 * cascade) takes its contribution away (trigger `report_rollups_forget`), so the figures never count a
 * conversation that is gone, as they never did when they were computed from its row.
 *
 * Narrow partial indexes on each duration (per widget and for all widgets) let the median and p90 be read
 * at their rank (ORDER BY … OFFSET) instead of grouping every conversation of the period.
 *
 * Backfilled from report_conversations and report_counts for installations upgrading.
 */
export async function up(db: Kysely<unknown>): Promise<void> {
  const sqlite = db.getExecutor().adapter instanceof SqliteAdapter;
  let table = db.schema
    .createTable('report_rollups')
    .addColumn('widget_id', 'text', (c) => c.notNull())
    .addColumn('hour', 'integer', (c) => c.notNull());
  for (const column of COUNT_COLUMNS) table = table.addColumn(column, 'integer', (c) => c.notNull().defaultTo(0));
  // Sums of seconds: an hour of long conversations passes 2^31.
  for (const column of SUM_COLUMNS) table = table.addColumn(column, 'bigint', (c) => c.notNull().defaultTo(0));
  // SQLite: the rows in key order (a widget's hours side by side), not behind a rowid and a separate key index.
  table = table.addPrimaryKeyConstraint('report_rollups_pk', ['widget_id', 'hour']);
  await (sqlite ? table.modifyEnd(sql`without rowid`) : table).execute();

  // The recorder always writes a business-hours twin with a duration; rows from before it did get the wall clock.
  for (const [wall, business] of [
    ['first_response_s', 'first_response_bh_s'],
    ['resolution_s', 'resolution_bh_s'],
  ] as const) {
    await sql`update report_conversations set ${sql.ref(business)} = ${sql.ref(wall)} where ${sql.ref(business)} is null and ${sql.ref(wall)} is not null`.execute(
      db,
    );
  }
  for (const column of ['first_response_s', 'first_response_bh_s', 'resolution_s', 'resolution_bh_s']) {
    const name = column.replace(/_s$/, '');
    await db.schema
      .createIndex(`report_conversations_${name}_widget`)
      .on('report_conversations')
      .columns(['widget_id', column, 'started_at'])
      .where(sql.ref(column), 'is not', null)
      .execute();
    await db.schema
      .createIndex(`report_conversations_${name}`)
      .on('report_conversations')
      .columns([column, 'started_at'])
      .where(sql.ref(column), 'is not', null)
      .execute();
  }

  await backfill(db);
  await forgetTrigger(db, sqlite);
}

/** 1 when the condition holds of the deleted row, else 0 (both dialects). */
const one = (condition: string): string => `case when ${condition} then 1 else 0 end`;

/** The two statements taking a deleted conversation row's contribution out of its hours (start, rating). */
function forgetStatements(ratedHour: string): string[] {
  const minus = (column: string, value: string): string => `${column} = ${column} - (${value})`;
  const figures: Record<string, string> = {
    conversations: 'true',
    handed: 'old.handoff_at is not null',
    resolved_by_bot: 'old.handoff_at is null and old.resolved_at is not null',
    resolved: 'old.resolved_at is not null',
    reopened: 'old.reopened > 0',
  };
  const started = [
    ...Object.entries(figures).flatMap(([figure, condition]) => [
      minus(figure, one(condition)),
      ...[1, 2, 3].map((q) => minus(`${figure}_q${q}`, one(`${condition} and old.started_bucket % 4 < ${q}`))),
    ]),
    minus('first_responses', one('old.first_response_s is not null')),
    minus('first_response_s', 'coalesce(old.first_response_s, 0)'),
    minus('first_response_bh_s', 'coalesce(old.first_response_bh_s, old.first_response_s, 0)'),
    minus('resolutions', one('old.resolution_s is not null')),
    minus('resolution_s', 'coalesce(old.resolution_s, 0)'),
    minus('resolution_bh_s', 'coalesce(old.resolution_bh_s, old.resolution_s, 0)'),
  ];
  const rated = [
    ...[1, 2, 3, 4, 5].map((score) => minus(`rated_${score}`, one(`old.rating = ${score}`))),
    minus('rated_commented', one('old.rating_commented = 1')),
  ];
  return [
    `update report_rollups set ${started.join(', ')} where widget_id in (old.widget_id, '') and hour = old.started_bucket / 4`,
    `update report_rollups set ${rated.join(', ')} where old.rating is not null and old.rated_at is not null
      and widget_id in (old.widget_id, '') and hour = ${ratedHour}`,
  ];
}

async function forgetTrigger(db: Kysely<unknown>, sqlite: boolean): Promise<void> {
  if (sqlite) {
    const statements = forgetStatements(`cast(strftime('%s', old.rated_at) as integer) / 3600`);
    await sql
      .raw(
        `create trigger report_rollups_forget after delete on report_conversations begin ${statements.map((s) => `${s};`).join(' ')} end`,
      )
      .execute(db);
    return;
  }
  const statements = forgetStatements(`cast(floor(extract(epoch from cast(old.rated_at as timestamptz)) / 3600) as integer)`);
  await sql
    .raw(
      `create function report_rollups_forget() returns trigger language plpgsql set search_path from current as $$ begin ${statements.map((s) => `${s};`).join(' ')} return old; end $$`,
    )
    .execute(db);
  await sql
    .raw('create trigger report_rollups_forget after delete on report_conversations for each row execute function report_rollups_forget()')
    .execute(db);
}

/** The conversation figures again, for those started in the hour's first 15, 30, 45 minutes (a half-hour zone splits hours). */
const STARTED_FIGURES = ['conversations', 'resolved_by_bot', 'handed', 'resolved', 'reopened'];
const QUARTER_COLUMNS = STARTED_FIGURES.flatMap((figure) => [1, 2, 3].map((q) => `${figure}_q${q}`));
const COUNT_COLUMNS = [
  'conversations',
  'resolved_by_bot',
  'handed',
  'resolved',
  'reopened',
  'first_responses',
  'resolutions',
  'rated_1',
  'rated_2',
  'rated_3',
  'rated_4',
  'rated_5',
  'rated_commented',
  ...QUARTER_COLUMNS,
  'visitor_messages',
  'bot_messages',
  'agent_messages',
  'offline_emails',
  'widget_loads',
  'widget_opens',
];
const SUM_COLUMNS = ['first_response_s', 'first_response_bh_s', 'resolution_s', 'resolution_bh_s'] as const;
const EVENT_COLUMNS: Readonly<Record<string, string>> = {
  visitor_message: 'visitor_messages',
  bot_answered: 'bot_messages',
  agent_message: 'agent_messages',
  offline_email_left: 'offline_emails',
  widget_loaded: 'widget_loads',
  widget_opened: 'widget_opens',
};
const HOUR_MS = 3_600_000;
const PAGE = 5000;
const CHUNK = 500;

type Row = Record<string, number | string>;

/**
 * The rollups of what is already recorded, by the same rule as reports/report-rollups.ts (written out here
 * so the migration keeps meaning what it meant when it ran): conversation rows read a page at a time in key
 * order, hourly counts as they are (they already hold '' for all widgets).
 */
async function backfill(db: Kysely<unknown>): Promise<void> {
  const rows = new Map<string, Row>();
  const add = (widgetId: string, hour: number, column: string, n: number, alsoAll: boolean): void => {
    for (const widget of alsoAll ? [widgetId, ''] : [widgetId]) {
      const key = `${widget} ${hour}`;
      let row = rows.get(key);
      if (row === undefined) {
        row = { widget_id: widget, hour };
        for (const c of [...COUNT_COLUMNS, ...SUM_COLUMNS]) row[c] = 0;
        rows.set(key, row);
      }
      row[column] = Number(row[column]) + n;
    }
  };
  let after = '';
  for (;;) {
    const { rows: facts } = await sql<Record<string, string | number | null>>`
      select conversation_id, widget_id, started_bucket, handoff_at, resolved_at, reopened, first_response_s,
        first_response_bh_s, resolution_s, resolution_bh_s, rating, rated_at, rating_commented
      from report_conversations where conversation_id > ${after} order by conversation_id limit ${PAGE}`.execute(db);
    for (const f of facts) {
      const widget = String(f['widget_id']);
      const hour = Math.floor(Number(f['started_bucket']) / 4);
      const quarter = Number(f['started_bucket']) % 4;
      const at = (column: string, n = 1): void => {
        add(widget, hour, column, n, true);
        if (STARTED_FIGURES.includes(column)) for (const q of [1, 2, 3]) if (quarter < q) add(widget, hour, `${column}_q${q}`, n, true);
      };
      at('conversations');
      if (f['handoff_at'] !== null) at('handed');
      else if (f['resolved_at'] !== null) at('resolved_by_bot');
      if (f['resolved_at'] !== null) at('resolved');
      if (Number(f['reopened']) > 0) at('reopened');
      if (f['first_response_s'] !== null) {
        at('first_responses');
        at('first_response_s', Number(f['first_response_s']));
        at('first_response_bh_s', Number(f['first_response_bh_s'] ?? f['first_response_s']));
      }
      if (f['resolution_s'] !== null) {
        at('resolutions');
        at('resolution_s', Number(f['resolution_s']));
        at('resolution_bh_s', Number(f['resolution_bh_s'] ?? f['resolution_s']));
      }
      if (f['rating'] !== null && f['rated_at'] !== null) {
        const ratedHour = Math.floor(Date.parse(String(f['rated_at'])) / HOUR_MS);
        const score = Number(f['rating']);
        if (score >= 1 && score <= 5) add(widget, ratedHour, `rated_${score}`, 1, true);
        if (Number(f['rating_commented']) === 1) add(widget, ratedHour, 'rated_commented', 1, true);
      }
    }
    if (facts.length < PAGE) break;
    after = String(facts.at(-1)?.['conversation_id']);
  }
  const types = Object.keys(EVENT_COLUMNS);
  const { rows: counts } = await sql<{ type: string; widget_id: string; hour: number; n: number }>`
    select type, widget_id, hour, n from report_counts where type in (${sql.join(types)})`.execute(db);
  for (const c of counts) add(c.widget_id, Number(c.hour), EVENT_COLUMNS[c.type] ?? '', Number(c.n), false);

  const all = [...rows.values()];
  for (let i = 0; i < all.length; i += CHUNK) {
    await db
      .insertInto('report_rollups' as never)
      .values(all.slice(i, i + CHUNK) as never)
      .execute();
  }
}
