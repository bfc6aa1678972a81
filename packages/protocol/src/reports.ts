import * as v from 'valibot';
import { idSchema, paginationQuerySchema } from './common-schemas.js';
import { timeZoneSchema } from './intl-names.js';

/**
 * Reports: what happened on the widgets, read from the server's append-only `events` table and the
 * rollups kept beside it (never from messages). docs/reports.md says exactly what each figure counts.
 *
 * Every report is `GET /v1/reports/<name>` with the same query (`ReportQuery`): a period of whole days
 * in a time zone, optionally narrowed to one widget, team and/or agent. `format=csv` answers the same
 * figures as a CSV file (`text/csv`, one header line) instead of JSON.
 */

/** What the server records. Wire names: never renamed, only added. */
export const REPORT_EVENT_TYPES = [
  /** Browser only (beacon): the widget's script ran on a page. */
  'widget_loaded',
  /** Browser only (beacon): the visitor opened the chat window. */
  'widget_opened',
  /** A new conversation began (its first session). */
  'session_started',
  'visitor_message',
  /** A message of the bot. */
  'bot_answered',
  /** A message of a human agent (every one, the first included). */
  'agent_message',
  /** The bot or the visitor asked for a human. */
  'handoff_asked',
  /** The first message of a human agent in a conversation (value: seconds since the handoff, or since the start). */
  'first_human_response',
  /** value: seconds since the conversation started. */
  'resolved',
  'reopened',
  /** value: the score, 1–5. */
  'rated',
  /** The visitor left an email while no human was available. */
  'offline_email_left',
] as const;
export type ReportEventType = (typeof REPORT_EVENT_TYPES)[number];

/** What the widget reports about itself: `POST /v1/widgets/{id}/events`. */
export const WIDGET_BEACON_EVENT_TYPES = ['widget_loaded', 'widget_opened'] as const;
export type WidgetBeaconEventType = (typeof WIDGET_BEACON_EVENT_TYPES)[number];

/**
 * Body of `POST /v1/widgets/{id}/events` (public, no token; the Origin must be allowed by the widget,
 * limited per client address). Answers 204. The body may be sent as `application/json` or as
 * `text/plain` holding the same JSON (what `navigator.sendBeacon` sends for a string), so no preflight
 * is needed. It carries no visitor data at all.
 */
export const widgetBeaconSchema = v.strictObject({
  type: v.picklist(WIDGET_BEACON_EVENT_TYPES, `must be one of ${WIDGET_BEACON_EVENT_TYPES.join(', ')}`),
});
export type WidgetBeacon = v.InferOutput<typeof widgetBeaconSchema>;

/** The longest period one report covers (a leap year). */
export const REPORT_MAX_DAYS = 366;
export const REPORT_FORMATS = ['json', 'csv'] as const;
export type ReportFormat = (typeof REPORT_FORMATS)[number];

const dateSchema = v.pipe(
  v.string('must be a date'),
  v.regex(/^\d{4}-(0[1-9]|1[0-2])-(0[1-9]|[12]\d|3[01])$/, 'must be a date such as 2026-01-31'),
);

/**
 * The query every report takes. `from` and `to` are calendar days in `timeZone`, both included
 * (`from=2026-01-01&to=2026-01-31` is January). `to` before `from` is refused
 * (`PARLEY_ERR_REPORT_PERIOD_INVALID`), and so is a period longer than 366 days
 * (`PARLEY_ERR_REPORT_PERIOD_TOO_LONG`). The filters combine (AND). A console login that is not an
 * admin sees only its own figures: `agentId` is its own id whatever is asked.
 */
export const reportQuerySchema = v.strictObject({
  from: dateSchema,
  to: dateSchema,
  /** IANA time zone the days and the heat map's hours are in; default UTC. */
  timeZone: v.optional(timeZoneSchema, 'UTC'),
  widgetId: v.optional(idSchema),
  teamId: v.optional(idSchema),
  agentId: v.optional(idSchema),
  format: v.optional(v.picklist(REPORT_FORMATS, 'must be json or csv'), 'json'),
});
export type ReportQueryInput = v.InferInput<typeof reportQuerySchema>;
export type ReportQuery = v.InferOutput<typeof reportQuerySchema>;

/** The paged reports (CSAT comments, unanswered, abandoned) take `take` (1–100, default 50) and `cursor` too. */
export const reportPageQuerySchema = v.strictObject({
  ...reportQuerySchema.entries,
  ...paginationQuerySchema.entries,
});
export type ReportPageQuery = v.InferOutput<typeof reportPageQuerySchema>;

/** The period a report covers, as the server understood it. */
export interface ReportPeriod {
  readonly from: string;
  readonly to: string;
  readonly timeZone: string;
  /** The instants it spans: [start, end). */
  readonly start: string;
  readonly end: string;
  readonly widgetId: string | null;
  readonly teamId: string | null;
  readonly agentId: string | null;
}

/** One day of `GET /v1/reports/summary` (a day of `timeZone`). */
export interface ReportDay {
  /** YYYY-MM-DD */
  readonly date: string;
  readonly conversations: number;
  readonly resolvedByBot: number;
  readonly handedToHuman: number;
  readonly messages: number;
}

/**
 * `GET /v1/reports/summary`. Conversation figures count the conversations that STARTED in the period
 * (their state as of now); message and widget figures count what happened in the period.
 */
export interface SummaryReport {
  readonly object: 'report.summary';
  readonly period: ReportPeriod;
  readonly conversations: number;
  /** visitor + bot + agent messages. */
  readonly messages: number;
  readonly visitorMessages: number;
  readonly botMessages: number;
  readonly agentMessages: number;
  /** Resolved and never handed to a human. */
  readonly resolvedByBot: number;
  /** A handoff was asked at least once. */
  readonly handedToHuman: number;
  /** Neither yet: still with the bot, or left without being resolved. */
  readonly withBotOnly: number;
  readonly resolved: number;
  readonly reopened: number;
  /** Handed to a human and no human answered (yet). */
  readonly unanswered: number;
  /** Of the unanswered, those whose visitor left: resolved, or silent for 30 minutes. */
  readonly abandoned: number;
  readonly offlineEmails: number;
  readonly widgetLoads: number;
  readonly widgetOpens: number;
  /** Every day of the period, in order, zeros included. */
  readonly days: readonly ReportDay[];
}

/** Durations in whole seconds; null when `count` is 0. Medians and p90 are nearest-rank (a value that occurred). */
export interface DurationStat {
  readonly count: number;
  readonly medianSeconds: number | null;
  readonly p90Seconds: number | null;
  readonly averageSeconds: number | null;
}

/** Wall-clock time, and the same time counting only the widget's business hours (equal when it sets none). */
export interface DurationPair {
  readonly wallClock: DurationStat;
  readonly businessHours: DurationStat;
}

/** `GET /v1/reports/response-times`: over conversations that started in the period. */
export interface ResponseTimesReport {
  readonly object: 'report.response_times';
  readonly period: ReportPeriod;
  /** From the first handoff ask to the first human message. */
  readonly firstResponse: DurationPair;
  /** From the start of the conversation to its (first) resolution. */
  readonly resolution: DurationPair;
}

/** `GET /v1/reports/csat`: ratings given in the period (a conversation's last rating counts). */
export interface CsatReport {
  readonly object: 'report.csat';
  readonly period: ReportPeriod;
  readonly count: number;
  /** null when count is 0; two decimals. */
  readonly average: number | null;
  /** Exactly five entries, score 1 to 5. */
  readonly distribution: readonly { readonly score: 1 | 2 | 3 | 4 | 5; readonly count: number }[];
  /** Ratings with a comment (read them at /v1/reports/csat/comments). */
  readonly withComment: number;
}

/** One entry of `GET /v1/reports/csat/comments` (newest first, paged). */
export interface CsatComment {
  readonly conversationId: string;
  readonly widgetId: string;
  readonly score: number;
  readonly comment: string;
  readonly ratedAt: string;
}
export interface CsatCommentsPage {
  readonly object: 'report.csat_comments';
  readonly period: ReportPeriod;
  readonly items: readonly CsatComment[];
  readonly nextCursor: string | null;
}

/**
 * `GET /v1/reports/busiest-hours`: conversations started in the period by weekday and hour of
 * `timeZone`. `cells[d][h]`: d 0 = Monday … 6 = Sunday, h 0–23 (local hour).
 */
export interface BusiestHoursReport {
  readonly object: 'report.busiest_hours';
  readonly period: ReportPeriod;
  readonly weekdays: readonly ['mon', 'tue', 'wed', 'thu', 'fri', 'sat', 'sun'];
  readonly cells: readonly (readonly number[])[];
  readonly max: number;
  readonly total: number;
}

/** One conversation of `GET /v1/reports/unanswered` or `/v1/reports/abandoned` (oldest handoff first, paged). */
export interface UnansweredConversation {
  readonly conversationId: string;
  readonly widgetId: string;
  readonly teamId: string | null;
  readonly startedAt: string;
  readonly handoffAt: string;
  /** The visitor's last message; null when they wrote none. */
  readonly lastVisitorMessageAt: string | null;
  readonly resolvedAt: string | null;
  /** True when the visitor left (see SummaryReport.abandoned). */
  readonly abandoned: boolean;
}
export interface UnansweredPage {
  readonly object: 'report.unanswered' | 'report.abandoned';
  readonly period: ReportPeriod;
  readonly items: readonly UnansweredConversation[];
  readonly nextCursor: string | null;
}

/** The report endpoints, by the name after /v1/reports/. */
export const REPORT_NAMES = [
  'summary',
  'response-times',
  'csat',
  'csat/comments',
  'busiest-hours',
  'unanswered',
  'abandoned',
  'campaigns',
] as const;
export type ReportName = (typeof REPORT_NAMES)[number];

/** Minutes of silence after which an unanswered visitor counts as gone (abandoned). */
export const ABANDONED_AFTER_MINUTES = 30;
