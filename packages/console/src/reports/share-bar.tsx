import { formatCount, formatShare } from './format.js';

export interface Share {
  readonly key: string;
  readonly label: string;
  readonly value: number;
  readonly tone: 'bot' | 'human' | 'other';
}

/**
 * One bar split into the parts of a whole (the conversations: by the bot alone, handed to a human,
 * neither yet), with a legend that says each part's count and share. The bar is a picture of the
 * legend: screen readers read the legend and skip the bar.
 */
export function ShareBar(props: { shares: readonly Share[]; total: number; label: string }) {
  return (
    <div class="share-bar-wrap">
      <div class="share-bar" aria-hidden="true">
        {props.shares
          .filter((share) => share.value > 0)
          .map((share) => (
            <span key={share.key} class={`share tone-${share.tone}`} style={{ flexGrow: share.value }} />
          ))}
      </div>
      <ul class="share-legend" aria-label={props.label}>
        {props.shares.map((share) => (
          <li key={share.key}>
            <span class={`key tone-${share.tone}`} aria-hidden="true" />
            <span class="share-name">{share.label}</span>
            <span class="share-figure num">
              {formatShare(share.value, props.total)} <span class="muted">({formatCount(share.value)})</span>
            </span>
          </li>
        ))}
      </ul>
    </div>
  );
}
