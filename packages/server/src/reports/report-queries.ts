import { sql, type RawBuilder, type SelectQueryBuilder } from 'kysely';
import {
  ABANDONED_AFTER_MINUTES,
  type BusiestHoursReport,
  type CsatComment,
  type CsatReport,
  type DurationPair,
  type DurationStat,
  type ReportDay,
  type ResponseTimesReport,
  type SummaryReport,
  type UnansweredConversation,
} from '@parley/protocol';
import type { Database } from '../store/schema.js';
import type { Db } from '../store/database.js';
import { decodeTimeCursor, encodeTimeCursor } from '../store/pagination.js';
import { QUARTER_HOUR_MS, type ResolvedPeriod } from './report-period.js';
import { EVENT_COLUMNS, type RollupColumn } from './report-rollups.js';

const HOUR_MS = 3_600_000;
const MESSAGE_TYPES = ['visitor_message', 'bot_answered', 'agent_message'] as const;
const COUNTED_TYPES = [...MESSAGE_TYPES, 'offline_email_left', 'widget_loaded', 'widget_opened'] as const;
/** The rollups' column of each of COUNTED_TYPES, in its order. */
const COUNTED_COLUMNS = COUNTED_TYPES.map((type) => EVENT_COLUMNS[type]);
const CONVERSATION_FIGURES = ['conversations', 'resolved_by_bot', 'handed', 'resolved', 'reopened'] as const;

export interface ReportScope {
  readonly widgetId: string | null;
  readonly teamId: string | null;
  readonly agentId: string | null;
}

type FactsQuery<O> = SelectQueryBuilder<Database, 'report_conversations', O>;

function scoped<O>(query: FactsQuery<O>, scope: ReportScope): FactsQuery<O> {
  let q = query;
  if (scope.widgetId !== null) q = q.where('report_conversations.widget_id', '=', scope.widgetId);
  if (scope.teamId !== null) q = q.where('report_conversations.team_id', '=', scope.teamId);
  if (scope.agentId !== null) q = q.where('report_conversations.agent_id', '=', scope.agentId);
  return q;
}

/** The group a conversation's start falls in (see ResolvedPeriod.bucketMs), and its first instant. */
function bucketOf(period: ResolvedPeriod) {
  return period.bucketMs === QUARTER_HOUR_MS
    ? sql<number>`started_bucket`
    : sql<number>`started_bucket / ${sql.lit(period.bucketMs / QUARTER_HOUR_MS)}`;
}

/** An unanswered conversation's visitor left: it was resolved, or they have been silent since `cutoff`. */
const visitorLeft = (cutoff: string) => sql<boolean>`(resolved = 1 or coalesce(last_visitor_at, handoff_at) < ${cutoff})`;

/** Conversations that started in the period. */
function started(db: Db, period: ResolvedPeriod, scope: ReportScope): FactsQuery<object> {
  return scoped(
    db.selectFrom('report_conversations').where('started_at', '>=', period.period.start).where('started_at', '<', period.period.end),
    scope,
  );
}

const num = (value: unknown): number => Number(value ?? 0);

/**
 * A period of a widget or all widgets (the rollups' keys) as its whole UTC hours (`inner`, for sums over the
 * period alone: the offset plays no part) and the part of an hour at either end, [from, to) as ISO instants
 * (none unless the zone's offset is not whole hours). Null when narrowed to a team or an agent.
 */
interface SplitHours {
  readonly inner: readonly HourPiece[];
  readonly edges: readonly (readonly [string, string])[];
}

function splitHours(period: ResolvedPeriod, scope: ReportScope): SplitHours | null {
  if (scope.teamId !== null || scope.agentId !== null) return null;
  const from = Math.ceil(period.start / HOUR_MS);
  const to = Math.floor(period.end / HOUR_MS);
  const edges: (readonly [string, string])[] = [];
  const iso = (ms: number): string => new Date(ms).toISOString();
  if (period.start < from * HOUR_MS) edges.push([period.period.start, iso(from * HOUR_MS)]);
  if (to * HOUR_MS < period.end) edges.push([iso(to * HOUR_MS), period.period.end]);
  return { inner: [wholeHours(from, to)], edges };
}

/**
 * Rollup hours [from, to) and where their conversations belong: at `position` minutes past each hour's start
 * (the zone's offset, or the offset plus the minute a local hour begins inside a UTC hour), and which of them:
 * `all`, or in a zone whose offset is not whole hours those started `before` or `after` minute 15·q.
 */
interface HourPiece {
  readonly from: number;
  readonly to: number;
  readonly position: number;
  readonly part: 'all' | 'before' | 'after';
  readonly q: 1 | 2 | 3;
}

const MINUTE_MS = 60_000;
const wholeHours = (from: number, to: number, position = 0): HourPiece => ({ from, to, position, part: 'all', q: 1 });

/**
 * The rollups answer a report of a widget or all widgets (their keys), not one narrowed to a team or an
 * agent, when the zone's offset is whole hours all through the period (one piece per offset: a year has at
 * most three), or one offset of whole quarter-hours all through it (India, Nepal, Adelaide in winter…): each
 * UTC hour in two pieces, split at the minute a local hour starts (the `_q1`–`_q3` columns). Otherwise (a
 * daylight-saving change in a zone with a half-hour offset) null: the conversation rows are grouped.
 */
function hourPieces(period: ResolvedPeriod, scope: ReportScope): HourPiece[] | null {
  if (scope.teamId !== null || scope.agentId !== null) return null;
  const whole = period.start % HOUR_MS === 0 && period.end % HOUR_MS === 0;
  const pieces: HourPiece[] = [];
  let from = period.start;
  let offset = period.clock.offsetAt(period.start);
  for (let at = Math.floor(period.start / HOUR_MS) * HOUR_MS + HOUR_MS; at < period.end; at += HOUR_MS) {
    const next = period.clock.offsetAt(at);
    if (next === offset) continue;
    if (!whole || next % HOUR_MS !== 0 || offset % HOUR_MS !== 0) return null;
    pieces.push(wholeHours(from / HOUR_MS, at / HOUR_MS, offset / MINUTE_MS));
    from = at;
    offset = next;
  }
  if (whole) return [...pieces, wholeHours(from / HOUR_MS, period.end / HOUR_MS, offset / MINUTE_MS)];
  if (offset % QUARTER_HOUR_MS !== 0) return null;
  // Local midnights fall at minute `split` of a UTC hour: the period is [s0:split, e0:split).
  const position = offset / MINUTE_MS;
  const split = (((-position % 60) + 60) % 60) as 15 | 30 | 45;
  const q = (split / 15) as 1 | 2 | 3;
  const s0 = Math.floor(period.start / HOUR_MS);
  const e0 = Math.floor(period.end / HOUR_MS);
  return [
    { from: s0 + 1, to: e0 + 1, position, part: 'before', q },
    { from: s0, to: e0, position: position + split, part: 'after', q },
  ];
}

/** The reports' questions, answered from report_rollups, report_conversations and events (never messages; report_counts no longer). */
export class ReportQueries {
  constructor(private readonly db: Db) {}

  async summary(period: ResolvedPeriod, scope: ReportScope, now = Date.now()): Promise<SummaryReport> {
    const cutoff = new Date(now - ABANDONED_AFTER_MINUTES * 60_000).toISOString();
    const pieces = hourPieces(period, scope);
    const localDay = (position: number) => ({ local_day: sql<number>`(hour * 60 + ${sql.lit(position)}) / 1440` });
    // Per local day from the rollups (conversation figures, and counts with them in a whole-hour zone), or per group of the rows.
    const daily =
      pieces === null
        ? null
        : await this.rollupGroups(
            scope,
            pieces,
            pieces[0]?.part === 'all' ? [...CONVERSATION_FIGURES, ...COUNTED_COLUMNS] : CONVERSATION_FIGURES,
            localDay,
          );
    const rows =
      daily !== null
        ? daily
        : await started(this.db, period, scope)
            .select((eb) => [
              bucketOf(period).as('bucket'),
              eb.fn.countAll().as('conversations'),
              sql<number>`sum(case when handoff_at is null and resolved_at is not null then 1 else 0 end)`.as('resolved_by_bot'),
              sql<number>`sum(case when handoff_at is not null then 1 else 0 end)`.as('handed'),
              sql<number>`sum(case when resolved_at is not null then 1 else 0 end)`.as('resolved'),
              sql<number>`sum(case when reopened > 0 then 1 else 0 end)`.as('reopened'),
            ])
            .groupBy(bucketOf(period))
            .execute();
    const days: { -readonly [K in keyof ReportDay]: ReportDay[K] }[] = period.dates.map((date) => ({
      date,
      conversations: 0,
      resolvedByBot: 0,
      handedToHuman: 0,
      messages: 0,
    }));
    const totals = { conversations: 0, bot: 0, handed: 0, resolved: 0, reopened: 0 };
    // The unanswered are few: counted apart, from their own index, not in the scan of every conversation.
    const missed = await started(this.db, period, scope)
      .select((eb) => [
        eb.fn.countAll().as('unanswered'),
        sql<number>`sum(case when ${visitorLeft(cutoff)} then 1 else 0 end)`.as('abandoned'),
      ])
      .where('handoff_at', 'is not', null)
      .where('first_response_at', 'is', null)
      .executeTakeFirst();
    for (const row of rows) {
      const local = 'local_day' in row ? num(row.local_day) : period.clock.local(num(row.bucket) * period.bucketMs).day;
      const day = days[local - period.firstDay];
      if (day !== undefined) {
        day.conversations += num(row.conversations);
        day.resolvedByBot += num(row.resolved_by_bot);
        day.handedToHuman += num(row.handed);
      }
      totals.conversations += num(row.conversations);
      totals.bot += num(row.resolved_by_bot);
      totals.handed += num(row.handed);
      totals.resolved += num(row.resolved);
      totals.reopened += num(row.reopened);
    }
    const byType = new Map<string, number>();
    const count = (localDay: number, n: readonly number[]): void => {
      let messages = 0;
      COUNTED_TYPES.forEach((type, i) => {
        byType.set(type, (byType.get(type) ?? 0) + (n[i] ?? 0));
        if (i < MESSAGE_TYPES.length) messages += n[i] ?? 0;
      });
      const day = days[localDay - period.firstDay];
      if (day !== undefined) day.messages += messages;
    };
    if (pieces !== null) {
      // A whole-hour zone: read with the conversation figures. A zone whose offset is not whole hours: message
      // counts per local day each UTC hour starts in, the period rounded out to whole hours (see docs/reports.md),
      // grouped in SQL.
      const hours = wholeHours(Math.floor(period.start / HOUR_MS), Math.ceil(period.end / HOUR_MS), pieces[0]?.position ?? 0);
      const rows = pieces[0]?.part === 'all' ? (daily ?? []) : await this.rollupGroups(scope, [hours], COUNTED_COLUMNS, localDay);
      for (const row of rows)
        count(
          num(row.local_day),
          COUNTED_COLUMNS.map((column) => num(row[column])),
        );
    } else if (scope.teamId === null && scope.agentId === null) {
      // Message counts per UTC hour of the rollups, the period rounded out to whole hours (see docs/reports.md).
      const hours = wholeHours(Math.floor(period.start / HOUR_MS), Math.ceil(period.end / HOUR_MS));
      for (const row of await this.rollupGroups(scope, [hours], COUNTED_COLUMNS, () => ({ utc_hour: sql<number>`hour` })))
        count(
          period.clock.local(num(row.utc_hour) * HOUR_MS).day,
          COUNTED_COLUMNS.map((column) => num(row[column])),
        );
    } else {
      for (const { hour, n } of await this.counts(period, scope)) count(period.clock.local(hour * HOUR_MS).day, n);
    }
    const typed = (type: string): number => byType.get(type) ?? 0;
    return {
      object: 'report.summary',
      period: period.period,
      conversations: totals.conversations,
      messages: typed('visitor_message') + typed('bot_answered') + typed('agent_message'),
      visitorMessages: typed('visitor_message'),
      botMessages: typed('bot_answered'),
      agentMessages: typed('agent_message'),
      resolvedByBot: totals.bot,
      handedToHuman: totals.handed,
      withBotOnly: totals.conversations - totals.bot - totals.handed,
      resolved: totals.resolved,
      reopened: totals.reopened,
      unanswered: num(missed?.unanswered),
      abandoned: num(missed?.abandoned),
      offlineEmails: typed('offline_email_left'),
      widgetLoads: typed('widget_loaded'),
      widgetOpens: typed('widget_opened'),
      days,
    };
  }

  /**
   * Sums of the rollups' `columns` over the spans of hours, grouped by `keys` (SQL of the hour and the span's
   * offset; none: one row). Each span reads the widget's (or '' all widgets') rows of its hours only, in key order.
   */
  private async rollupGroups<C extends RollupColumn, K extends string>(
    scope: ReportScope,
    pieces: readonly HourPiece[],
    columns: readonly C[],
    keys: (position: number) => Record<K, RawBuilder<number>>,
  ): Promise<(Record<C, unknown> & Record<K, unknown>)[]> {
    const out: (Record<C, unknown> & Record<K, unknown>)[] = [];
    for (const piece of pieces) {
      const groups = keys(piece.position);
      const summed = (column: C): RawBuilder<number> => {
        if (piece.part === 'all' || !(CONVERSATION_FIGURES as readonly string[]).includes(column))
          return sql<number>`sum(${sql.ref(column)})`;
        const before = sql.ref(`${column}_q${piece.q}`);
        return piece.part === 'before' ? sql<number>`sum(${before})` : sql<number>`sum(${sql.ref(column)} - ${before})`;
      };
      const rows = await this.db
        .selectFrom('report_rollups')
        .select([
          ...Object.entries<RawBuilder<number>>(groups).map(([name, expression]) => expression.as(name)),
          ...columns.map((column) => summed(column).as(column)),
        ])
        .where('widget_id', '=', scope.widgetId ?? '')
        .where('hour', '>=', piece.from)
        .where('hour', '<', piece.to)
        .$if(Object.keys(groups).length > 0, (q) => q.groupBy(Object.values<RawBuilder<number>>(groups)))
        .execute();
      out.push(...(rows as (Record<C, unknown> & Record<K, unknown>)[]));
    }
    return out;
  }

  /** Sums of the rollups' `columns` over the spans. */
  private async rollupTotals<C extends RollupColumn>(
    scope: ReportScope,
    pieces: readonly HourPiece[],
    columns: readonly C[],
  ): Promise<Record<C, number>> {
    const totals = Object.fromEntries(columns.map((column) => [column, 0])) as Record<C, number>;
    for (const row of await this.rollupGroups(scope, pieces, columns, () => ({})))
      for (const column of columns) totals[column] += num(row[column]);
    return totals;
  }

  /**
   * Per UTC hour, the count of each of COUNTED_TYPES (in its order; the message types first), from the events
   * table itself: only for a report narrowed to a team or an agent (a widget or all widgets read the rollups).
   */
  private async counts(period: ResolvedPeriod, scope: ReportScope): Promise<{ hour: number; n: number[] }[]> {
    // One row per hour, a column per type.
    const perType = COUNTED_TYPES.map((type, i) => sql<number>`sum(case when type = ${sql.lit(type)} then n else 0 end)`.as(`t${i}`));
    // Narrowed to a team or an agent: from the events themselves (their own indexes), counted per UTC hour.
    const hourOf = sql<string>`substr(at, 1, 13)`;
    const events = this.db
      .selectFrom(
        this.db
          .selectFrom('events')
          .select((eb) => ['type', hourOf.as('h'), eb.fn.countAll().as('n')])
          .where('type', 'in', COUNTED_TYPES)
          .where('at', '>=', period.period.start)
          .where('at', '<', period.period.end)
          .$if(scope.widgetId !== null, (q) => q.where('widget_id', '=', scope.widgetId ?? ''))
          .$if(scope.teamId !== null, (q) => q.where('team_id', '=', scope.teamId ?? ''))
          .$if(scope.agentId !== null, (q) => q.where('agent_id', '=', scope.agentId ?? ''))
          .groupBy(['type', hourOf])
          .as('e'),
      )
      .select([sql<string>`h`.as('hour'), ...perType])
      .groupBy('h');
    const rows: Record<string, unknown>[] = (await events.execute()).map((row) => ({
      ...row,
      hour: Date.parse(`${String(row.hour)}:00:00Z`) / HOUR_MS,
    }));
    return rows.map((row) => ({ hour: num(row['hour']), n: COUNTED_TYPES.map((_, t) => num(row[`t${t}`])) }));
  }

  async responseTimes(period: ResolvedPeriod, scope: ReportScope): Promise<ResponseTimesReport> {
    const split = splitHours(period, scope);
    if (split !== null) return this.responseTimesAtRank(period, scope, split);
    // Each duration and its business-hours twin as one histogram of (wall, business) pairs: far fewer rows
    // than conversations, read from the covering index, one scan per duration; the nearest-rank percentiles
    // of a histogram are exact.
    const pair = async (wall: DurationColumn, business: DurationColumn): Promise<DurationPair> => {
      const inHours = sql<number>`coalesce(${sql.ref(business)}, ${sql.ref(wall)})`;
      const rows = await started(this.db, period, scope)
        .select((eb) => [sql<number>`${sql.ref(wall)}`.as('w'), inHours.as('b'), eb.fn.countAll().as('n')])
        .where(wall, 'is not', null)
        .groupBy([wall, inHours])
        .execute();
      const histogram = (pick: (row: (typeof rows)[number]) => unknown) => statOfHistogram(rows.map((row) => [num(pick(row)), num(row.n)]));
      return { wallClock: histogram((row) => row.w), businessHours: histogram((row) => row.b) };
    };
    return {
      object: 'report.response_times',
      period: period.period,
      firstResponse: await pair('first_response_s', 'first_response_bh_s'),
      resolution: await pair('resolution_s', 'resolution_bh_s'),
    };
  }

  /**
   * Whole-hour periods of a widget or all widgets: counts and sums from the rollups, each median and p90 read
   * at its rank from the duration's own narrow index (ORDER BY … OFFSET, from the nearer end): exact, and
   * about a third of the period's conversations read per duration instead of a grouping of all of them.
   */
  private async responseTimesAtRank(period: ResolvedPeriod, scope: ReportScope, split: SplitHours): Promise<ResponseTimesReport> {
    const totals = await this.rollupTotals(scope, split.inner, [
      'first_responses',
      'first_response_s',
      'first_response_bh_s',
      'resolutions',
      'resolution_s',
      'resolution_bh_s',
    ]);
    // The part of an hour at either end of the period (a half-hour zone): from the rows.
    for (const [from, to] of split.edges) {
      const edge = await scoped(
        this.db.selectFrom('report_conversations').where('started_at', '>=', from).where('started_at', '<', to),
        scope,
      )
        .select((eb) => [
          eb.fn.count('first_response_s').as('first_responses'),
          eb.fn.sum<number>('first_response_s').as('first_response_s'),
          eb.fn.sum<number>(sql`coalesce(first_response_bh_s, first_response_s)`).as('first_response_bh_s'),
          eb.fn.count('resolution_s').as('resolutions'),
          eb.fn.sum<number>('resolution_s').as('resolution_s'),
          eb.fn.sum<number>(sql`coalesce(resolution_bh_s, resolution_s)`).as('resolution_bh_s'),
        ])
        .executeTakeFirst();
      for (const key of Object.keys(totals) as (keyof typeof totals)[]) totals[key] += num(edge?.[key]);
    }
    const stat = async (column: DurationColumn, count: number, sum: number): Promise<DurationStat> => {
      if (count === 0) return { count: 0, medianSeconds: null, p90Seconds: null, averageSeconds: null };
      const [median, p90] = await Promise.all(
        [rankOf(0.5, count), rankOf(0.9, count)].map((rank) => this.valueAtRank(period, scope, column, rank, count)),
      );
      return { count, medianSeconds: median ?? null, p90Seconds: p90 ?? null, averageSeconds: Math.round(sum / count) };
    };
    // A business-hours time is never longer than its wall-clock twin (it counts part of the same span): equal
    // sums mean every pair is equal (a widget without hours, or nothing outside them), so one read answers both.
    const pair = async (
      wall: DurationColumn,
      business: DurationColumn,
      count: number,
      wallSum: number,
      businessSum: number,
    ): Promise<DurationPair> => {
      const [wallClock, businessHours] = await Promise.all([
        stat(wall, count, wallSum),
        businessSum === wallSum ? null : stat(business, count, businessSum),
      ]);
      return { wallClock, businessHours: businessHours ?? wallClock };
    };
    const [firstResponse, resolution] = await Promise.all([
      pair('first_response_s', 'first_response_bh_s', totals.first_responses, totals.first_response_s, totals.first_response_bh_s),
      pair('resolution_s', 'resolution_bh_s', totals.resolutions, totals.resolution_s, totals.resolution_bh_s),
    ]);
    return { object: 'report.response_times', period: period.period, firstResponse, resolution };
  }

  /** The value at `rank` (1-based) of the period's sorted values of `column`, counted from the nearer end. */
  private async valueAtRank(
    period: ResolvedPeriod,
    scope: ReportScope,
    column: DurationColumn,
    rank: number,
    count: number,
  ): Promise<number | undefined> {
    const fromTop = rank > count / 2;
    const row = await started(this.db, period, scope)
      .select(sql<number>`${sql.ref(column)}`.as('v'))
      .where(column, 'is not', null)
      .orderBy(column, fromTop ? 'desc' : 'asc')
      .limit(1)
      .offset(fromTop ? count - rank : rank - 1)
      .executeTakeFirst();
    return row === undefined ? undefined : num(row.v);
  }

  async csat(period: ResolvedPeriod, scope: ReportScope): Promise<CsatReport> {
    const split = splitHours(period, scope);
    if (split !== null) {
      // The period's whole UTC hours from the rollups, the part of an hour at either end (a half-hour zone) from the rows.
      const sums = await this.rollupTotals(scope, split.inner, ['rated_1', 'rated_2', 'rated_3', 'rated_4', 'rated_5', 'rated_commented']);
      for (const [from, to] of split.edges) {
        for (const row of await this.ratings(this.rated(period, scope, from, to))) {
          const score = num(row.rating);
          if (score >= 1 && score <= 5) sums[`rated_${score as 1 | 2 | 3 | 4 | 5}`] += num(row.n);
          sums.rated_commented += num(row.commented);
        }
      }
      return csatOf(period, (score) => sums[`rated_${score}`], sums.rated_commented);
    }
    const rows = await this.ratings(this.rated(period, scope));
    return csatOf(
      period,
      (score) => num(rows.find((row) => num(row.rating) === score)?.n),
      rows.reduce((sum, row) => sum + num(row.commented), 0),
    );
  }

  /** Ratings per score, and how many came with a comment. */
  private async ratings(rated: FactsQuery<object>) {
    return rated
      .select((eb) => [
        'report_conversations.rating as rating',
        eb.fn.countAll().as('n'),
        eb.fn.sum<number>('rating_commented').as('commented'),
      ])
      .groupBy('report_conversations.rating')
      .execute();
  }

  /** Comments with their score, newest first; the comment is read from the rating's own message. */
  async csatComments(
    period: ResolvedPeriod,
    scope: ReportScope,
    take: number,
    cursor: string | undefined,
  ): Promise<{ items: CsatComment[]; nextCursor: string | null }> {
    let query = this.rated(period, scope)
      .innerJoin('messages as m', 'm.id', 'report_conversations.rating_message_id')
      .select([
        'report_conversations.conversation_id as conversationId',
        'report_conversations.widget_id as widgetId',
        'report_conversations.rating as rating',
        'report_conversations.rated_at as ratedAt',
        'm.payload as payload',
      ])
      .where('report_conversations.rating_commented', '=', 1)
      .orderBy('report_conversations.rated_at', 'desc')
      .orderBy('report_conversations.conversation_id', 'desc')
      .limit(take + 1);
    const after = cursor === undefined ? null : decodeTimeCursor(cursor, 'conv');
    if (after !== null) {
      query = query.where((eb) =>
        eb.or([
          eb('report_conversations.rated_at', '<', after.at),
          eb.and([eb('report_conversations.rated_at', '=', after.at), eb('report_conversations.conversation_id', '<', after.id)]),
        ]),
      );
    }
    const rows = await query.execute();
    const items = rows.slice(0, take).map((row) => ({
      conversationId: row.conversationId,
      widgetId: row.widgetId,
      score: num(row.rating),
      comment: commentOf(row.payload),
      ratedAt: row.ratedAt ?? '',
    }));
    const last = items.at(-1);
    return { items, nextCursor: rows.length > take && last !== undefined ? encodeTimeCursor(last.ratedAt, last.conversationId) : null };
  }

  async busiestHours(period: ResolvedPeriod, scope: ReportScope): Promise<BusiestHoursReport> {
    const cells = Array.from({ length: 7 }, () => Array.from({ length: 24 }, () => 0));
    let total = 0;
    const pieces = hourPieces(period, scope);
    if (pieces !== null) {
      // Grouped by local weekday and hour in SQL: at most 168 rows per piece. Epoch day 0 was a Thursday (3).
      const rows = await this.rollupGroups(scope, pieces, ['conversations'], (position) => ({
        weekday: sql<number>`((hour * 60 + ${sql.lit(position)}) / 1440 + 3) % 7`,
        local_hour: sql<number>`((hour * 60 + ${sql.lit(position)}) / 60) % 24`,
      }));
      for (const row of rows) {
        const line = cells[num(row.weekday)];
        if (line !== undefined) line[num(row.local_hour)] = (line[num(row.local_hour)] ?? 0) + num(row.conversations);
        total += num(row.conversations);
      }
      return busiestOf(period, cells, total);
    }
    const rows = await started(this.db, period, scope)
      .select((eb) => [bucketOf(period).as('bucket'), eb.fn.countAll().as('n')])
      .groupBy(bucketOf(period))
      .execute();
    for (const row of rows) {
      const local = period.clock.local(num(row.bucket) * period.bucketMs);
      const line = cells[local.weekday];
      if (line !== undefined) line[local.hour] = (line[local.hour] ?? 0) + num(row.n);
      total += num(row.n);
    }
    return busiestOf(period, cells, total);
  }

  /** Handed to a human and not answered by one, oldest handoff first; `abandonedOnly`: the visitor left. */
  async unanswered(
    period: ResolvedPeriod,
    scope: ReportScope,
    abandonedOnly: boolean,
    take: number,
    cursor: string | undefined,
    now = Date.now(),
  ): Promise<{ items: UnansweredConversation[]; nextCursor: string | null }> {
    const cutoff = new Date(now - ABANDONED_AFTER_MINUTES * 60_000).toISOString();
    const left = visitorLeft(cutoff);
    let query = started(this.db, period, scope)
      .select([
        'conversation_id',
        'widget_id',
        'team_id',
        'started_at',
        'handoff_at',
        'last_visitor_at',
        'resolved_at',
        'resolved',
        sql<number>`case when ${left} then 1 else 0 end`.as('left_'),
      ])
      .where('handoff_at', 'is not', null)
      .where('first_response_at', 'is', null)
      .orderBy('handoff_at')
      .orderBy('conversation_id')
      .limit(take + 1);
    if (abandonedOnly) query = query.where(left);
    const after = cursor === undefined ? null : decodeTimeCursor(cursor, 'conv');
    if (after !== null) {
      query = query.where((eb) =>
        eb.or([eb('handoff_at', '>', after.at), eb.and([eb('handoff_at', '=', after.at), eb('conversation_id', '>', after.id)])]),
      );
    }
    const rows = await query.execute();
    const items = rows.slice(0, take).map((row) => ({
      conversationId: row.conversation_id,
      widgetId: row.widget_id,
      teamId: row.team_id,
      startedAt: row.started_at,
      handoffAt: row.handoff_at ?? '',
      lastVisitorMessageAt: row.last_visitor_at,
      // Resolved conversations keep their first resolution time; a reopened one shows none.
      resolvedAt: num(row.resolved) === 1 ? row.resolved_at : null,
      abandoned: num(row.left_) === 1,
    }));
    const last = items.at(-1);
    return { items, nextCursor: rows.length > take && last !== undefined ? encodeTimeCursor(last.handoffAt, last.conversationId) : null };
  }

  /** Conversations rated in the period. */
  private rated(period: ResolvedPeriod, scope: ReportScope, from = period.period.start, to = period.period.end): FactsQuery<object> {
    return scoped(
      this.db
        .selectFrom('report_conversations')
        .where('report_conversations.rated_at', '>=', from)
        .where('report_conversations.rated_at', '<', to)
        .where('report_conversations.rating', 'is not', null),
      scope,
    );
  }
}

function commentOf(payload: string | null): string {
  if (payload === null) return '';
  try {
    const parsed: unknown = JSON.parse(payload);
    return typeof parsed === 'object' && parsed !== null && 'comment' in parsed && typeof parsed.comment === 'string' ? parsed.comment : '';
  } catch {
    // Stored by the rating endpoint as JSON; anything else has no comment to show.
    return '';
  }
}

function busiestOf(period: ResolvedPeriod, cells: number[][], total: number): BusiestHoursReport {
  return {
    object: 'report.busiest_hours',
    period: period.period,
    weekdays: ['mon', 'tue', 'wed', 'thu', 'fri', 'sat', 'sun'],
    cells,
    max: Math.max(0, ...cells.flat()),
    total,
  };
}

function csatOf(period: ResolvedPeriod, countOf: (score: 1 | 2 | 3 | 4 | 5) => number, withComment: number): CsatReport {
  const distribution = ([1, 2, 3, 4, 5] as const).map((score) => ({ score, count: countOf(score) }));
  const count = distribution.reduce((sum, d) => sum + d.count, 0);
  const total = distribution.reduce((sum, d) => sum + d.score * d.count, 0);
  return {
    object: 'report.csat',
    period: period.period,
    count,
    average: count === 0 ? null : Math.round((total / count) * 100) / 100,
    distribution,
    withComment,
  };
}

/** Nearest rank: the value at rank ⌈p·n⌉ of the sorted values (at least the first). */
const rankOf = (p: number, count: number): number => Math.max(1, Math.ceil(p * count));

type DurationColumn = 'first_response_s' | 'first_response_bh_s' | 'resolution_s' | 'resolution_bh_s';

/**
 * Count, nearest-rank median and p90 (the value at rank ⌈p·n⌉ of the sorted values, so always a value that
 * occurred) and average of the values a histogram ([value, count] pairs) holds, without expanding it.
 */
export function statOfHistogram(pairs: readonly (readonly [number, number])[]): DurationStat {
  const sorted = [...pairs].filter(([, n]) => n > 0).sort((a, b) => a[0] - b[0]);
  const count = sorted.reduce((sum, [, n]) => sum + n, 0);
  if (count === 0) return { count: 0, medianSeconds: null, p90Seconds: null, averageSeconds: null };
  const rank = (p: number): number => {
    const wanted = rankOf(p, count);
    let seen = 0;
    for (const [value, n] of sorted) {
      seen += n;
      if (seen >= wanted) return value;
    }
    return sorted.at(-1)?.[0] ?? 0;
  };
  const total = sorted.reduce((sum, [value, n]) => sum + value * n, 0);
  return { count, medianSeconds: rank(0.5), p90Seconds: rank(0.9), averageSeconds: Math.round(total / count) };
}
