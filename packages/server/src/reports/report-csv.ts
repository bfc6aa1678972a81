import type {
  BusiestHoursReport,
  CampaignReport,
  CsatComment,
  CsatReport,
  DurationStat,
  ResponseTimesReport,
  SummaryReport,
  UnansweredConversation,
} from '@parley/protocol';
import { csvLine, type CsvCell } from '../http/csv.js';

function toCsv(header: readonly string[], rows: readonly (readonly CsvCell[])[]): string {
  return [header, ...rows].map((row) => csvLine(row)).join('');
}

export function summaryCsv(report: SummaryReport): string {
  const rows: CsvCell[][] = report.days.map((d) => [d.date, d.conversations, d.resolvedByBot, d.handedToHuman, d.messages]);
  rows.push(['total', report.conversations, report.resolvedByBot, report.handedToHuman, report.messages]);
  return toCsv(['date', 'conversations', 'resolved_by_bot', 'handed_to_human', 'messages'], rows);
}

export function responseTimesCsv(report: ResponseTimesReport): string {
  const line = (measure: string, clock: string, s: DurationStat): CsvCell[] => [
    measure,
    clock,
    s.count,
    s.medianSeconds,
    s.p90Seconds,
    s.averageSeconds,
  ];
  return toCsv(
    ['measure', 'clock', 'count', 'median_seconds', 'p90_seconds', 'average_seconds'],
    [
      line('first_response', 'wall_clock', report.firstResponse.wallClock),
      line('first_response', 'business_hours', report.firstResponse.businessHours),
      line('resolution', 'wall_clock', report.resolution.wallClock),
      line('resolution', 'business_hours', report.resolution.businessHours),
    ],
  );
}

export function csatCsv(report: CsatReport): string {
  return toCsv(
    ['score', 'count'],
    report.distribution.map((d) => [d.score, d.count]),
  );
}

export function commentsCsv(items: readonly CsatComment[]): string {
  return toCsv(
    ['rated_at', 'conversation_id', 'widget_id', 'score', 'comment'],
    items.map((c) => [c.ratedAt, c.conversationId, c.widgetId, c.score, c.comment]),
  );
}

export function busiestHoursCsv(report: BusiestHoursReport): string {
  const hours = Array.from({ length: 24 }, (_, h) => `h${String(h).padStart(2, '0')}`);
  return toCsv(
    ['weekday', ...hours],
    report.cells.map((line, i) => [report.weekdays[i] ?? '', ...line]),
  );
}

export function unansweredCsv(items: readonly UnansweredConversation[]): string {
  return toCsv(
    ['conversation_id', 'widget_id', 'team_id', 'started_at', 'handoff_at', 'last_visitor_message_at', 'resolved_at', 'abandoned'],
    items.map((c) => [c.conversationId, c.widgetId, c.teamId, c.startedAt, c.handoffAt, c.lastVisitorMessageAt, c.resolvedAt, c.abandoned]),
  );
}

export function campaignsCsv(report: CampaignReport): string {
  return toCsv(
    ['campaign_id', 'widget_id', 'name', 'shown', 'opened', 'replied', 'reply_rate'],
    report.items.map((c) => [c.campaignId, c.widgetId, c.name, c.shown, c.opened, c.replied, c.replyRate]),
  );
}
