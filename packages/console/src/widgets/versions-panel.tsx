import type { ConfigChange, ConfigDiff, ConfigSource, Widget, WidgetVersion } from '@parley/protocol';
import { useEffect, useRef, useState } from 'preact/hooks';
import { api, errorText } from '../api.js';
import { CopyButton, ErrorNote, formatDate, Notice } from '../ui/feedback.js';
import { ModalDialog } from '../ui/modal-dialog.js';
import { labelFor } from './settings-fields.js';

/**
 * Widget configuration versions in the editor (issue 21, docs/configuration-versions.md): the draft's badge with
 * Publish… and Discard draft, a shareable preview link, and the history with readable diffs and roll back.
 */

/** `/theme/primaryColor` → "Theme › Primary color", with the editor's own labels; array items by their position. */
export function changeLabel(path: string): string {
  const steps = path
    .split('/')
    .slice(1)
    .map((step) => step.replace(/~1/g, '/').replace(/~0/g, '~'));
  return steps.map((step) => (/^\d+$/.test(step) ? `item ${Number(step) + 1}` : labelFor(step))).join(' › ');
}

/** A value as a person reads it: text as typed, "(empty)", yes/no, anything else as compact JSON. */
export function changeValue(value: unknown): string {
  if (value === undefined || value === null) return '(not set)';
  if (value === '') return '(empty)';
  if (typeof value === 'boolean') return value ? 'On' : 'Off';
  if (typeof value === 'string') return value;
  return JSON.stringify(value);
}

const SOURCE_WORDS: Readonly<Record<ConfigSource, string>> = {
  widget: 'set on this widget',
  blueprint: 'from the blueprint',
  default: 'built-in default',
};

function sourceNote(source: ConfigSource | undefined): string | null {
  return source === undefined || source === 'widget' ? null : SOURCE_WORDS[source];
}

function authorName(version: WidgetVersion): string {
  const author = version.author;
  if (author.name !== null && author.name !== '') return author.name;
  return author.kind === 'system' ? 'Parley' : author.kind;
}

/** The draft's badge and actions, and the preview link; shown above the form while a draft waits. */
export function DraftBar(props: { widget: Widget; dirty: boolean; onChanged: (widget: Widget | null) => void; onCompare: () => void }) {
  const [publishing, setPublishing] = useState(false);
  const [discarding, setDiscarding] = useState(false);
  const draft = props.widget.draft;
  if (draft === null) return null;
  return (
    <section class="card draft-bar" aria-labelledby="draft-title">
      <div class="draft-head">
        <h2 id="draft-title">
          <span class="badge draft">Draft</span> Not published yet
        </h2>
        <p class="muted small">
          Visitors get version {props.widget.version} until you publish. Draft from version {draft.baseVersion}, last saved{' '}
          {formatDate(draft.updatedAt)}.
        </p>
      </div>
      <div class="draft-actions">
        <button type="button" class="button" onClick={props.onCompare}>
          Compare draft with published
        </button>
        <button type="button" class="button primary" disabled={props.dirty} onClick={() => setPublishing(true)}>
          Publish…
        </button>
        <button type="button" class="button danger-ghost" disabled={props.dirty} onClick={() => setDiscarding(true)}>
          Discard draft
        </button>
      </div>
      {props.dirty ? <p class="muted small">Save your changes before publishing or discarding.</p> : null}
      {publishing ? (
        <PublishDialog
          widget={props.widget}
          onClose={() => setPublishing(false)}
          onDone={(next) => {
            setPublishing(false);
            props.onChanged(next);
          }}
        />
      ) : null}
      {discarding ? (
        <ConfirmDialog
          title="Discard the draft?"
          text={`The draft's changes are lost; the editor goes back to version ${props.widget.version}, which visitors have now.`}
          confirm="Discard draft"
          danger
          onClose={() => setDiscarding(false)}
          action={async () => {
            await api.delete(`/v1/widgets/${encodeURIComponent(props.widget.id)}/draft`);
            setDiscarding(false);
            props.onChanged(null);
          }}
        />
      ) : null}
    </section>
  );
}

function PublishDialog(props: { widget: Widget; onClose: () => void; onDone: (widget: Widget) => void }) {
  const [message, setMessage] = useState('');
  const [error, setError] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);
  const field = useRef<HTMLTextAreaElement>(null);
  const submit = async (event: Event) => {
    event.preventDefault();
    setBusy(true);
    setError(null);
    try {
      const body = message.trim() === '' ? {} : { message: message.trim() };
      props.onDone(await api.post<Widget>(`/v1/widgets/${encodeURIComponent(props.widget.id)}/publish`, body));
    } catch (caught) {
      setError(errorText(caught));
      setBusy(false);
      field.current?.focus();
    }
  };
  return (
    <ModalDialog
      class="publish-dialog"
      title="Publish the draft"
      titleId="publish-title"
      helpId="publish-help"
      initialFocus={field}
      onClose={props.onClose}
    >
      <form onSubmit={(event) => void submit(event)}>
        <p id="publish-help">Visitors get the draft at once, as version {props.widget.version + 1}.</p>
        <div class="field">
          <label class="label" for="publish-message">
            What changed (optional)
          </label>
          <textarea
            id="publish-message"
            ref={field}
            rows={3}
            maxLength={500}
            value={message}
            onInput={(e) => setMessage(e.currentTarget.value)}
          />
        </div>
        <ErrorNote message={error} />
        <div class="dialog-buttons">
          <button type="button" class="button" onClick={props.onClose}>
            Cancel
          </button>
          <button type="submit" class="button primary" disabled={busy}>
            {busy ? 'Publishing…' : 'Publish'}
          </button>
        </div>
      </form>
    </ModalDialog>
  );
}

function ConfirmDialog(props: {
  title: string;
  text: string;
  confirm: string;
  danger?: boolean;
  onClose: () => void;
  action: () => Promise<void>;
}) {
  const [error, setError] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);
  const cancel = useRef<HTMLButtonElement>(null);
  const run = async () => {
    setBusy(true);
    setError(null);
    try {
      await props.action();
    } catch (caught) {
      setError(errorText(caught));
      setBusy(false);
      // The disabled button lost the focus: back inside the dialog, so Escape and Tab still work.
      cancel.current?.focus();
    }
  };
  return (
    <ModalDialog
      class="confirm-dialog"
      title={props.title}
      titleId="confirm-title"
      helpId="confirm-help"
      initialFocus={cancel}
      onClose={props.onClose}
    >
      <p id="confirm-help">{props.text}</p>
      <ErrorNote message={error} />
      <div class="dialog-buttons">
        <button type="button" class="button" ref={cancel} onClick={props.onClose}>
          Cancel
        </button>
        <button type="button" class={`button ${props.danger === true ? 'danger' : 'primary'}`} disabled={busy} onClick={() => void run()}>
          {props.confirm}
        </button>
      </div>
    </ModalDialog>
  );
}

/** "Share preview link": a signed link to the widget with its draft (or the published version), and its expiry. */
export function PreviewLinkCard(props: { widgetId: string }) {
  const [link, setLink] = useState<{ url: string; expiresAt: string } | null>(null);
  const [error, setError] = useState<string | null>(null);
  const make = async () => {
    setError(null);
    try {
      setLink(await api.post<{ url: string; expiresAt: string }>(`/v1/widgets/${encodeURIComponent(props.widgetId)}/preview-links`, {}));
    } catch (caught) {
      setError(errorText(caught));
    }
  };
  return (
    <section class="card" aria-labelledby="preview-link-title">
      <h2 id="preview-link-title">Share a preview</h2>
      <p class="muted small">A link anyone can open to see the widget with its draft (or the published version), without signing in.</p>
      <button type="button" class="button" onClick={() => void make()}>
        {link === null ? 'Share preview link' : 'Make a new link'}
      </button>
      <ErrorNote message={error} />
      {link === null ? null : (
        <div class="preview-link">
          <label class="label" for="preview-link-url">
            Preview link (valid until {formatDate(link.expiresAt)})
          </label>
          <div class="copy-row">
            <input id="preview-link-url" readOnly value={link.url} onFocus={(e) => e.currentTarget.select()} />
            <CopyButton text={link.url} label="Copy the preview link" />
          </div>
        </div>
      )}
    </section>
  );
}

/** The newest versions listed before "Show all". */
const SHOWN = 5;

/** Which two configurations a diff compares. */
export interface Comparison {
  readonly from: number;
  readonly to: number | 'draft';
  readonly title: string;
}

/** The versions, newest first, each with Compare and Roll back; and the diff being looked at. */
export function HistoryPanel(props: {
  widget: Widget;
  compare: Comparison | null;
  onCompare: (c: Comparison | null) => void;
  onRolledBack: (widget: Widget) => void;
}) {
  const { widget } = props;
  const [versions, setVersions] = useState<readonly WidgetVersion[] | null>(null);
  const [error, setError] = useState<string | null>(null);
  const [rollback, setRollback] = useState<WidgetVersion | null>(null);
  const [done, setDone] = useState<string | null>(null);
  const [all, setAll] = useState(false);

  // Versions are written only by a publish (a save without review, Publish, Roll back), which moves widget.version.
  useEffect(() => {
    api.get<{ items: WidgetVersion[] }>(`/v1/widgets/${encodeURIComponent(widget.id)}/versions?take=50`).then(
      (page) => setVersions(page.items),
      (caught: unknown) => setError(errorText(caught)),
    );
  }, [widget.id, widget.version]);

  return (
    <section class="card history" aria-labelledby="history-title">
      <h2 id="history-title">History</h2>
      <ErrorNote message={error} />
      {done === null ? null : <Notice>{done}</Notice>}
      {props.compare === null ? null : <DiffView widgetId={widget.id} comparison={props.compare} onClose={() => props.onCompare(null)} />}
      {versions === null ? (
        error === null ? (
          <p class="muted">Loading…</p>
        ) : null
      ) : (
        <ol class="version-list" aria-label="Versions, newest first">
          {(all ? versions : versions.slice(0, SHOWN)).map((version) => (
            <li class="version-row">
              <div class="version-main">
                <span class="version-number">Version {version.number}</span>
                {version.published ? <span class="badge ok">Published</span> : null}
                <span class="muted small">
                  {authorName(version)} · {formatDate(version.createdAt)}
                </span>
                {version.message === '' ? null : <span class="version-message">{version.message}</span>}
              </div>
              <div class="version-actions" role="group" aria-label={`Version ${version.number}`}>
                {version.published ? null : (
                  <button
                    type="button"
                    class="button small"
                    onClick={() =>
                      props.onCompare({
                        from: widget.version,
                        to: version.number,
                        title: `Published (version ${widget.version}) → version ${version.number}`,
                      })
                    }
                  >
                    Compare with published
                  </button>
                )}
                {version.number > 1 ? (
                  <button
                    type="button"
                    class="button small"
                    onClick={() =>
                      props.onCompare({
                        from: version.number - 1,
                        to: version.number,
                        title: `Version ${version.number - 1} → version ${version.number}`,
                      })
                    }
                  >
                    Compare with previous
                  </button>
                ) : null}
                {version.published ? null : (
                  <button type="button" class="button small" onClick={() => setRollback(version)}>
                    Roll back to this version
                  </button>
                )}
              </div>
            </li>
          ))}
        </ol>
      )}
      {versions !== null && versions.length > SHOWN ? (
        <button type="button" class="button small" aria-expanded={all} onClick={() => setAll(!all)}>
          {all ? 'Show fewer versions' : `Show all ${versions.length} versions`}
        </button>
      ) : null}
      {rollback === null ? null : (
        <ConfirmDialog
          title={`Roll back to version ${rollback.number}?`}
          text={`Visitors get version ${rollback.number}'s configuration at once, published as a new version ${widget.version + 1}. The history stays${widget.draft === null ? '' : ', and the draft is kept'}.`}
          confirm="Roll back"
          onClose={() => setRollback(null)}
          action={async () => {
            const next = await api.post<Widget>(`/v1/widgets/${encodeURIComponent(widget.id)}/rollback`, {
              version: rollback.number,
              message: `Rolled back to version ${rollback.number}`,
            });
            setRollback(null);
            setDone(`Rolled back: version ${next.version} is a copy of version ${rollback.number}, and visitors have it now.`);
            props.onRolledBack(next);
          }}
        />
      )}
    </section>
  );
}

/** A readable diff: one row per changed field (label, before, after), inherited and default values said so. */
function DiffView(props: { widgetId: string; comparison: Comparison; onClose: () => void }) {
  const { from, to, title } = props.comparison;
  const [diff, setDiff] = useState<ConfigDiff | null>(null);
  const [error, setError] = useState<string | null>(null);
  const heading = useRef<HTMLHeadingElement>(null);
  useEffect(() => {
    setDiff(null);
    setError(null);
    api.get<ConfigDiff>(`/v1/widgets/${encodeURIComponent(props.widgetId)}/diff?from=${from}&to=${to}`).then(
      (answer) => {
        setDiff(answer);
        heading.current?.focus();
      },
      (caught: unknown) => setError(errorText(caught)),
    );
  }, [props.widgetId, from, to]);
  return (
    <div class="diff-view" role="region" aria-labelledby="diff-title">
      <div class="diff-head">
        <h3 id="diff-title" ref={heading} tabIndex={-1}>
          {title}
        </h3>
        <button type="button" class="button small" onClick={props.onClose}>
          Close comparison
        </button>
      </div>
      <ErrorNote message={error} />
      {diff === null ? (
        error === null ? (
          <p class="muted">Loading…</p>
        ) : null
      ) : diff.changes.length === 0 ? (
        <p>No differences: both have the same configuration.</p>
      ) : (
        <ChangesTable changes={diff.changes} />
      )}
    </div>
  );
}

/** Changed fields as a table (field, before, after): a comparison's, an import's or a promotion's. */
export function ChangesTable(props: { changes: readonly ConfigChange[] }) {
  return (
    <table class="diff-table">
      <caption class="visually-hidden">Changed fields</caption>
      <thead>
        <tr>
          <th scope="col">Field</th>
          <th scope="col">Before</th>
          <th scope="col">After</th>
        </tr>
      </thead>
      <tbody>
        {props.changes.map((change) => (
          <DiffRow change={change} />
        ))}
      </tbody>
    </table>
  );
}

function DiffRow(props: { change: ConfigChange }) {
  const { change } = props;
  const oldNote = sourceNote(change.oldSource);
  const newNote = sourceNote(change.newSource);
  return (
    <tr>
      <th scope="row">{changeLabel(change.path)}</th>
      <td class="diff-old">
        <span class="diff-value">{change.op === 'add' ? '(not set)' : changeValue(change.old)}</span>
        {oldNote === null ? null : <span class="diff-source">{oldNote}</span>}
      </td>
      <td class="diff-new">
        <span class="diff-value">{change.op === 'remove' ? '(not set)' : changeValue(change.new)}</span>
        {newNote === null ? null : <span class="diff-source">{newNote}</span>}
      </td>
    </tr>
  );
}
