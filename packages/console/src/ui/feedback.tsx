import type { ComponentChildren } from 'preact';
import { useState } from 'preact/hooks';

/** An error that says what went wrong and what to do; announced to screen readers. */
export function ErrorNote(props: { message: string | null }) {
  if (props.message === null) return null;
  return (
    <p class="error-note" role="alert">
      {props.message}
    </p>
  );
}

export function Notice(props: { children: ComponentChildren }) {
  return (
    <p class="notice" role="status">
      {props.children}
    </p>
  );
}

export function Empty(props: { title: string; children?: ComponentChildren }) {
  return (
    <div class="empty">
      <p class="empty-title">{props.title}</p>
      {props.children}
    </div>
  );
}

/** A list as a page shows it: "Loading…" until it came, `empty` when it has nothing, else `children(items)`. */
export function ListBody<T>(props: { items: readonly T[] | null; empty: string; children: (items: readonly T[]) => ComponentChildren }) {
  if (props.items === null) return <p class="muted">Loading…</p>;
  if (props.items.length === 0) return <Empty title={props.empty} />;
  return <>{props.children(props.items)}</>;
}

export function PageHeader(props: { title: string; children?: ComponentChildren; description?: string }) {
  return (
    <header class="page-header">
      <div>
        <h1>{props.title}</h1>
        {props.description === undefined ? null : <p class="muted">{props.description}</p>}
      </div>
      {props.children === undefined ? null : <div class="page-actions">{props.children}</div>}
    </header>
  );
}

/** Copies `text` and says so for two seconds. */
export function CopyButton(props: { text: string; label: string }) {
  const [copied, setCopied] = useState(false);
  const copy = async () => {
    try {
      await navigator.clipboard.writeText(props.text);
    } catch {
      // Clipboard access can be refused (insecure origin, permissions): select-and-copy still works.
    }
    setCopied(true);
    setTimeout(() => setCopied(false), 2000);
  };
  return (
    <button type="button" class="button small" onClick={() => void copy()} aria-label={props.label}>
      {copied ? 'Copied' : 'Copy'}
    </button>
  );
}

export function formatDate(iso: string | null | undefined): string {
  if (iso === null || iso === undefined) return '—';
  const date = new Date(iso);
  return Number.isNaN(date.getTime()) ? iso : date.toLocaleString(undefined, { dateStyle: 'medium', timeStyle: 'short' });
}
