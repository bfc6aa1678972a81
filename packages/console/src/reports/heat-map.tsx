import { formatCount } from './format.js';

/** Monday first, as the API's rows: names from the browser's locale (1 January 2024 was a Monday). */
const WEEKDAYS = Array.from({ length: 7 }, (_, day) => {
  const at = new Date(Date.UTC(2024, 0, 1 + day));
  return {
    short: new Intl.DateTimeFormat(undefined, { weekday: 'short', timeZone: 'UTC' }).format(at),
    long: new Intl.DateTimeFormat(undefined, { weekday: 'long', timeZone: 'UTC' }).format(at),
  };
});
const HOURS = Array.from({ length: 24 }, (_, hour) => hour);
const pad = (hour: number) => String(hour).padStart(2, '0');

/** 0 for nothing, then five steps up to the busiest cell (any count above zero is at least step 1). */
function level(value: number, max: number): number {
  return value <= 0 || max <= 0 ? 0 : Math.min(5, Math.max(1, Math.ceil((value / max) * 5)));
}

function Cell(props: { value: number; max: number; label: string }) {
  return (
    <td class={`heat heat-${level(props.value, props.max)}`} title={props.label}>
      {props.value > 0 ? formatCount(props.value) : <span class="heat-zero">·</span>}
    </td>
  );
}

/**
 * Conversations by weekday × hour: a table whose cells are shaded by their count, the count written in
 * each (so nothing is told by colour alone). Wide screens read weekdays down and hours across; narrow
 * ones get the same table turned (hours down), which fits 375 px without scrolling sideways.
 */
export function HeatMap(props: { cells: readonly (readonly number[])[]; max: number; timeZone: string }) {
  const value = (day: number, hour: number) => props.cells[day]?.[hour] ?? 0;
  const label = (day: number, hour: number) => `${WEEKDAYS[day]?.long ?? ''} ${pad(hour)}:00–${pad(hour + 1)}:00: ${value(day, hour)}`;
  const caption = `Conversations started by weekday and hour (${props.timeZone})`;
  return (
    <div class="heat-map">
      <div class="table-scroll heat-wide" tabIndex={0} role="region" aria-label={caption}>
        <table class="heat-table">
          <caption class="visually-hidden">{caption}</caption>
          <thead>
            <tr>
              <td />
              {HOURS.map((hour) => (
                <th scope="col" key={hour}>
                  <span class="visually-hidden">From </span>
                  {pad(hour)}
                  <span class="visually-hidden">:00</span>
                </th>
              ))}
            </tr>
          </thead>
          <tbody>
            {WEEKDAYS.map((weekday, day) => (
              <tr key={weekday.long}>
                <th scope="row">
                  <abbr title={weekday.long}>{weekday.short}</abbr>
                </th>
                {HOURS.map((hour) => (
                  <Cell key={hour} value={value(day, hour)} max={props.max} label={label(day, hour)} />
                ))}
              </tr>
            ))}
          </tbody>
        </table>
      </div>
      <table class="heat-table heat-tall">
        <caption class="visually-hidden">{caption}</caption>
        <thead>
          <tr>
            <td />
            {WEEKDAYS.map((weekday) => (
              <th scope="col" key={weekday.long}>
                <abbr title={weekday.long}>{weekday.short}</abbr>
              </th>
            ))}
          </tr>
        </thead>
        <tbody>
          {HOURS.map((hour) => (
            <tr key={hour}>
              <th scope="row">
                {pad(hour)}:00<span class="visually-hidden">–{pad(hour + 1)}:00</span>
              </th>
              {WEEKDAYS.map((weekday, day) => (
                <Cell key={weekday.long} value={value(day, hour)} max={props.max} label={label(day, hour)} />
              ))}
            </tr>
          ))}
        </tbody>
      </table>
      <p class="heat-legend" aria-hidden="true">
        <span>Fewer</span>
        {[0, 1, 2, 3, 4, 5].map((step) => (
          <span key={step} class={`heat heat-${step} swatch-cell`} />
        ))}
        <span>More</span>
      </p>
    </div>
  );
}

/** "Tuesday 14:00–15:00" of the busiest cell, or null when every cell is zero. */
export function busiestSlot(cells: readonly (readonly number[])[]): { weekday: string; hours: string; count: number } | null {
  let found = { day: 0, hour: 0, count: 0 };
  for (const [day, row] of cells.entries())
    for (const [hour, count] of row.entries()) if (count > found.count) found = { day, hour, count };
  if (found.count === 0) return null;
  return { weekday: WEEKDAYS[found.day]?.long ?? '', hours: `${pad(found.hour)}:00–${pad(found.hour + 1)}:00`, count: found.count };
}
