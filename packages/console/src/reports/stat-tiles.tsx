import type { ComponentChildren } from 'preact';

export interface Stat {
  readonly label: string;
  readonly value: string;
  readonly detail?: ComponentChildren;
  /** Colours the figure's marker like its part of the charts (bot, human, warn). */
  readonly tone?: 'bot' | 'human' | 'warn';
}

/** Figures side by side, as a description list: each label is read with its value. */
export function StatTiles(props: { stats: readonly Stat[] }) {
  return (
    <dl class="stat-tiles">
      {props.stats.map((stat) => (
        <div class={`stat-tile${stat.tone === undefined ? '' : ` tone-${stat.tone}`}`} key={stat.label}>
          <dt>{stat.label}</dt>
          <dd class="stat-value">{stat.value}</dd>
          {stat.detail === undefined ? null : <dd class="stat-detail">{stat.detail}</dd>}
        </div>
      ))}
    </dl>
  );
}
