import type { BusiestHoursReport } from '@parley/protocol';
import { formatCount } from './format.js';
import { busiestSlot, HeatMap } from './heat-map.js';
import { NoData, ReportCard } from './report-card.js';
import type { Loaded } from './use-report.js';

export function BusiestHoursSection(props: { loaded: Loaded<BusiestHoursReport>; csv: { href: string } }) {
  return (
    <ReportCard
      id="report-hours"
      title="Busiest hours"
      description="Conversations started, by weekday and hour in the chosen time zone."
      loaded={props.loaded}
      csv={props.csv}
    >
      {(report) => {
        const busiest = busiestSlot(report.cells);
        if (busiest === null) return <NoData title="No conversations started in this period.">The busiest hours show once some do.</NoData>;
        return (
          <>
            <p class="busiest">
              Busiest: <strong>{busiest.weekday}</strong> {busiest.hours}, {formatCount(busiest.count)}{' '}
              {busiest.count === 1 ? 'conversation' : 'conversations'} ({formatCount(report.total)} in all).
            </p>
            <HeatMap cells={report.cells} max={report.max} timeZone={report.period.timeZone} />
          </>
        );
      }}
    </ReportCard>
  );
}
