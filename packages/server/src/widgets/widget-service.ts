import {
  isOriginAllowed,
  mergeWidgetSettings,
  overlaySettings,
  REMOVED_WIDGET_OPTIONS,
  SETTING_KEYS,
  type Meta,
  type Page,
  type PartialWidgetSettings,
  type SetupFailure,
  type SetupState,
  type SetupStatus,
  type Widget,
  type WidgetCreate,
  type WidgetSettings,
  type WidgetUpdate,
} from '@parley/protocol';
import { generateIdentitySecret } from '../auth/identity.js';
import { ApiError } from '../http/api-error.js';
import type { BlueprintRow, BlueprintsStore } from '../store/blueprints-store.js';
import type { BotsStore } from '../store/bots-store.js';
import { newId, nowIso } from '../store/ids.js';
import { readJson, writeJson } from '../store/json.js';
import { checkCursor, toPage } from '../store/pagination.js';
import type { WidgetListQuery, WidgetRow, WidgetSetupRow, WidgetsStore } from '../store/widgets-store.js';
import type { ConfigChanges } from './public-config-cache.js';

export interface ResolvedWidget {
  readonly row: WidgetRow;
  readonly effective: WidgetSettings;
  /** The widget or its blueprint sets `language`: the browser's language does not override it (language-map.ts). */
  readonly languageSet: boolean;
}

/** Everything the management API does to widgets, and the effective configuration visitors get. */
export class WidgetService {
  constructor(
    private readonly widgets: WidgetsStore,
    private readonly blueprints: BlueprintsStore,
    private readonly bots: BotsStore,
    /** Told after each committed change of what visitors' public config is made of. */
    private readonly configChanges: ConfigChanges,
  ) {}

  async create(input: WidgetCreate): Promise<Widget> {
    const { name, description, meta, blueprintId, settings } = splitInput(input);
    await this.checkReferences(blueprintId ?? null, settings.botId);
    const now = nowIso();
    const row: WidgetRow = {
      id: newId('wgt'),
      name: name ?? 'Untitled widget',
      description: description ?? '',
      blueprint_id: blueprintId ?? null,
      settings: writeJson(ownSettings(settings)),
      bot_id: settings.botId ?? null,
      meta: writeJson(meta ?? {}),
      identity_secret: generateIdentitySecret(),
      version: 1,
      created_at: now,
      updated_at: now,
    };
    await this.widgets.insert(row, meta ?? {});
    return this.get(row.id);
  }

  async get(id: string): Promise<Widget> {
    const row = await this.requireRow(id);
    const blueprint = row.blueprint_id === null ? undefined : await this.blueprints.get(row.blueprint_id);
    return toWidget(row, blueprint, await this.widgets.setup(id));
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
    return toPage(rows, query.take, (row) =>
      toWidget(row, row.blueprint_id === null ? undefined : blueprints.get(row.blueprint_id), setups.get(row.id)),
    );
  }

  async update(id: string, input: WidgetUpdate): Promise<Widget> {
    const row = await this.requireRow(id);
    const { name, description, meta, blueprintId, settings: patch } = splitInput(input);
    const own = applyPatch(readSettings(row.settings), patch);
    await this.checkReferences(blueprintId ?? null, patch.botId);
    await this.widgets.update(
      id,
      {
        ...(name === undefined ? {} : { name }),
        ...(description === undefined ? {} : { description }),
        ...(blueprintId === undefined ? {} : { blueprint_id: blueprintId }),
        ...(meta === undefined ? {} : { meta: writeJson(meta) }),
        settings: writeJson(own),
        bot_id: own.botId ?? null,
        updated_at: nowIso(),
      },
      meta,
    );
    await this.configChanges.changed({ widgetId: id });
    return this.get(id);
  }

  async delete(id: string): Promise<void> {
    if (!(await this.widgets.delete(id))) throw notFound(id);
    await this.configChanges.changed({ widgetId: id });
  }

  /** A new widget with every setting, the blueprint link and the language maps of the source. */
  async clone(id: string, overrides: { readonly name?: string | undefined; readonly meta?: Meta | undefined }): Promise<Widget> {
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
      created_at: now,
      updated_at: now,
    };
    await this.widgets.insertClone(row, meta, source.id);
    return this.get(row.id);
  }

  /** Unlinks the blueprint but keeps what visitors see: the blueprint's values become the widget's own. */
  async detach(id: string): Promise<Widget> {
    const row = await this.requireRow(id);
    if (row.blueprint_id === null) return this.get(id);
    const blueprint = await this.blueprints.get(row.blueprint_id);
    const inherited = blueprint === undefined ? {} : readSettings(blueprint.settings);
    const own = overlaySettings(inherited, readSettings(row.settings));
    await this.widgets.update(id, { blueprint_id: null, settings: writeJson(own), bot_id: own.botId ?? null, updated_at: nowIso() });
    await this.configChanges.changed({ widgetId: id });
    return this.get(id);
  }

  async identitySecret(id: string, rotate: boolean): Promise<string> {
    const row = await this.requireRow(id);
    if (!rotate) return row.identity_secret;
    const secret = generateIdentitySecret();
    await this.widgets.update(id, { identity_secret: secret, updated_at: nowIso() });
    return secret;
  }

  /** The widget row and its effective settings, for the visitor-facing endpoints. */
  async resolve(id: string): Promise<ResolvedWidget> {
    const row = await this.requireRow(id);
    const blueprint = row.blueprint_id === null ? undefined : await this.blueprints.get(row.blueprint_id);
    const own = readSettings(row.settings);
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

  private async requireRow(id: string): Promise<WidgetRow> {
    const row = await this.widgets.get(id);
    if (row === undefined) throw notFound(id);
    return row;
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

const SETTING_KEY_SET: ReadonlySet<string> = new Set(SETTING_KEYS);

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

/** The option part of a widget or blueprint body, already validated by its protocol schema. */
export interface SettingsInput {
  readonly botId?: string | null | undefined;
  readonly [key: string]: unknown;
}

interface ResourceInput {
  readonly name?: string | undefined;
  readonly description?: string | undefined;
  readonly meta?: Meta | undefined;
  readonly blueprintId?: string | null | undefined;
}

/** Separates the resource fields of a widget (or blueprint) body from its option settings. */
export function splitInput(input: ResourceInput & Readonly<Record<string, unknown>>): ResourceInput & { readonly settings: SettingsInput } {
  const settings: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(input)) if (SETTING_KEY_SET.has(key)) settings[key] = value;
  return { name: input.name, description: input.description, meta: input.meta, blueprintId: input.blueprintId, settings };
}

/** Stored own settings, without options that were removed since they were written (`plugins`). */
export function readSettings(json: string): PartialWidgetSettings {
  const stored = readJson<Record<string, unknown>>(json);
  for (const removed of Object.keys(REMOVED_WIDGET_OPTIONS)) delete stored[removed];
  // Written by create or PATCH from bodies the protocol schema accepted.
  return stored as PartialWidgetSettings;
}

/** What a create stores: the options as given, without the `null`s that remove a theme or notifications key. */
export function ownSettings(settings: SettingsInput): PartialWidgetSettings {
  // The record holds only keys of WidgetSettings with values the protocol schema accepted.
  return overlaySettings({}, settings as PartialWidgetSettings);
}

/** PATCH semantics: `null` removes the own value (inside theme and notifications too); nested objects merge; everything else replaces. */
export function applyPatch(own: PartialWidgetSettings, patch: Readonly<Record<string, unknown>>): PartialWidgetSettings {
  const cleared: Record<string, unknown> = { ...own };
  const set: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(patch)) {
    if (value === null) delete cleared[key];
    else set[key] = value;
  }
  // Both records hold only keys of WidgetSettings with values the protocol schema accepted.
  return overlaySettings(cleared as PartialWidgetSettings, set as PartialWidgetSettings);
}

function effectiveSettings(row: WidgetRow, blueprint: BlueprintRow | undefined): WidgetSettings {
  const inherited = blueprint === undefined ? {} : readSettings(blueprint.settings);
  return mergeWidgetSettings(inherited, readSettings(row.settings));
}

function toWidget(row: WidgetRow, blueprint: BlueprintRow | undefined, setup: WidgetSetupRow | undefined): Widget {
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
