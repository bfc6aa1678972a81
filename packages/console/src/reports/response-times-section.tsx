import type { DurationStat, ResponseTimesReport } from '@parley/protocol';
import { useState } from 'preact/hooks';
import { formatCount, formatDuration } from './format.js';
import { NoData, ReportCard } from './report-card.js';
import type { Loaded } from './use-report.js';

const FIGURES: readonly { label: string; read: (stat: DurationStat) => string }[] = [
  { label: 'Median', read: (stat) => formatDuration(stat.medianSeconds) },
  { label: '90th percentile', read: (stat) => formatDuration(stat.p90Seconds) },
  { label: 'Average', read: (stat) => formatDuration(stat.averageSeconds) },
  { label: 'Measured', read: (stat) => formatCount(stat.count) },
];

function Times(props: { report: ResponseTimesReport }) {
  const [business, setBusiness] = useState(false);
  const clock = business ? 'businessHours' : 'wallClock';
  const rows: readonly { label: string; stat: DurationStat }[] = [
    { label: 'First human response', stat: props.report.firstResponse[clock] },
    { label: 'Resolution', stat: props.report.resolution[clock] },
  ];
  return (
    <>
      <label class="field check">
        <input type="checkbox" checked={business} onChange={(event) => setBusiness(event.currentTarget.checked)} />
        <span>Count business hours only (widgets without hours count every hour)</span>
      </label>
      <dl class="stat-tiles time-tiles">
        {rows.map((row) => (
          <div class="stat-tile" key={row.label}>
            <dt>{row.label}</dt>
            <dd class="time-pair">
              <span>
                <span class="stat-value">{formatDuration(row.stat.medianSeconds)}</span>
                <span class="stat-detail">median</span>
              </span>
              <span>
                <span class="stat-value">{formatDuration(row.stat.p90Seconds)}</span>
                <span class="stat-detail">90th percentile</span>
              </span>
            </dd>
            <dd class="stat-detail">{formatCount(row.stat.count)} measured</dd>
          </div>
        ))}
      </dl>
      <table class="figures bordered">
        <caption class="visually-hidden">
          {business ? 'Response and resolution times, business hours only' : 'Response and resolution times'}
        </caption>
        <thead>
          <tr>
            <td />
            {rows.map((row) => (
              <th scope="col" class="right" key={row.label}>
                {row.label}
              </th>
            ))}
          </tr>
        </thead>
        <tbody>
          {FIGURES.map((figure) => (
            <tr key={figure.label}>
              <th scope="row">{figure.label}</th>
              {rows.map((row) => (
                <td class="right num" key={row.label}>
                  {figure.read(row.stat)}
                </td>
              ))}
            </tr>
          ))}
        </tbody>
      </table>
    </>
  );
}

export function ResponseTimesSection(props: { loaded: Loaded<ResponseTimesReport>; csv: { href: string } }) {
  return (
    <ReportCard
      id="report-times"
      title="Response and resolution times"
      description="First human response: from the handoff to the first agent message. Resolution: from the start to the first resolve."
      loaded={props.loaded}
      csv={props.csv}
    >
      {(report) =>
        report.firstResponse.wallClock.count === 0 && report.resolution.wallClock.count === 0 ? (
          <NoData title="No times to measure in this period.">
            Times appear once an agent answers a handed-over conversation, or a conversation is resolved.
          </NoData>
        ) : (
          <Times report={report} />
        )
      }
    </ReportCard>
  );
}
