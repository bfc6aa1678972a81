import type { ComponentChildren } from 'preact';
import { formatCount, formatShare } from './format.js';

export interface Bar {
  readonly key: string;
  readonly label: ComponentChildren;
  readonly value: number;
  readonly tone?: 'bot' | 'human' | 'other' | 'primary';
}

/**
 * A horizontal bar chart that is its own table: one row per bar with its label, count and share of
 * `total`, the bar drawn in the share cell (hidden from screen readers, who read the numbers). The
 * bars are shares of the total, so their lengths agree with the percentages beside them.
 */
export function BarChart(props: { caption: string; labelHeader: string; valueHeader: string; bars: readonly Bar[]; total: number }) {
  return (
    <table class="bar-chart">
      <caption class="visually-hidden">{props.caption}</caption>
      <thead>
        <tr>
          <th scope="col">{props.labelHeader}</th>
          <th scope="col" class="right">
            {props.valueHeader}
          </th>
          <th scope="col" class="bar-col">
            Share
          </th>
        </tr>
      </thead>
      <tbody>
        {props.bars.map((bar) => (
          <tr key={bar.key}>
            <th scope="row">{bar.label}</th>
            <td class="right num">{formatCount(bar.value)}</td>
            <td class="bar-col">
              <span class="bar-cell">
                <span class="bar-track" aria-hidden="true">
                  <span
                    class={`bar tone-${bar.tone ?? 'primary'}`}
                    style={{ width: props.total > 0 ? `${(bar.value / props.total) * 100}%` : '0%' }}
                  />
                </span>
                <span class="num">{formatShare(bar.value, props.total)}</span>
              </span>
            </td>
          </tr>
        ))}
      </tbody>
    </table>
  );
}
