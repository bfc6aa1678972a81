import type { CampaignReport } from '@parley/protocol';
import { Link } from '../ui/link.js';
import { formatCount, formatShare } from './format.js';
import { NoData, ReportCard } from './report-card.js';
import type { Loaded } from './use-report.js';

/**
 * Proactive messages over the period: per campaign how often it was shown, opened and replied to, and the share of
 * showings a visitor replied to. Campaigns belong to widgets: a team or agent filter does not narrow them (said when
 * one is set), a widget filter does.
 */
export function CampaignsSection(props: {
  loaded: Loaded<CampaignReport>;
  csv: { href: string };
  widgetName: (id: string) => string;
  /** A team or agent filter is set, which these figures ignore. */
  narrowed: boolean;
}) {
  return (
    <ReportCard
      id="report-campaigns"
      title="Proactive messages"
      description={
        <>
          Campaigns shown to visitors, opened and answered.
          {props.narrowed ? ' They belong to widgets: the team and agent filters do not apply here.' : null}
        </>
      }
      loaded={props.loaded}
      csv={props.csv}
    >
      {(report) =>
        report.items.length === 0 ? (
          <NoData title="No campaigns.">
            <Link to="/campaigns">Set up a proactive message</Link> to greet visitors on the pages you choose.
          </NoData>
        ) : (
          <div class="table-wrap">
            <table class="stack figures">
              <caption class="visually-hidden">Proactive messages: shown, opened and replied to in the period</caption>
              <thead>
                <tr>
                  <th scope="col">Campaign</th>
                  <th scope="col">Widget</th>
                  <th scope="col" class="right">
                    Shown
                  </th>
                  <th scope="col" class="right">
                    Opened
                  </th>
                  <th scope="col" class="right">
                    Replied
                  </th>
                  <th scope="col" class="right">
                    Reply rate
                  </th>
                </tr>
              </thead>
              <tbody>
                {report.items.map((row) => (
                  <tr key={row.campaignId}>
                    <td data-label="Campaign">
                      <Link to={`/campaigns?widget=${encodeURIComponent(row.widgetId)}`}>{row.name}</Link>
                    </td>
                    <td data-label="Widget">{props.widgetName(row.widgetId)}</td>
                    <td data-label="Shown" class="right num">
                      {formatCount(row.shown)}
                    </td>
                    <td data-label="Opened" class="right num">
                      {formatCount(row.opened)}
                    </td>
                    <td data-label="Replied" class="right num">
                      {formatCount(row.replied)}
                    </td>
                    <td data-label="Reply rate" class="right num">
                      {formatShare(row.replied, row.shown)}
                    </td>
                  </tr>
                ))}
              </tbody>
            </table>
          </div>
        )
      }
    </ReportCard>
  );
}
