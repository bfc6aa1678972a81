import type { BlueprintImportResult, Widget, WidgetImportResult, WidgetPromotion } from '@parley/protocol';
import { useEffect, useState } from 'preact/hooks';
import { api, errorText } from '../api.js';
import { ErrorNote, Notice } from '../ui/feedback.js';
import { Link } from '../ui/link.js';
import { ChangesTable } from './versions-panel.js';
import { plural } from '../ui/plural.js';

/**
 * Configuration as a file and between environments (issue 21, docs/configuration-versions.md): export a widget or
 * blueprint as its JSON document, import one (dry run first: what it would create or change), and promote a widget
 * from another (staging → production) after seeing the changes.
 */

type Kind = 'widgets' | 'blueprints';

const NOUN: Readonly<Record<Kind, string>> = { widgets: 'widget', blueprints: 'blueprint' };

/** "Support chat" → `parley-widget-support-chat.json` (the id when the name has no letter or digit to keep). */
export function documentFileName(kind: Kind, name: string, id: string): string {
  const slug = name
    .normalize('NFKD')
    .toLowerCase()
    .replace(/[^a-z0-9]+/g, '-')
    .replace(/^-+|-+$/g, '')
    .slice(0, 60);
  return `parley-${NOUN[kind]}-${slug === '' ? id : slug}.json`;
}

/** Saves `GET /v1/{kind}/{id}/export` as a file, pretty-printed (it is meant for git). */
async function saveExport(kind: Kind, id: string, name: string): Promise<void> {
  const exported = await api.get<unknown>(`/v1/${kind}/${encodeURIComponent(id)}/export`);
  const url = URL.createObjectURL(new Blob([`${JSON.stringify(exported, null, 2)}\n`], { type: 'application/json' }));
  const link = Object.assign(document.createElement('a'), { href: url, download: documentFileName(kind, name, id) });
  link.click();
  URL.revokeObjectURL(url);
}

/** Export in the editor, and for widgets Promote from another widget. */
export function ConfigFileCard(props: { kind: Kind; id: string; name: string; widget: Widget | null; onPromoted: () => void }) {
  const [error, setError] = useState<string | null>(null);
  const noun = NOUN[props.kind];
  return (
    <section class="card config-file" aria-labelledby="config-file-title">
      <h2 id="config-file-title">{props.widget === null ? 'Configuration file' : 'Configuration file and environments'}</h2>
      <p class="muted small">
        The {noun}’s published configuration as a JSON document, to keep in git and apply with <code>npm run parley -- widgets apply</code>{' '}
        or Import on the {noun} list. No secrets are in it.
      </p>
      <button
        type="button"
        class="button"
        onClick={() => {
          setError(null);
          saveExport(props.kind, props.id, props.name).catch((caught: unknown) => setError(errorText(caught)));
        }}
      >
        Export as JSON
      </button>
      <ErrorNote message={error} />
      {props.widget === null ? null : <Promote widget={props.widget} onPromoted={props.onPromoted} />}
    </section>
  );
}

/** Take another widget's published configuration, keeping this one's id, name, origins and secret; changes shown first. */
function Promote(props: { widget: Widget; onPromoted: () => void }) {
  const { widget } = props;
  const [others, setOthers] = useState<readonly Widget[] | null>(null);
  const [from, setFrom] = useState('');
  const [message, setMessage] = useState('');
  const [preview, setPreview] = useState<WidgetPromotion | null>(null);
  const [error, setError] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);
  const [done, setDone] = useState<string | null>(null);
  useEffect(() => {
    api.all<Widget>('/v1/widgets').then(
      (all) => setOthers(all.filter((item) => item.id !== widget.id)),
      (caught: unknown) => setError(errorText(caught)),
    );
  }, [widget.id]);
  // A preview is of one source at one published version of this widget: it goes when either changes.
  useEffect(() => setPreview(null), [from, widget.version]);

  const path = `/v1/widgets/${encodeURIComponent(widget.id)}/promote`;
  const run = async (dryRun: boolean) => {
    setBusy(true);
    setError(null);
    setDone(null);
    try {
      const body = { from, ...(dryRun ? { dryRun: true } : message.trim() === '' ? {} : { message: message.trim() }) };
      const answer = await api.post<WidgetPromotion>(path, body);
      if (dryRun) setPreview(answer);
      else {
        setPreview(null);
        setMessage('');
        setDone(
          answer.draft
            ? 'Promoted into the draft (review before publish is on): publish it to give it to visitors.'
            : `Promoted: version ${answer.version} is published, and visitors have it now.`,
        );
        props.onPromoted();
      }
    } catch (caught) {
      setError(errorText(caught));
    } finally {
      setBusy(false);
    }
  };
  const source = others?.find((item) => item.id === from);
  return (
    <div class="promote">
      <h3 id="promote-title">Promote from another widget</h3>
      <p class="muted small">
        Staging → production: this widget takes the other’s published options and blueprint, and keeps its own name, allowed origins,
        identity secret and embed code.
      </p>
      {others !== null && others.length === 0 ? (
        <p class="muted small">There is no other widget to promote from.</p>
      ) : (
        <div class="promote-row">
          <div class="field grow">
            <label class="label" for="promote-from">
              Take the configuration of
            </label>
            <select id="promote-from" value={from} disabled={others === null} onChange={(e) => setFrom(e.currentTarget.value)}>
              <option value="">Choose a widget…</option>
              {(others ?? []).map((item) => (
                <option value={item.id}>
                  {item.name} (version {item.version})
                </option>
              ))}
            </select>
          </div>
          <button type="button" class="button" disabled={from === '' || busy} onClick={() => void run(true)}>
            Show changes
          </button>
        </div>
      )}
      <ErrorNote message={error} />
      {done === null ? null : <Notice>{done}</Notice>}
      {preview === null ? null : preview.changes.length === 0 ? (
        <Notice>Nothing to promote: this widget already has the configuration of {source?.name ?? preview.from.widgetId}.</Notice>
      ) : (
        <div class="promote-preview" role="region" aria-labelledby="promote-changes-title">
          <h4 id="promote-changes-title">
            {plural(preview.changes.length, 'change')} from {source?.name ?? preview.from.widgetId} version {preview.from.version}
          </h4>
          <ChangesTable changes={preview.changes} />
          <div class="field">
            <label class="label" for="promote-message">
              Version message (optional)
            </label>
            <input
              id="promote-message"
              value={message}
              maxLength={500}
              placeholder={`Promoted from ${source?.name ?? preview.from.widgetId}`}
              onInput={(e) => setMessage(e.currentTarget.value)}
            />
          </div>
          <button type="button" class="button primary" disabled={busy} onClick={() => void run(false)}>
            Promote
          </button>
        </div>
      )}
    </div>
  );
}

type ImportResult = WidgetImportResult | BlueprintImportResult;

function importedId(result: ImportResult): string | null {
  return result.object === 'widget_import' ? result.widgetId : result.blueprintId;
}

/** What an import's dry run would do, in words. */
function importSummary(kind: Kind, result: ImportResult, name: string): string {
  const noun = NOUN[kind];
  if (result.action === 'unchanged') return `Nothing to change: the ${noun} “${name}” already has this configuration.`;
  if (result.action === 'create') return `Creates a new ${noun} “${name}”.`;
  const count = plural(result.changes.length, 'change');
  return `Updates the ${noun} “${name}”: ${count}.`;
}

/** The list page's Import: a document file, its dry run (what it creates or changes), then Apply. */
export function ImportCard(props: { kind: Kind; onImported: () => void }) {
  const noun = NOUN[props.kind];
  const [picked, setPicked] = useState<{ body: unknown; name: string } | null>(null);
  const [preview, setPreview] = useState<ImportResult | null>(null);
  const [done, setDone] = useState<ImportResult | null>(null);
  const [error, setError] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);
  const path = `/v1/${props.kind}/import`;

  const read = async (file: File | undefined) => {
    setPicked(null);
    setPreview(null);
    setDone(null);
    setError(null);
    if (file === undefined) return;
    let body: unknown;
    try {
      body = JSON.parse(await file.text());
    } catch {
      setError(`${file.name} is not a JSON file. Export one from a ${noun}’s page, or write a parley.${noun}/1 document.`);
      return;
    }
    const inner = (body as Record<string, unknown> | null)?.[noun];
    const name =
      typeof inner === 'object' && inner !== null && typeof (inner as { name?: unknown }).name === 'string'
        ? (inner as { name: string }).name
        : file.name;
    setBusy(true);
    try {
      setPreview(await api.post<ImportResult>(`${path}?dryRun=true`, body));
      setPicked({ body, name });
    } catch (caught) {
      setError(`${file.name}: ${errorText(caught)}`);
    } finally {
      setBusy(false);
    }
  };
  const apply = async () => {
    if (picked === null) return;
    setBusy(true);
    setError(null);
    try {
      setDone(await api.post<ImportResult>(path, picked.body));
      setPreview(null);
      props.onImported();
    } catch (caught) {
      setError(errorText(caught));
    } finally {
      setBusy(false);
    }
  };
  const doneId = done === null ? null : importedId(done);
  return (
    <section class="card import-card" aria-labelledby="import-title">
      <h2 id="import-title">Import a {noun}</h2>
      <p class="muted small">
        A <code>parley.{noun}/1</code> JSON document (Export on a {noun}’s page): it updates the {noun} of its id, or the one with its name,
        or creates one. You see what it changes before anything is written.
      </p>
      <label class="label" for="import-file">
        Document file
      </label>
      <input
        id="import-file"
        type="file"
        accept="application/json,.json"
        disabled={busy}
        onChange={(e) => void read(e.currentTarget.files?.[0])}
      />
      <ErrorNote message={error} />
      {preview === null || picked === null ? null : (
        <div class="import-preview" role="region" aria-labelledby="import-preview-title">
          <h3 id="import-preview-title">{importSummary(props.kind, preview, picked.name)}</h3>
          {preview.action === 'update' ? <ChangesTable changes={preview.changes} /> : null}
          {preview.action === 'unchanged' ? null : (
            <button type="button" class="button primary" disabled={busy} onClick={() => void apply()}>
              {preview.action === 'create' ? `Create ${noun}` : 'Apply changes'}
            </button>
          )}
        </div>
      )}
      {done === null ? null : (
        <Notice>
          {done.action === 'create' ? `Created.` : 'Applied.'}
          {done.object === 'widget_import' && done.draft ? ' The change waits in the draft: publish it from the widget’s page.' : null}{' '}
          {doneId === null ? null : <Link to={`/${props.kind}/${doneId}`}>Open the {noun}</Link>}
        </Notice>
      )}
    </section>
  );
}
