import type { SummaryReport } from '@parley/protocol';
import { DayChart } from './day-chart.js';
import { formatCount, formatShare } from './format.js';
import { ReportCard, NoData } from './report-card.js';
import { ShareBar } from './share-bar.js';
import { StatTiles } from './stat-tiles.js';
import type { Loaded } from './use-report.js';
import { plural } from '../ui/plural.js';

/**
 * The bot's share, said plainly: of every conversation that started, how many the bot resolved with
 * no human asked for — not of the resolved ones only, and a visitor who left unresolved is not a
 * success of the bot's.
 */
function WhoResolved(props: { summary: SummaryReport }) {
  const { conversations, resolvedByBot, handedToHuman, withBotOnly, unanswered } = props.summary;
  return (
    <div class="who-resolved">
      <p class="headline">
        <span class="headline-figure">{formatShare(resolvedByBot, conversations)}</span>
        <span>
          resolved by the bot alone
          <span class="muted small headline-detail">
            {formatCount(resolvedByBot)} of {formatCount(conversations)} conversations, with no human asked for.{' '}
            {formatCount(handedToHuman)} handed to a human ({formatCount(handedToHuman - unanswered)} answered, {formatCount(unanswered)}{' '}
            not yet); {formatCount(withBotOnly)} neither resolved nor handed over.
          </span>
        </span>
      </p>
      <ShareBar
        label="Conversations by who resolved them"
        total={conversations}
        shares={[
          { key: 'bot', label: 'Resolved by the bot alone', value: resolvedByBot, tone: 'bot' },
          { key: 'human', label: 'Handed to a human', value: handedToHuman, tone: 'human' },
          { key: 'other', label: 'Neither yet (with the bot, or left)', value: withBotOnly, tone: 'other' },
        ]}
      />
    </div>
  );
}

export function ConversationsSection(props: { loaded: Loaded<SummaryReport>; csv: { href: string } }) {
  return (
    <ReportCard
      id="report-conversations"
      title="Conversations"
      description="Conversations that started in the period, as they stand now; messages sent in the period."
      loaded={props.loaded}
      csv={props.csv}
    >
      {(summary) => (
        <>
          <StatTiles
            stats={[
              { label: 'Conversations', value: formatCount(summary.conversations) },
              {
                label: 'Messages',
                value: formatCount(summary.messages),
                detail: `${formatCount(summary.visitorMessages)} visitor · ${formatCount(summary.botMessages)} bot · ${formatCount(summary.agentMessages)} agent`,
              },
              {
                label: 'Resolved',
                value: formatCount(summary.resolved),
                detail: `${formatCount(summary.reopened)} reopened`,
              },
              {
                label: 'Widget opened',
                value: formatCount(summary.widgetOpens),
                detail: `loaded ${plural(summary.widgetLoads, 'time', 'times', formatCount)}`,
              },
              { label: 'Emails left offline', value: formatCount(summary.offlineEmails) },
            ]}
          />
          <h3>Who resolved them</h3>
          {summary.conversations === 0 ? (
            <NoData title="No conversations started in this period.">The bot’s share shows once there are some.</NoData>
          ) : (
            <WhoResolved summary={summary} />
          )}
          <h3>By day</h3>
          {summary.conversations === 0 && summary.messages === 0 ? (
            <NoData title="Nothing to chart by day.">No conversation started and no message was sent in this period.</NoData>
          ) : (
            <DayChart days={summary.days} />
          )}
        </>
      )}
    </ReportCard>
  );
}
