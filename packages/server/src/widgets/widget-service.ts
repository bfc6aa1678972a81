import {
  diffConfig,
  isOriginAllowed,
  jsonEqual,
  mergeWidgetSettings,
  overlaySettings,
  type AuditActor,
  type ConfigChange,
  type ConfigDiff,
  type Meta,
  type Page,
  type PartialWidgetSettings,
  type SetupFailure,
  type SetupState,
  type SetupStatus,
  type Widget,
  type WidgetConfigDocument,
  type WidgetCreate,
  type WidgetDraft,
  type WidgetSettings,
  type WidgetUpdate,
  type WidgetVersion,
  type WidgetDocument,
  type WidgetImportResult,
  type WidgetPromotion,
  WIDGET_DOCUMENT_FORMAT,
} from '@parley/protocol';
import { generateIdentitySecret } from '../auth/identity.js';
import { ApiError } from '../http/api-error.js';
import type { BlueprintRow, BlueprintsStore } from '../store/blueprints-store.js';
import type { BotsStore } from '../store/bots-store.js';
import { newId, nowIso } from '../store/ids.js';
import { readJson, writeJson } from '../store/json.js';
import { checkCursor, toPage } from '../store/pagination.js';
import { versionCursor } from './version-input.js';
import type { WidgetDraftRow, WidgetListQuery, WidgetRow, WidgetSetupRow, WidgetsStore, WidgetVersionRow } from '../store/widgets-store.js';
import {
  authorColumns,
  authorOf,
  documentFromBody,
  documentOf,
  effectiveDocument,
  inheritedSettings,
  patchDocument,
  readDocument,
  readSettings,
  rowFieldsOf,
  splitInput,
} from './config-document.js';
import type { ConfigChanges } from './public-config-cache.js';

export { applyPatch, ownSettings, readSettings, splitInput, type SettingsInput } from './config-document.js';

export interface ResolvedWidget {
  readonly row: WidgetRow;
  readonly effective: WidgetSettings;
  /** The widget or its blueprint sets `language`: the browser's language does not override it (language-map.ts). */
  readonly languageSet: boolean;
}

export interface WidgetServiceOptions {
  /** PARLEY_REVIEW_BEFORE_PUBLISH: a PATCH writes the draft instead of publishing (docs/configuration-versions.md). */
  readonly reviewBeforePublish?: boolean;
}

/** Which version a diff compares: a number, or the draft. */
export type VersionRef = number | 'draft';

/**
 * Everything the management API does to widgets, and the effective configuration visitors get. Every change of a
 * widget's configuration is published as a new immutable version (widget_versions), or written to its one draft
 * when it waits for review; the widget row is always the published version, so visitors never see a draft.
 */
export class WidgetService {
  private readonly reviewBeforePublish: boolean;

  constructor(
    private readonly widgets: WidgetsStore,
    private readonly blueprints: BlueprintsStore,
    private readonly bots: BotsStore,
    /** Told after each committed change of what visitors' public config is made of. */
    private readonly configChanges: ConfigChanges,
    options: WidgetServiceOptions = {},
  ) {
    this.reviewBeforePublish = options.reviewBeforePublish ?? false;
  }

  async create(input: WidgetCreate, author: AuditActor, message = 'Created'): Promise<Widget> {
    const { blueprintId, settings } = splitInput(input);
    await this.checkReferences(blueprintId ?? null, settings.botId);
    const fields = rowFieldsOf(input);
    const now = nowIso();
    const row: WidgetRow = {
      id: newId('wgt'),
      name: fields.name,
      description: fields.description,
      blueprint_id: fields.blueprint_id,
      settings: fields.settings,
      bot_id: fields.bot_id,
      meta: fields.meta,
      identity_secret: generateIdentitySecret(),
      version: 1,
      created_at: now,
      updated_at: now,
    };
    await this.widgets.insert(row, fields.metaMap, await this.newVersion(documentOf(row), author, message, now));
    return this.get(row.id);
  }

  async get(id: string): Promise<Widget> {
    const row = await this.requireRow(id);
    const blueprint = row.blueprint_id === null ? undefined : await this.blueprints.get(row.blueprint_id);
    return toWidget(row, blueprint, await this.widgets.setup(id), await this.widgets.draft(id));
  }

  /** The first widget created, which the home page shows (the demo widget on a fresh install). */
  async oldest(): Promise<Widget | undefined> {
    const row = await this.widgets.oldest();
    return row === undefined ? undefined : this.get(row.id);
  }

  async list(query: WidgetListQuery): Promise<Page<Widget>> {
    const rows = await this.widgets.list({ ...query, cursor: checkCursor(query.cursor, 'wgt') });
    const page = rows.slice(0, query.take);
    const blueprintIds = [...new Set(page.flatMap((r) => (r.blueprint_id === null ? [] : [r.blueprint_id])))];
    const blueprints = new Map((await this.blueprints.getMany(blueprintIds)).map((b) => [b.id, b]));
    const setups = new Map((await this.widgets.setups(page.map((r) => r.id))).map((s) => [s.widget_id, s]));
    const drafts = new Map((await this.widgets.drafts(page.map((r) => r.id))).map((d) => [d.widget_id, d]));
    return toPage(rows, query.take, (row) =>
      toWidget(row, row.blueprint_id === null ? undefined : blueprints.get(row.blueprint_id), setups.get(row.id), drafts.get(row.id)),
    );
  }

  /**
   * PATCH: publishes the patched configuration as a new version, or, under review before publish, writes it to
   * the draft (patched onto the draft there, else onto the published version) and visitors keep the published one.
   */
  async update(id: string, input: WidgetUpdate, author: AuditActor): Promise<Widget> {
    const row = await this.requireRow(id);
    if (this.reviewBeforePublish) {
      const draft = await this.widgets.draft(id);
      const base = draft === undefined ? documentOf(row) : readDocument(draft.document);
      await this.writeDraft(row, patchDocument(base, input), author);
      return this.get(id);
    }
    await this.publishDocument(row, patchDocument(documentOf(row), input), author, '', false);
    return this.get(id);
  }

  async delete(id: string): Promise<void> {
    if (!(await this.widgets.delete(id))) throw notFound(id);
    await this.configChanges.changed({ widgetId: id });
  }

  /** A new widget with every setting, the blueprint link and the language maps of the source. */
  async clone(
    id: string,
    overrides: { readonly name?: string | undefined; readonly meta?: Meta | undefined },
    author: AuditActor,
  ): Promise<Widget> {
    const source = await this.requireRow(id);
    const now = nowIso();
    const meta = overrides.meta ?? readJson<Meta>(source.meta);
    const row: WidgetRow = {
      ...source,
      id: newId('wgt'),
      name: overrides.name ?? copyName(source.name),
      meta: writeJson(meta),
      // The clone is an independent integration: its identity secret is its own.
      identity_secret: generateIdentitySecret(),
      version: 1,
      created_at: now,
      updated_at: now,
    };
    const version = await this.newVersion(documentOf(row), author, `Cloned from ${source.id} version ${source.version}`, now);
    await this.widgets.insertClone(row, meta, source.id, version);
    return this.get(row.id);
  }

  /** Unlinks the blueprint but keeps what visitors see: the blueprint's values become the widget's own (a new version). */
  async detach(id: string, author: AuditActor): Promise<Widget> {
    const row = await this.requireRow(id);
    if (row.blueprint_id === null) return this.get(id);
    const blueprint = await this.blueprints.get(row.blueprint_id);
    const inherited = blueprint === undefined ? {} : readSettings(blueprint.settings);
    const own = overlaySettings(inherited, readSettings(row.settings));
    const document = { ...documentOf({ ...row, settings: writeJson(own) }), blueprintId: null };
    await this.publishDocument(row, document, author, `Detached from blueprint ${row.blueprint_id}`, false);
    return this.get(id);
  }

  async identitySecret(id: string, rotate: boolean): Promise<string> {
    const row = await this.requireRow(id);
    if (!rotate) return row.identity_secret;
    const secret = generateIdentitySecret();
    await this.widgets.update(id, { identity_secret: secret, updated_at: nowIso() });
    return secret;
  }

  // ---- versions, draft, publish, rollback, diff ---------------------------------------------

  async versions(id: string, take: number, cursor: string | undefined): Promise<Page<WidgetVersion>> {
    const row = await this.requireRow(id);
    const rows = await this.widgets.versions(id, take, versionCursor(cursor));
    return toPage(
      rows.map((r) => ({ ...r, id: String(r.number) })),
      take,
      (r) => toVersion(r, row.version),
    );
  }

  async version(id: string, number: number): Promise<WidgetVersion> {
    const row = await this.requireRow(id);
    return toVersion(await this.requireVersion(id, number), row.version);
  }

  async draft(id: string): Promise<WidgetDraft> {
    await this.requireRow(id);
    return toDraft(await this.requireDraft(id));
  }

  /** PUT: the draft becomes `body` (a whole configuration; resource fields left out keep the published values). */
  async putDraft(id: string, body: WidgetCreate, author: AuditActor): Promise<WidgetDraft> {
    const row = await this.requireRow(id);
    await this.writeDraft(row, documentFromBody(body, documentOf(row)), author);
    return toDraft(await this.requireDraft(id));
  }

  async discardDraft(id: string): Promise<void> {
    await this.requireRow(id);
    if (!(await this.widgets.deleteDraft(id))) throw noDraft(id);
  }

  /** The draft becomes the next version, which visitors get from now on. */
  async publish(id: string, author: AuditActor, message: string | undefined): Promise<Widget> {
    const row = await this.requireRow(id);
    const draft = await this.requireDraft(id);
    await this.publishDocument(row, readDocument(draft.document), author, message ?? '', true);
    return this.get(id);
  }

  /** Publishes a copy of version `number` as a new version (the draft, if any, stays). */
  async rollback(id: string, number: number, author: AuditActor, message: string | undefined): Promise<Widget> {
    const row = await this.requireRow(id);
    const version = await this.requireVersion(id, number);
    await this.publishDocument(row, readDocument(version.document), author, message ?? `Rollback to version ${number}`, false);
    return this.get(id);
  }

  /**
   * The changes from one version (or the draft) to another, over the effective configuration: each version with
   * the blueprint version it was built from (the draft with the blueprint's newest), each value with its source.
   */
  async diff(id: string, from: VersionRef, to: VersionRef): Promise<ConfigChange[]> {
    const row = await this.requireRow(id);
    const [before, after] = await Promise.all([this.effectiveAt(row, from), this.effectiveAt(row, to)]);
    return diffConfig(before.document, after.document).map((change) => ({
      ...change,
      ...(change.op === 'add' ? {} : { oldSource: before.sourceOf(change.path) }),
      ...(change.op === 'remove' ? {} : { newSource: after.sourceOf(change.path) }),
    }));
  }

  /** A `ConfigDiff` answer. */
  async diffAnswer(id: string, from: number, to: VersionRef): Promise<ConfigDiff> {
    return { object: 'config_diff', from, to, changes: await this.diff(id, from, to) };
  }

  /** The widget's published version number (what `from` defaults to in a diff). */
  async publishedVersion(id: string): Promise<number> {
    return (await this.requireRow(id)).version;
  }

  // ---- export, import, promote -------------------------------------------------------------

  /** The widget's published configuration as a `parley.widget/1` document. */
  async exportDocument(id: string): Promise<WidgetDocument> {
    const row = await this.requireRow(id);
    return { format: WIDGET_DOCUMENT_FORMAT, id: row.id, widget: documentOf(row) };
  }

  /**
   * Applies a document: updates the widget of its `id` when this server has it, else the one widget named
   * `widget.name`, else creates one. The document is the whole configuration (as PUT draft). A document equal to
   * the configuration writes nothing; under review before publish the change goes to the draft. `dryRun` checks
   * and answers the changes without writing.
   */
  async importDocument(input: WidgetDocument, author: AuditActor, dryRun: boolean): Promise<WidgetImportResult> {
    const target = await this.importTarget(input);
    const base = target === undefined ? documentFromBody({}, {}) : documentOf(target);
    const next = documentFromBody(input.widget, base);
    const fields = rowFieldsOf(next);
    await this.checkReferences(fields.blueprint_id, fields.bot_id);
    const changes = target === undefined ? diffConfig({}, next) : diffConfig(base, next);
    const answer = { object: 'widget_import', dryRun, draft: false, changes } as const;
    if (target === undefined) {
      if (dryRun) return { ...answer, action: 'create', widgetId: null, version: null };
      const created = await this.create(next, author, 'Imported');
      return { ...answer, action: 'create', widgetId: created.id, version: created.version };
    }
    if (changes.length === 0) return { ...answer, action: 'unchanged', widgetId: target.id, version: target.version };
    if (!dryRun) await this.change(target, next, author, 'Imported');
    return {
      ...answer,
      action: 'update',
      widgetId: target.id,
      version: dryRun ? target.version : (await this.requireRow(target.id)).version,
      draft: this.reviewBeforePublish,
    };
  }

  /**
   * Environments: the widget takes `fromId`'s published configuration (its options and blueprint link) but keeps
   * its own id, name, description, meta, allowed origins and identity secret. Answers the changes; `dryRun` only
   * answers them. Under review before publish the change goes to the draft.
   */
  async promote(id: string, fromId: string, author: AuditActor, dryRun: boolean, message: string | undefined): Promise<WidgetPromotion> {
    const target = await this.requireRow(id);
    const source = await this.requireRow(fromId);
    const current = documentOf(target);
    const copied = splitInput(documentOf(source));
    const own = splitInput(current);
    const { origin: _sourceOrigin, ...settings } = copied.settings;
    const next = documentFromBody(
      {
        ...settings,
        ...(own.settings['origin'] === undefined ? {} : { origin: own.settings['origin'] }),
        blueprintId: copied.blueprintId ?? null,
      } as WidgetCreate,
      current,
    );
    const changes = diffConfig(current, next);
    if (!dryRun && changes.length > 0)
      await this.change(target, next, author, message ?? `Promoted from ${source.id} version ${source.version}`);
    const after = await this.requireRow(id);
    return {
      object: 'widget_promotion',
      dryRun,
      from: { widgetId: source.id, version: source.version },
      widgetId: id,
      version: after.version,
      draft: !dryRun && changes.length > 0 && this.reviewBeforePublish,
      changes,
    };
  }

  /** A change from outside an edit (import, promote): published, or written to the draft under review before publish. */
  private async change(row: WidgetRow, document: WidgetConfigDocument, author: AuditActor, message: string): Promise<void> {
    if (this.reviewBeforePublish) await this.writeDraft(row, document, author);
    else await this.publishDocument(row, document, author, message, false);
  }

  private async importTarget(input: WidgetDocument): Promise<WidgetRow | undefined> {
    if (input.id !== undefined) {
      const byId = await this.widgets.get(input.id);
      if (byId !== undefined) return byId;
    }
    const name = input.widget.name;
    if (name === undefined) return undefined;
    const named = await this.widgets.byName(name, 2);
    if (named.length > 1) {
      throw new ApiError(
        'PARLEY_ERR_REQUEST_VALIDATION',
        `More than one widget is named ${JSON.stringify(name)}; give the document the id of the one to update.`,
        'id',
      );
    }
    return named[0];
  }

  /** The row and its effective settings, for the visitor-facing endpoints. */
  /**
   * Where `settings` reads from when app.ts gives it this node's public config cache (widgets/public-config-cache.ts):
   * every change of what a widget's settings are made of drops the cached entry on every node once committed, so a
   * change made here is seen by the next read; another node's within its bus notice (30 s at most if it was lost).
   */
  cachedSettings: ((id: string) => Promise<WidgetSettings>) | undefined;

  /**
   * The widget's published effective settings (defaults ⊕ blueprint ⊕ widget), from the cache when there is one: every
   * realtime connect, presence frame, bot turn and REST send asks for them, and reading the rows each time was two or
   * three reads a reconnect (docs/scaling.md, reconnect storms). Rejects as `resolve` does for an unknown widget.
   */
  async settings(id: string): Promise<WidgetSettings> {
    return this.cachedSettings === undefined ? (await this.resolve(id)).effective : this.cachedSettings(id);
  }

  async resolve(id: string): Promise<ResolvedWidget> {
    const row = await this.requireRow(id);
    return this.resolved(row, readSettings(row.settings));
  }

  /** As `resolve`, with the draft in place of the published configuration when there is one (the preview page). */
  async resolveDraft(id: string): Promise<ResolvedWidget> {
    const row = await this.requireRow(id);
    const draft = await this.widgets.draft(id);
    if (draft === undefined) return this.resolved(row, readSettings(row.settings));
    const fields = rowFieldsOf(readDocument(draft.document));
    return this.resolved({ ...row, ...fields }, fields.own);
  }

  /** `own` (the row's settings) over the settings of the row's blueprint. */
  private async resolved(row: WidgetRow, own: PartialWidgetSettings): Promise<ResolvedWidget> {
    const blueprint = row.blueprint_id === null ? undefined : await this.blueprints.get(row.blueprint_id);
    const inherited = blueprint === undefined ? {} : readSettings(blueprint.settings);
    const languageSet = own.language !== undefined || inherited.language !== undefined;
    return { row, effective: mergeWidgetSettings(inherited, own), languageSet };
  }

  /** The name the widget's bot signs its messages with (the greeting too), or undefined without a bot. */
  async botName(botId: string | null): Promise<string | undefined> {
    return botId === null ? undefined : (await this.bots.get(botId))?.name;
  }

  /**
   * Browsers send Origin on every cross-origin request, so a missing Origin means a same-origin
   * page or a server; servers may only create sessions for a restricted widget with an admin key.
   */
  assertOrigin(effective: WidgetSettings, origin: string | undefined, allowMissing: boolean): void {
    if (effective.origin.length === 0) return;
    if (origin === undefined) {
      if (allowMissing) return;
      throw new ApiError(
        'PARLEY_ERR_AUTH_ORIGIN_NOT_ALLOWED',
        'This widget only works on its allowed origins and the request carried no Origin header.',
      );
    }
    if (!isOriginAllowed(origin, effective.origin)) {
      throw new ApiError('PARLEY_ERR_AUTH_ORIGIN_NOT_ALLOWED', `The origin ${origin} is not in this widget's allowlist.`);
    }
  }

  /**
   * Makes `document` the widget's configuration as its next version, unless it equals the published one (then
   * nothing is written and no version made, so repeating a change is idempotent; a draft is still cleared).
   */
  private async publishDocument(
    row: WidgetRow,
    document: WidgetConfigDocument,
    author: AuditActor,
    message: string,
    clearDraft: boolean,
  ): Promise<void> {
    const fields = rowFieldsOf(document);
    await this.checkReferences(fields.blueprint_id, fields.bot_id);
    if (jsonEqual(document, documentOf(row)) && fields.blueprint_id === row.blueprint_id) {
      if (clearDraft) await this.widgets.deleteDraft(row.id);
      return;
    }
    const now = nowIso();
    const number = await this.widgets.publish(
      row.id,
      {
        name: fields.name,
        description: fields.description,
        blueprint_id: fields.blueprint_id,
        meta: fields.meta,
        settings: fields.settings,
        bot_id: fields.bot_id,
        updated_at: now,
      },
      fields.metaMap,
      await this.newVersion(document, author, message, now),
      clearDraft,
    );
    if (number === undefined) throw notFound(row.id);
    await this.configChanges.changed({ widgetId: row.id });
  }

  private async writeDraft(row: WidgetRow, document: WidgetConfigDocument, author: AuditActor): Promise<void> {
    const fields = rowFieldsOf(document);
    await this.checkReferences(fields.blueprint_id, fields.bot_id);
    await this.widgets.putDraft({
      widget_id: row.id,
      document: writeJson(document),
      base_version: row.version,
      ...authorColumns(author),
      message: '',
      updated_at: nowIso(),
    });
  }

  private async newVersion(document: WidgetConfigDocument, author: AuditActor, message: string, now: string) {
    const blueprintId = document.blueprintId ?? null;
    const blueprint = blueprintId === null ? undefined : await this.blueprints.get(blueprintId);
    return {
      document: writeJson(document),
      blueprint_id: blueprintId,
      blueprint_version: blueprint?.version ?? null,
      ...authorColumns(author),
      message,
      created_at: now,
    };
  }

  /** A version's (or the draft's) effective document, with the blueprint version it was built from. */
  private async effectiveAt(row: WidgetRow, ref: VersionRef) {
    let document: WidgetConfigDocument;
    let blueprintDocument: WidgetConfigDocument | undefined;
    if (ref === 'draft') {
      document = readDocument((await this.requireDraft(row.id)).document);
      const blueprintId = document.blueprintId ?? null;
      const blueprint = blueprintId === null ? undefined : await this.blueprints.get(blueprintId);
      blueprintDocument = blueprint === undefined ? undefined : documentOf(blueprint);
    } else {
      const version = await this.requireVersion(row.id, ref);
      document = readDocument(version.document);
      if (version.blueprint_id !== null && version.blueprint_version !== null) {
        const blueprint = await this.blueprints.version(version.blueprint_id, version.blueprint_version);
        blueprintDocument = blueprint === undefined ? undefined : readDocument(blueprint.document);
      }
    }
    return effectiveDocument(document, inheritedSettings(blueprintDocument));
  }

  private async requireRow(id: string): Promise<WidgetRow> {
    const row = await this.widgets.get(id);
    if (row === undefined) throw notFound(id);
    return row;
  }

  private async requireVersion(id: string, number: number): Promise<WidgetVersionRow> {
    const version = await this.widgets.version(id, number);
    if (version === undefined) {
      throw new ApiError('PARLEY_ERR_WIDGET_VERSION_NOT_FOUND', `The widget ${id} has no version ${number}.`, 'version');
    }
    return version;
  }

  private async requireDraft(id: string): Promise<WidgetDraftRow> {
    const draft = await this.widgets.draft(id);
    if (draft === undefined) throw noDraft(id);
    return draft;
  }

  private async checkReferences(blueprintId: string | null, botId: string | null | undefined): Promise<void> {
    if (blueprintId !== null && (await this.blueprints.get(blueprintId)) === undefined) {
      throw new ApiError('PARLEY_ERR_REQUEST_UNKNOWN_REFERENCE', `No blueprint has the id ${blueprintId}.`, 'blueprintId');
    }
    if (typeof botId === 'string' && (await this.bots.get(botId)) === undefined) {
      throw new ApiError('PARLEY_ERR_REQUEST_UNKNOWN_REFERENCE', `No bot has the id ${botId}.`, 'botId');
    }
  }
}

function noDraft(id: string): ApiError {
  return new ApiError('PARLEY_ERR_WIDGET_NO_DRAFT', `The widget ${id} has no draft.`);
}

function toVersion(row: WidgetVersionRow, published: number): WidgetVersion {
  return {
    object: 'widget_version',
    widgetId: row.widget_id,
    number: row.number,
    document: readDocument(row.document),
    blueprintId: row.blueprint_id,
    blueprintVersion: row.blueprint_version,
    author: authorOf(row),
    message: row.message,
    createdAt: row.created_at,
    published: row.number === published,
  };
}

function toDraft(row: WidgetDraftRow): WidgetDraft {
  return {
    object: 'widget_draft',
    widgetId: row.widget_id,
    baseVersion: row.base_version,
    document: readDocument(row.document),
    author: authorOf(row),
    updatedAt: row.updated_at,
  };
}

const NAME_MAX = 120;
const COPY_SUFFIX = ' (copy)';

/** `Support` → `Support (copy)`, shortening the name so the result still fits the 120-character limit. */
function copyName(name: string): string {
  // Cutting may split a surrogate pair; drop its orphaned first half.
  const kept = name.slice(0, NAME_MAX - COPY_SUFFIX.length).replace(/[\uD800-\uDBFF]$/, '');
  return `${kept.trimEnd()}${COPY_SUFFIX}`;
}

export function notFound(id: string): ApiError {
  return new ApiError('PARLEY_ERR_WIDGET_NOT_FOUND', `No widget has the id ${id}; it may have been deleted.`);
}

function effectiveSettings(row: WidgetRow, blueprint: BlueprintRow | undefined): WidgetSettings {
  const inherited = blueprint === undefined ? {} : readSettings(blueprint.settings);
  return mergeWidgetSettings(inherited, readSettings(row.settings));
}

function toWidget(
  row: WidgetRow,
  blueprint: BlueprintRow | undefined,
  setup: WidgetSetupRow | undefined,
  draft: WidgetDraftRow | undefined,
): Widget {
  return {
    ...readSettings(row.settings),
    id: row.id,
    object: 'widget',
    name: row.name,
    description: row.description,
    blueprintId: row.blueprint_id,
    meta: readJson<Meta>(row.meta),
    effective: effectiveSettings(row, blueprint),
    setup: toSetupStatus(setup),
    version: row.version,
    draft: draft === undefined ? null : { baseVersion: draft.base_version, updatedAt: draft.updated_at },
    createdAt: row.created_at,
    updatedAt: row.updated_at,
  };
}

function toSetupStatus(row: WidgetSetupRow | undefined): SetupStatus {
  if (row === undefined) return { state: 'never', languages: [], failures: [], startedAt: null, completedAt: null };
  return {
    state: row.state === 'done' ? 'done' : ('running' satisfies SetupState),
    languages: readJson<string[]>(row.languages),
    failures: readJson<SetupFailure[]>(row.failures),
    startedAt: row.started_at,
    completedAt: row.completed_at,
  };
}
