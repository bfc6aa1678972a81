import {
  mergeWidgetSettings,
  SETTING_KEYS,
  type Blueprint,
  type Bot,
  type PartialWidgetSettings,
  type Team,
  type Widget,
  type WidgetDraft,
} from '@parley/protocol';
import { useEffect, useMemo, useState } from 'preact/hooks';
import { api, errorText } from '../api.js';
import { navigate } from '../router.js';
import { ErrorNote, Notice, PageHeader } from '../ui/feedback.js';
import { Link } from '../ui/link.js';
import { EmbedCodes } from './embed-codes.js';
import { basicsPatch, ResourceBasics, type Basics } from './resource-basics.js';
import { diffSettings, validateSettings } from './settings-diff.js';
import { settingsSections } from './settings-fields.js';
import { SettingField, STRUCTURED_EDITORS, type Values } from './settings-form.js';
import { RoutingRulesEditor } from './routing-rules-editor.js';
import { WidgetPreview } from './widget-preview.js';
import { WidgetTools } from './widget-tools.js';
import { ConfigFileCard } from './config-documents.js';
import { DraftBar, HistoryPanel, PreviewLinkCard, type Comparison } from './versions-panel.js';
import { saveRequest } from './save-request.js';

type Kind = 'widgets' | 'blueprints';
type Resource = Widget | Blueprint;

/** The option values a resource sets itself (top-level keys that are settings). */
function ownSettings(resource: Resource | WidgetDraft['document']): PartialWidgetSettings {
  const own: Record<string, unknown> = {};
  for (const key of SETTING_KEYS) if (resource[key] !== undefined) own[key] = resource[key];
  return own as PartialWidgetSettings; // Built from SETTING_KEYS only.
}

function basicsOf(resource: Resource): Basics {
  return {
    name: resource.name,
    description: resource.description,
    ...('blueprintId' in resource ? { blueprintId: resource.blueprintId } : {}),
  };
}

/** What the form shows: the effective values (widget) or defaults ⊕ own values (blueprint). */
function formValues(kind: Kind, resource: Resource): Values {
  return kind === 'widgets' && 'effective' in resource ? resource.effective : mergeWidgetSettings(ownSettings(resource));
}

/** What the editor edits: the resource, or a widget's draft while it has one (its values over its blueprint's). */
interface Editing {
  readonly resource: Resource;
  readonly values: Values;
  readonly basics: Basics;
  /** The draft's document, which Save rewrites (null: no draft, Save PATCHes). */
  readonly draft: WidgetDraft['document'] | null;
}

/** `known`: the draft as Save's PUT answered it, so it is not fetched again. */
async function editingOf(kind: Kind, resource: Resource, known?: WidgetDraft): Promise<Editing> {
  if (!('effective' in resource) || resource.draft === null)
    return { resource, values: formValues(kind, resource), basics: basicsOf(resource), draft: null };
  const draft = known ?? (await api.get<WidgetDraft>(`/v1/widgets/${encodeURIComponent(resource.id)}/draft`));
  const document = draft.document;
  const blueprintId = document.blueprintId ?? null;
  const blueprint = blueprintId === null ? null : await api.get<Blueprint>(`/v1/blueprints/${encodeURIComponent(blueprintId)}`);
  return {
    resource,
    values: mergeWidgetSettings(...(blueprint === null ? [] : [ownSettings(blueprint)]), ownSettings(document)),
    basics: { name: document.name ?? resource.name, description: document.description ?? resource.description, blueprintId },
    draft: document,
  };
}

export function WidgetEditorPage(props: { kind: Kind; id: string }) {
  const { kind, id } = props;
  const [editing, setEditing] = useState<Editing | null>(null);
  const resource = editing?.resource ?? null;
  const [values, setValues] = useState<Values>({});
  const [basics, setBasics] = useState<Basics>({ name: '', description: '' });
  const [bots, setBots] = useState<readonly Bot[]>([]);
  const [teams, setTeams] = useState<readonly Team[]>([]);
  const [error, setError] = useState<string | null>(null);
  const [saved, setSaved] = useState<string | null>(null);
  const [compare, setCompare] = useState<Comparison | null>(null);
  const [busy, setBusy] = useState(false);
  const sections = useMemo(settingsSections, []);

  const load = async (next: Resource, draft?: WidgetDraft) => {
    const view = await editingOf(kind, next, draft);
    setEditing(view);
    setBasics(view.basics);
    setValues(view.values);
  };

  const reload = () =>
    api
      .get<Resource>(`/v1/${kind}/${encodeURIComponent(id)}`)
      .then(load)
      .catch((caught: unknown) => setError(errorText(caught)));
  useEffect(() => {
    void reload();
    api.all<Bot>('/v1/bots').then(setBots, () => setBots([]));
    api.all<Team>('/v1/teams').then(setTeams, () => setTeams([]));
  }, [kind, id]);

  const initial = editing?.values ?? {};
  const patch = useMemo(() => diffSettings(initial, values), [initial, values]);
  const fieldErrors = useMemo(() => validateSettings(patch), [patch]);
  const changedBasics = useMemo(() => (editing === null ? {} : basicsPatch(editing.basics, basics)), [editing, basics]);
  const dirty = Object.keys(patch).length > 0 || Object.keys(changedBasics).length > 0;

  const save = async (event: Event) => {
    event.preventDefault();
    if (Object.keys(fieldErrors).length > 0) {
      setError('Some options are not valid: fix the fields marked below, then save again.');
      return;
    }
    setBusy(true);
    setError(null);
    try {
      const request = saveRequest(kind, id, editing?.draft ?? null, patch, changedBasics);
      let next: Resource;
      let draft: WidgetDraft | undefined;
      if (request.method === 'PUT') {
        draft = await api.put<WidgetDraft>(request.path, request.body);
        next = await api.get<Resource>(`/v1/${kind}/${encodeURIComponent(id)}`);
      } else next = await api.patch<Resource>(request.path, request.body);
      await load(next, draft);
      // With a draft Save rewrote it; else under review before publish (PARLEY_REVIEW_BEFORE_PUBLISH) the server
      // wrote the draft, and without review it published.
      setSaved(
        'effective' in next
          ? next.draft === null
            ? `Saved. Visitors get the change at once: version ${next.version}.`
            : `Saved to the draft. Visitors keep version ${next.version} until you publish.`
          : 'Saved. Widgets using this blueprint get the change at once.',
      );
      setTimeout(() => setSaved(null), 5000);
    } catch (caught) {
      setError(errorText(caught));
    } finally {
      setBusy(false);
    }
  };

  const remove = async () => {
    if (!confirm(`Delete ${resource?.name ?? id}? This cannot be undone.`)) return;
    try {
      await api.delete(`/v1/${kind}/${encodeURIComponent(id)}`);
      navigate(`/${kind}`);
    } catch (caught) {
      setError(errorText(caught));
    }
  };

  const noun = kind === 'widgets' ? 'widget' : 'blueprint';
  if (resource === null) {
    return (
      <div class="page">
        <PageHeader title={`Edit ${noun}`} />
        {error === null ? <p class="muted">Loading…</p> : <ErrorNote message={error} />}
      </div>
    );
  }
  return (
    <div class="page page-wide">
      <p class="breadcrumb">
        <Link to={`/${kind}`}>{kind === 'widgets' ? 'Widgets' : 'Blueprints'}</Link> / {resource.name}
      </p>
      <PageHeader title={resource.name} description={`${noun} ${resource.id}`}>
        <button type="button" class="button danger-ghost" onClick={() => void remove()}>
          Delete
        </button>
      </PageHeader>
      {'effective' in resource ? (
        <DraftBar
          widget={resource}
          dirty={dirty}
          onCompare={() => setCompare({ from: resource.version, to: 'draft', title: `Published (version ${resource.version}) → draft` })}
          onChanged={(next) => {
            setCompare(null);
            setSaved(next === null ? 'Draft discarded.' : `Published as version ${next.version}. Visitors get it now.`);
            void (next === null ? reload() : load(next));
          }}
        />
      ) : null}
      {'effective' in resource ? (
        <div class="versions-row">
          <PreviewLinkCard widgetId={id} />
          <HistoryPanel
            widget={resource}
            compare={compare}
            onCompare={setCompare}
            onRolledBack={(next) => {
              setCompare(null);
              void load(next);
            }}
          />
        </div>
      ) : null}
      <div class="editor">
        <form class="editor-form" onSubmit={(event) => void save(event)}>
          <ResourceBasics value={basics} onChange={setBasics} />
          {sections.map((section) => (
            <section class="card" aria-labelledby={`s-${section.title}`}>
              <h2 id={`s-${section.title}`}>{section.title}</h2>
              <div class="fields">
                {section.fields.map((spec) =>
                  spec.key === 'routingRules' ? (
                    <RoutingRulesEditor
                      widgetId={kind === 'widgets' ? id : null}
                      value={values[spec.key]}
                      teams={teams}
                      onChange={(next) => setValues({ ...values, [spec.key]: next })}
                    />
                  ) : (
                    <SettingField
                      spec={spec}
                      path={spec.key}
                      value={values[spec.key]}
                      error={fieldErrors[spec.key]}
                      choices={{ botId: bots, teamId: teams }}
                      onChange={(next) => setValues({ ...values, [spec.key]: next })}
                    />
                  ),
                )}
              </div>
              {Object.entries(fieldErrors)
                // Editors with rows show their own errors beside the row.
                .filter(
                  ([path]) =>
                    path.includes('.') && !path.startsWith('routingRules.') && section.fields.some((f) => path.startsWith(`${f.key}.`)),
                )
                .filter(([path]) => STRUCTURED_EDITORS[path.split('.')[0] ?? ''] === undefined)
                .map(([path, message]) => (
                  <p class="field-error">
                    {path}: {message}
                  </p>
                ))}
            </section>
          ))}
          <div class="save-bar">
            <ErrorNote message={error} />
            {saved === null ? null : <Notice>{saved}</Notice>}
            <button type="submit" class="button primary" disabled={busy || !dirty}>
              {busy ? 'Saving…' : dirty ? 'Save changes' : 'No changes'}
            </button>
          </div>
        </form>
        {kind === 'widgets' ? (
          <aside class="editor-side" aria-label="Preview and embed code">
            <WidgetPreview widgetId={id} values={values} saved={initial} />
            <EmbedCodes widgetId={id} />
            {'effective' in resource ? (
              <WidgetTools widget={resource} onChanged={() => dirty || setTimeout(() => void reload(), 1500)} />
            ) : null}
          </aside>
        ) : null}
      </div>
      <ConfigFileCard
        kind={kind}
        id={id}
        name={resource.name}
        widget={'effective' in resource ? resource : null}
        onPromoted={() => {
          setCompare(null);
          void reload();
        }}
      />
    </div>
  );
}
