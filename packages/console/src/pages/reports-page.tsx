import {
  isTimeZone,
  type BusiestHoursReport,
  type CampaignReport,
  type CsatComment,
  type CsatReport,
  type ResponseTimesReport,
  type SummaryReport,
  type UnansweredConversation,
} from '@parley/protocol';
import { useEffect, useMemo, useState } from 'preact/hooks';
import { PageHeader } from '../ui/feedback.js';
import { BusiestHoursSection } from '../reports/busiest-hours-section.js';
import { CampaignsSection } from '../reports/campaigns-section.js';
import { ConversationsSection } from '../reports/conversations-section.js';
import { CsatSection } from '../reports/csat-section.js';
import { formatCount } from '../reports/format.js';
import { periodFor, periodLabel, rangeProblem, type PeriodPreset } from '../reports/period.js';
import { PeriodPicker, type PeriodChoice } from '../reports/period-picker.js';
import { ALL, csvDownload, reportPath, type ReportScope } from '../reports/report-query.js';
import { ResponseTimesSection } from '../reports/response-times-section.js';
import { ScopeFilter, useScopeNames } from '../reports/scope-filter.js';
import { UnansweredSection } from '../reports/unanswered-section.js';
import { usePagedReport } from '../reports/use-paged-report.js';
import { useReport } from '../reports/use-report.js';
import { browserTimeZone } from '../widgets/structured-values.js';

const PRESET_VALUES: readonly string[] = ['today', '7d', '30d', 'month', 'custom'];

/** The period and filters from the address (`?period=30d&tz=…&widget=…`), so a reload or a shared link shows the same report. */
function fromAddress(): { choice: PeriodChoice; scope: ReportScope } {
  const query = new URLSearchParams(location.search);
  const preset = query.get('period') ?? '7d';
  const zone = query.get('tz') ?? '';
  const from = query.get('from') ?? '';
  const to = query.get('to') ?? '';
  const custom = rangeProblem(from, to) === null ? { from, to } : periodFor('7d', 'UTC', Date.now());
  return {
    choice: {
      preset: PRESET_VALUES.includes(preset) ? (preset as PeriodPreset) : '7d',
      custom: { from: custom.from, to: custom.to },
      timeZone: zone !== '' && isTimeZone(zone) ? zone : browserTimeZone(),
    },
    scope: { widgetId: query.get('widget') ?? '', teamId: query.get('team') ?? '', agentId: query.get('agent') ?? '' },
  };
}

function toAddress(choice: PeriodChoice, scope: ReportScope): string {
  const query = new URLSearchParams({ period: choice.preset, tz: choice.timeZone });
  if (choice.preset === 'custom') {
    query.set('from', choice.custom.from);
    query.set('to', choice.custom.to);
  }
  if (scope.widgetId !== '') query.set('widget', scope.widgetId);
  if (scope.teamId !== '') query.set('team', scope.teamId);
  if (scope.agentId !== '') query.set('agent', scope.agentId);
  return `${location.pathname}?${query.toString()}`;
}

/**
 * Admins: how the chat went over a period — conversations and the bot's share, response and
 * resolution times, satisfaction, busiest hours, unanswered and abandoned conversations, proactive messages — for all
 * widgets, teams and agents or one of each. Every figure comes from /v1/reports (the events table),
 * every chart has its numbers in a table, and every report downloads as the server's CSV.
 */
export function ReportsPage() {
  const initial = useMemo(fromAddress, []);
  const [choice, setChoice] = useState(initial.choice);
  const [scope, setScope] = useState(initial.scope);
  const period = periodFor(choice.preset, choice.timeZone, Date.now(), choice.custom);
  const names = useScopeNames();
  const [attempt, setAttempt] = useState(0);

  useEffect(() => history.replaceState(history.state, '', toAddress(choice, scope)), [choice, scope]);

  const path = (name: Parameters<typeof reportPath>[0]) => reportPath(name, period, scope);
  const csv = (name: Parameters<typeof csvDownload>[0]) => csvDownload(name, period, scope);
  const summary = useReport<SummaryReport>(path('summary'), attempt);
  const times = useReport<ResponseTimesReport>(path('response-times'), attempt);
  const csat = useReport<CsatReport>(path('csat'), attempt);
  const hours = useReport<BusiestHoursReport>(path('busiest-hours'), attempt);
  const comments = usePagedReport<CsatComment>(path('csat/comments'), 10, attempt);
  const unanswered = usePagedReport<UnansweredConversation>(path('unanswered'), 10, attempt);
  const abandoned = usePagedReport<UnansweredConversation>(path('abandoned'), 10, attempt);
  // Campaign figures belong to widgets: only the widget filter goes with them (the API ignores no filter silently).
  const campaignScope = { ...ALL, widgetId: scope.widgetId };
  const campaigns = useReport<CampaignReport>(reportPath('campaigns', period, campaignScope), attempt);

  const nameOf = (list: readonly { id: string; name: string }[], id: string | null, none: string) =>
    id === null ? none : (list.find((item) => item.id === id)?.name ?? id);
  const widgetName = (id: string) => nameOf(names.widgets, id, '—');
  const teamName = (id: string | null) => nameOf(names.teams, id, 'No team');
  const failed =
    [summary, times, csat, hours, comments, unanswered, abandoned, campaigns].find((report) => report.error !== null)?.error ?? null;
  const filtered = scope.widgetId !== '' || scope.teamId !== '' || scope.agentId !== '';
  const nothing = summary.data !== null && summary.data.conversations === 0 && summary.data.messages === 0;

  return (
    <div class="page page-wide reports">
      <PageHeader
        title="Reports"
        description="How the chat went: what the bot resolved on its own, how fast people answered, how visitors rated it."
      />
      <form class="card report-toolbar" aria-label="Period and filters" onSubmit={(event) => event.preventDefault()}>
        <PeriodPicker choice={choice} period={period} onChange={setChoice} />
        <ScopeFilter scope={scope} names={names} onChange={setScope} />
      </form>
      <p class="report-period" aria-live="polite">
        {periodLabel(period)} <span class="muted">· {period.timeZone.replaceAll('_', ' ')}</span>
        {!filtered ? null : (
          <>
            {' '}
            <button type="button" class="button ghost small" onClick={() => setScope(ALL)}>
              Show all widgets, teams and agents
            </button>
          </>
        )}
      </p>
      {failed === null ? null : (
        <div class="error-note report-failed-banner" role="alert">
          <span>Some reports did not load: {failed}</span>
          <button type="button" class="button small" onClick={() => setAttempt(attempt + 1)}>
            Try again
          </button>
        </div>
      )}
      {nothing ? (
        <div class="report-nothing" role="status">
          <p class="report-empty-title">Nothing happened in this period.</p>
          <p class="muted">
            No conversation started and no message was sent
            {summary.data === null || summary.data.widgetLoads === 0
              ? '. If the widget is on your site, its first visitors show up here.'
              : ` — though the widget loaded ${formatCount(summary.data.widgetLoads)} times.`}{' '}
            Try a longer period{filtered ? ' or all widgets, teams and agents' : ''}.
          </p>
          {choice.preset === '30d' ? null : (
            <button type="button" class="button small" onClick={() => setChoice({ ...choice, preset: '30d' })}>
              Show the last 30 days
            </button>
          )}
        </div>
      ) : null}
      <ConversationsSection loaded={summary} csv={csv('summary')} />
      <div class="report-pair">
        <ResponseTimesSection loaded={times} csv={csv('response-times')} />
        <CsatSection loaded={csat} comments={comments} csv={csv('csat')} commentsCsv={csv('csat/comments')} widgetName={widgetName} />
      </div>
      <BusiestHoursSection loaded={hours} csv={csv('busiest-hours')} />
      <UnansweredSection
        summary={summary}
        unanswered={unanswered}
        abandoned={abandoned}
        csv={{ unanswered: csv('unanswered'), abandoned: csv('abandoned') }}
        names={{ widget: widgetName, team: teamName }}
      />
      <CampaignsSection
        loaded={campaigns}
        csv={csvDownload('campaigns', period, campaignScope)}
        widgetName={widgetName}
        narrowed={scope.teamId !== '' || scope.agentId !== ''}
      />
    </div>
  );
}
