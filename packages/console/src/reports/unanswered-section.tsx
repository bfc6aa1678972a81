import { ABANDONED_AFTER_MINUTES, type SummaryReport, type UnansweredConversation } from '@parley/protocol';
import { formatDate } from '../ui/feedback.js';
import { Link } from '../ui/link.js';
import { formatCount } from './format.js';
import { CsvLink, NotLoaded } from './report-card.js';
import { StatTiles } from './stat-tiles.js';
import type { PagedReport } from './use-paged-report.js';
import type { Loaded } from './use-report.js';

type Csv = { href: string };

function ConversationTable(props: {
  title: string;
  list: PagedReport<UnansweredConversation>;
  csv: Csv;
  empty: string;
  names: { widget: (id: string) => string; team: (id: string | null) => string };
}) {
  const { items, error, more } = props.list;
  return (
    <div class="unanswered-list">
      <div class="subhead">
        <h3>{props.title}</h3>
        <CsvLink {...props.csv} of={`${props.title.toLowerCase()} conversations`} />
      </div>
      {error !== null ? (
        <NotLoaded message={error} />
      ) : items === null ? (
        <p class="muted small">Loading…</p>
      ) : items.length === 0 ? (
        <p class="muted small">{props.empty}</p>
      ) : (
        <div class="table-wrap">
          <table class="stack figures">
            <caption class="visually-hidden">{props.title} conversations, oldest handoff first</caption>
            <thead>
              <tr>
                <th scope="col">Handed over</th>
                <th scope="col">Widget</th>
                <th scope="col">Team</th>
                <th scope="col">Visitor last wrote</th>
                <th scope="col">Now</th>
                <th scope="col">
                  <span class="visually-hidden">Conversation</span>
                </th>
              </tr>
            </thead>
            <tbody>
              {items.map((item) => (
                <tr key={item.conversationId}>
                  <td data-label="Handed over">{formatDate(item.handoffAt)}</td>
                  <td data-label="Widget">{props.names.widget(item.widgetId)}</td>
                  <td data-label="Team">{props.names.team(item.teamId)}</td>
                  <td data-label="Visitor last wrote">{formatDate(item.lastVisitorMessageAt)}</td>
                  <td data-label="Now">{item.resolvedAt !== null ? 'Resolved' : item.abandoned ? 'Visitor left' : 'Waiting'}</td>
                  <td class="full">
                    <Link to={`/inbox/${item.conversationId}`}>
                      Open<span class="visually-hidden"> the conversation handed over {formatDate(item.handoffAt)}</span>
                    </Link>
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      )}
      {more === null ? null : (
        <button type="button" class="button small" onClick={more}>
          Show more
        </button>
      )}
    </div>
  );
}

/** Handed to a human and nobody answered: the ones still waiting and the ones whose visitor gave up. */
export function UnansweredSection(props: {
  summary: Loaded<SummaryReport>;
  unanswered: PagedReport<UnansweredConversation>;
  abandoned: PagedReport<UnansweredConversation>;
  csv: { unanswered: Csv; abandoned: Csv };
  names: { widget: (id: string) => string; team: (id: string | null) => string };
}) {
  const summary = props.summary.data;
  return (
    <section
      class="card report-card"
      aria-labelledby="report-unanswered-title"
      aria-busy={props.unanswered.loading || props.abandoned.loading}
    >
      <header class="report-card-head">
        <h2 id="report-unanswered-title">Unanswered and abandoned</h2>
        <p class="muted small">
          Unanswered: handed to a human and no human wrote yet. Abandoned: of those, the visitor left (the conversation was resolved, or the
          visitor was silent for {ABANDONED_AFTER_MINUTES} minutes).
        </p>
      </header>
      {summary === null ? null : (
        <StatTiles
          stats={[
            { label: 'Unanswered', value: formatCount(summary.unanswered), tone: 'warn' },
            { label: 'Abandoned', value: formatCount(summary.abandoned), tone: 'warn' },
          ]}
        />
      )}
      <ConversationTable
        title="Unanswered"
        list={props.unanswered}
        csv={props.csv.unanswered}
        empty="No conversation handed over in this period is waiting for a human answer."
        names={props.names}
      />
      <ConversationTable
        title="Abandoned"
        list={props.abandoned}
        csv={props.csv.abandoned}
        empty="No visitor gave up waiting for a human in this period."
        names={props.names}
      />
    </section>
  );
}
