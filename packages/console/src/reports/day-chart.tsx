import type { ReportDay } from '@parley/protocol';
import { formatCount } from './format.js';

const shortDay = new Intl.DateTimeFormat(undefined, { day: 'numeric', month: 'short', timeZone: 'UTC' });
const weekDay = new Intl.DateTimeFormat(undefined, { weekday: 'short', day: 'numeric', month: 'short', timeZone: 'UTC' });
const weekDayYear = new Intl.DateTimeFormat(undefined, {
  weekday: 'short',
  day: 'numeric',
  month: 'short',
  year: 'numeric',
  timeZone: 'UTC',
});

/** A label ("6 Dec") of a `YYYY-MM-DD` day; the date is a label, not an instant, so it is read in UTC. */
function dayLabel(date: string, format: Intl.DateTimeFormat = shortDay): string {
  const at = new Date(`${date}T00:00:00Z`);
  return Number.isNaN(at.getTime()) ? date : format.format(at);
}

/**
 * Conversations per day as stacked columns (the bot alone, handed to a human, the rest), with every
 * day's numbers in the table under it. The columns are a picture of the table and hidden from
 * screen readers; the table scrolls when the period is long.
 */
export function DayChart(props: { days: readonly ReportDay[] }) {
  const max = Math.max(1, ...props.days.map((day) => day.conversations));
  const first = props.days[0];
  const last = props.days[props.days.length - 1];
  const middle = props.days[Math.floor((props.days.length - 1) / 2)];
  // The year is said once in the page's period line, unless the period runs over two years.
  const rowDay = first !== undefined && last !== undefined && first.date.slice(0, 4) !== last.date.slice(0, 4) ? weekDayYear : weekDay;
  return (
    <div class="day-chart">
      {props.days.length < 2 ? null : ( // One day is its row in the table: a single column tells nothing more.
        <div class="columns-frame" aria-hidden="true">
          <span class="columns-max num">{formatCount(max)}</span>
          {/* Long periods close the gaps, so that a year's 366 columns fit 375 px. */}
          <div class={`columns${props.days.length > 120 ? ' solid' : props.days.length > 45 ? ' dense' : ''}`}>
            {props.days.map((day) => {
              const rest = Math.max(0, day.conversations - day.resolvedByBot - day.handedToHuman);
              return (
                <span class="column" key={day.date} title={`${dayLabel(day.date, rowDay)}: ${day.conversations}`}>
                  <span class="stack" style={{ height: `${(day.conversations / max) * 100}%` }}>
                    {rest > 0 ? <span class="tone-other" style={{ flexGrow: rest }} /> : null}
                    {day.handedToHuman > 0 ? <span class="tone-human" style={{ flexGrow: day.handedToHuman }} /> : null}
                    {day.resolvedByBot > 0 ? <span class="tone-bot" style={{ flexGrow: day.resolvedByBot }} /> : null}
                  </span>
                </span>
              );
            })}
          </div>
          <div class="columns-axis">
            <span>{first === undefined ? '' : dayLabel(first.date)}</span>
            {props.days.length > 2 && middle !== undefined ? <span>{dayLabel(middle.date)}</span> : null}
            <span>{last === undefined || last === first ? '' : dayLabel(last.date)}</span>
          </div>
        </div>
      )}
      <div class="table-scroll" tabIndex={0} role="region" aria-label="Conversations by day, as a table">
        <table class="figures stack day-table">
          <caption class="visually-hidden">Conversations and messages by day</caption>
          <thead>
            <tr>
              <th scope="col">Day</th>
              <th scope="col" class="right">
                Conversations
              </th>
              <th scope="col" class="right">
                By the bot alone
              </th>
              <th scope="col" class="right">
                Handed to a human
              </th>
              <th scope="col" class="right">
                Messages
              </th>
            </tr>
          </thead>
          <tbody>
            {props.days.map((day) => (
              <tr key={day.date}>
                <th scope="row">
                  <time dateTime={day.date}>{dayLabel(day.date, rowDay)}</time>
                </th>
                <td class="right num" data-label="Conversations">
                  {formatCount(day.conversations)}
                </td>
                <td class="right num" data-label="Bot alone">
                  {formatCount(day.resolvedByBot)}
                </td>
                <td class="right num" data-label="To a human">
                  {formatCount(day.handedToHuman)}
                </td>
                <td class="right num" data-label="Messages">
                  {formatCount(day.messages)}
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      </div>
    </div>
  );
}
