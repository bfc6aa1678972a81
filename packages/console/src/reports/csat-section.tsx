import type { CsatComment, CsatReport } from '@parley/protocol';
import { formatDate } from '../ui/feedback.js';
import { Link } from '../ui/link.js';
import { BarChart } from './bar-chart.js';
import { formatAverage, formatCount, formatShare } from './format.js';
import { CsvLink, NoData, NotLoaded, ReportCard } from './report-card.js';
import { StatTiles } from './stat-tiles.js';
import type { PagedReport } from './use-paged-report.js';
import type { Loaded } from './use-report.js';

type Csv = { href: string };

function Comments(props: { comments: PagedReport<CsatComment>; csv: Csv; widgetName: (id: string) => string }) {
  const { items, error, more } = props.comments;
  return (
    <div class="csat-comments">
      <div class="subhead">
        <h3>Comments</h3>
        <CsvLink {...props.csv} of="CSAT comments" />
      </div>
      {error !== null ? (
        <NotLoaded message={error} />
      ) : items === null ? (
        <p class="muted small">Loading…</p>
      ) : items.length === 0 ? (
        <p class="muted small">No rating in this period came with a comment.</p>
      ) : (
        <ul class="comment-list">
          {items.map((comment) => (
            <li key={`${comment.conversationId}-${comment.ratedAt}`}>
              <p class="comment-head">
                <span class="score">{comment.score} / 5</span>
                <span class="muted small">
                  {formatDate(comment.ratedAt)} · {props.widgetName(comment.widgetId)} ·{' '}
                  <Link to={`/inbox/${comment.conversationId}`}>Open conversation</Link>
                </span>
              </p>
              <blockquote>{comment.comment}</blockquote>
            </li>
          ))}
        </ul>
      )}
      {more === null ? null : (
        <button type="button" class="button small" onClick={more}>
          Show more comments
        </button>
      )}
    </div>
  );
}

export function CsatSection(props: {
  loaded: Loaded<CsatReport>;
  comments: PagedReport<CsatComment>;
  csv: Csv;
  commentsCsv: Csv;
  widgetName: (id: string) => string;
}) {
  return (
    <ReportCard
      id="report-csat"
      title="Satisfaction (CSAT)"
      description="Ratings from 1 to 5 that visitors gave in the period; a conversation rated twice counts its last rating."
      loaded={props.loaded}
      csv={props.csv}
    >
      {(csat) =>
        csat.count === 0 ? (
          <NoData title="No ratings in this period.">Visitors rate a conversation when it is resolved, if the widget asks them to.</NoData>
        ) : (
          <>
            <StatTiles
              stats={[
                { label: 'Average score', value: `${formatAverage(csat.average)} / 5` },
                { label: 'Ratings', value: formatCount(csat.count) },
                {
                  label: 'Satisfied (4 or 5)',
                  value: formatShare(
                    csat.distribution.filter((entry) => entry.score >= 4).reduce((sum, entry) => sum + entry.count, 0),
                    csat.count,
                  ),
                },
                { label: 'With a comment', value: formatCount(csat.withComment) },
              ]}
            />
            <BarChart
              caption="Ratings by score"
              labelHeader="Score"
              valueHeader="Ratings"
              total={csat.count}
              bars={[...csat.distribution]
                .sort((a, b) => b.score - a.score)
                .map((entry) => ({ key: String(entry.score), label: `${entry.score} out of 5`, value: entry.count }))}
            />
            <Comments comments={props.comments} csv={props.commentsCsv} widgetName={props.widgetName} />
          </>
        )
      }
    </ReportCard>
  );
}
