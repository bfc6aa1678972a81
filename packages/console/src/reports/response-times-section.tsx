import type { DurationStat, ResponseTimesReport } from '@parley/protocol';
import { useState } from 'preact/hooks';
import { formatCount, formatDuration } from './format.js';
import { NoData, ReportCard } from './report-card.js';
import { StatTiles } from './stat-tiles.js';
import type { Loaded } from './use-report.js';

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
      <StatTiles
        stats={rows.flatMap((row) => [
          {
            label: `${row.label}, median`,
            value: formatDuration(row.stat.medianSeconds),
            detail: `${formatCount(row.stat.count)} measured`,
          },
          { label: `${row.label}, 90th percentile`, value: formatDuration(row.stat.p90Seconds), detail: '9 in 10 were quicker' },
        ])}
      />
      <div class="table-wrap">
        <table class="figures">
          <caption class="visually-hidden">
            {business ? 'Response and resolution times, business hours only' : 'Response and resolution times'}
          </caption>
          <thead>
            <tr>
              <th scope="col">Time to</th>
              <th scope="col" class="right">
                Median
              </th>
              <th scope="col" class="right">
                90th percentile
              </th>
              <th scope="col" class="right">
                Average
              </th>
              <th scope="col" class="right">
                Measured
              </th>
            </tr>
          </thead>
          <tbody>
            {rows.map((row) => (
              <tr key={row.label}>
                <th scope="row">{row.label}</th>
                <td class="right num">{formatDuration(row.stat.medianSeconds)}</td>
                <td class="right num">{formatDuration(row.stat.p90Seconds)}</td>
                <td class="right num">{formatDuration(row.stat.averageSeconds)}</td>
                <td class="right num">{formatCount(row.stat.count)}</td>
              </tr>
            ))}
          </tbody>
        </table>
      </div>
    </>
  );
}

export function ResponseTimesSection(props: { loaded: Loaded<ResponseTimesReport>; csv: { href: string; fileName: string } }) {
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
