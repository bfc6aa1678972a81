import type { ComponentChildren } from 'preact';
import type { Loaded } from './use-report.js';

/**
 * "CSV" of one report, named for it (every card has one, so the name says which). The server's answer
 * names the file (Content-Disposition): parley-<report>-<from>-<to>.csv.
 */
export function CsvLink(props: { href: string; of: string }) {
  return (
    <a class="button small csv-link" href={props.href} download="">
      <svg viewBox="0 0 16 16" width="14" height="14" aria-hidden="true" focusable="false">
        <path d="M8 2v8m0 0 3-3m-3 3L5 7M3 13h10" fill="none" stroke="currentColor" stroke-width="1.6" stroke-linecap="round" />
      </svg>
      CSV<span class="visually-hidden"> of {props.of}</span>
    </a>
  );
}

/** Nothing happened in the period: said in words where the chart would be, not as an empty frame. */
export function NoData(props: { title: string; children?: ComponentChildren }) {
  return (
    <div class="report-empty" role="note">
      <p class="report-empty-title">{props.title}</p>
      {props.children === undefined ? null : <p class="muted small">{props.children}</p>}
    </div>
  );
}

/** A report that did not load: said in place, quietly (the page says it once, aloud, with Try again). */
export function NotLoaded(props: { message: string }) {
  return (
    <div class="report-empty report-failed">
      <p class="report-empty-title">Not loaded.</p>
      <p class="muted small">{props.message}</p>
    </div>
  );
}

/**
 * One report on the page: heading, what it counts, its CSV, and its body once the answer came —
 * a placeholder while the first answer loads, what went wrong when it failed.
 */
export function ReportCard<T>(props: {
  id: string;
  title: string;
  description?: ComponentChildren;
  loaded: Loaded<T>;
  csv?: { href: string };
  class?: string;
  children: (data: T) => ComponentChildren;
}) {
  const { data, error, loading } = props.loaded;
  return (
    <section class={`card report-card ${props.class ?? ''}`} aria-labelledby={`${props.id}-title`} aria-busy={loading}>
      <header class="report-card-head">
        <h2 id={`${props.id}-title`}>{props.title}</h2>
        {props.csv === undefined ? null : <CsvLink {...props.csv} of={props.title} />}
        {props.description === undefined ? null : <p class="muted small">{props.description}</p>}
      </header>
      {error !== null ? (
        <NotLoaded message={error} />
      ) : data === null ? (
        <div class="report-skeleton">
          <span class="muted small">Loading…</span>
        </div>
      ) : (
        <div class={loading ? 'report-body stale' : 'report-body'}>{props.children(data)}</div>
      )}
    </section>
  );
}
