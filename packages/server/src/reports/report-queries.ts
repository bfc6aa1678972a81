import { sql, type SelectQueryBuilder } from 'kysely';
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

const HOUR_MS = 3_600_000;
const MESSAGE_TYPES = ['visitor_message', 'bot_answered', 'agent_message'] as const;
const COUNTED_TYPES = [...MESSAGE_TYPES, 'offline_email_left', 'widget_loaded', 'widget_opened'] as const;

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

/** The reports' questions, answered from report_conversations, report_counts and events (never messages). */
export class ReportQueries {
  constructor(private readonly db: Db) {}

  async summary(period: ResolvedPeriod, scope: ReportScope, now = Date.now()): Promise<SummaryReport> {
    const cutoff = new Date(now - ABANDONED_AFTER_MINUTES * 60_000).toISOString();
    const rows = await started(this.db, period, scope)
      .select((eb) => [
        bucketOf(period).as('bucket'),
        eb.fn.countAll().as('conversations'),
        sql<number>`sum(case when handoff_at is null and resolved_at is not null then 1 else 0 end)`.as('bot'),
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
      const day = days[period.clock.local(num(row.bucket) * period.bucketMs).day - period.firstDay];
      if (day !== undefined) {
        day.conversations += num(row.conversations);
        day.resolvedByBot += num(row.bot);
        day.handedToHuman += num(row.handed);
      }
      totals.conversations += num(row.conversations);
      totals.bot += num(row.bot);
      totals.handed += num(row.handed);
      totals.resolved += num(row.resolved);
      totals.reopened += num(row.reopened);
    }
    const byType = new Map<string, number>();
    for (const { hour, n } of await this.counts(period, scope)) {
      let messages = 0;
      COUNTED_TYPES.forEach((type, i) => {
        byType.set(type, (byType.get(type) ?? 0) + (n[i] ?? 0));
        if (i < MESSAGE_TYPES.length) messages += n[i] ?? 0;
      });
      const day = days[period.clock.local(hour * HOUR_MS).day - period.firstDay];
      if (day !== undefined) day.messages += messages;
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
   * Events per type and UTC hour in the period: from the hourly rollup for a widget or all widgets,
   * from the events table itself when narrowed to a team or an agent (far fewer rows).
   */
  /** Per UTC hour, the count of each of COUNTED_TYPES (in its order; the message types first). */
  private async counts(period: ResolvedPeriod, scope: ReportScope): Promise<{ hour: number; n: number[] }[]> {
    // One row per hour, a column per type: a year is at most 8,784 rows to read.
    const perType = COUNTED_TYPES.map((type, i) => sql<number>`sum(case when type = ${sql.lit(type)} then n else 0 end)`.as(`t${i}`));
    let rows: Record<string, unknown>[];
    if (scope.teamId === null && scope.agentId === null) {
      rows = await this.db
        .selectFrom('report_counts')
        .select([sql<number>`hour`.as('hour'), ...perType])
        // No filter on type (the columns pick them): so the (widget_id, hour, type, n) index is the one to read, in hour order.
        .where('widget_id', '=', scope.widgetId ?? '')
        .where('hour', '>=', Math.floor(period.start / HOUR_MS))
        .where('hour', '<', Math.ceil(period.end / HOUR_MS))
        .groupBy('hour')
        .execute();
    } else {
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
      rows = (await events.execute()).map((row) => ({ ...row, hour: Date.parse(`${String(row.hour)}:00:00Z`) / HOUR_MS }));
    }
    return rows.map((row) => ({ hour: num(row['hour']), n: COUNTED_TYPES.map((_, t) => num(row[`t${t}`])) }));
  }

  async responseTimes(period: ResolvedPeriod, scope: ReportScope): Promise<ResponseTimesReport> {
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

  async csat(period: ResolvedPeriod, scope: ReportScope): Promise<CsatReport> {
    const rows = await this.rated(period, scope)
      .select((eb) => [
        'report_conversations.rating as rating',
        eb.fn.countAll().as('n'),
        eb.fn.sum<number>('rating_commented').as('commented'),
      ])
      .groupBy('report_conversations.rating')
      .execute();
    const distribution = ([1, 2, 3, 4, 5] as const).map((score) => ({
      score,
      count: num(rows.find((row) => num(row.rating) === score)?.n),
    }));
    const count = distribution.reduce((sum, d) => sum + d.count, 0);
    const total = distribution.reduce((sum, d) => sum + d.score * d.count, 0);
    return {
      object: 'report.csat',
      period: period.period,
      count,
      average: count === 0 ? null : Math.round((total / count) * 100) / 100,
      distribution,
      withComment: rows.reduce((sum, row) => sum + num(row.commented), 0),
    };
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
    const rows = await started(this.db, period, scope)
      .select((eb) => [bucketOf(period).as('bucket'), eb.fn.countAll().as('n')])
      .groupBy(bucketOf(period))
      .execute();
    const cells = Array.from({ length: 7 }, () => Array.from({ length: 24 }, () => 0));
    let total = 0;
    for (const row of rows) {
      const local = period.clock.local(num(row.bucket) * period.bucketMs);
      const line = cells[local.weekday];
      if (line !== undefined) line[local.hour] = (line[local.hour] ?? 0) + num(row.n);
      total += num(row.n);
    }
    return {
      object: 'report.busiest_hours',
      period: period.period,
      weekdays: ['mon', 'tue', 'wed', 'thu', 'fri', 'sat', 'sun'],
      cells,
      max: Math.max(0, ...cells.flat()),
      total,
    };
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
  private rated(period: ResolvedPeriod, scope: ReportScope): FactsQuery<object> {
    return scoped(
      this.db
        .selectFrom('report_conversations')
        .where('report_conversations.rated_at', '>=', period.period.start)
        .where('report_conversations.rated_at', '<', period.period.end)
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
    const wanted = Math.max(1, Math.ceil(p * count));
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
