import {
  mergeWidgetSettings,
  REMOVED_WIDGET_OPTIONS,
  SETTING_KEYS,
  overlaySettings,
  type AuditActor,
  type AuditActorKind,
  type ConfigSource,
  type Meta,
  type PartialWidgetSettings,
  type WidgetConfigDocument,
} from '@parley/protocol';
import { readJson, writeJson } from '../store/json.js';

/**
 * A widget's (or blueprint's) own configuration as one document, the form versions, drafts and exports store:
 * `name`, `description`, `blueprintId` (widgets), `meta`, then every option it sets itself. The option keys are
 * whatever the protocol's settings schema has (splitInput picks them), so a new option is versioned without a change here.
 */
export interface ConfigRowFields {
  readonly name: string;
  readonly description: string;
  readonly blueprint_id?: string | null;
  readonly meta: string;
  readonly settings: string;
}

export function documentOf(row: ConfigRowFields): WidgetConfigDocument {
  const resource: Record<string, unknown> = { name: row.name, description: row.description };
  if (row.blueprint_id !== undefined) resource['blueprintId'] = row.blueprint_id;
  resource['meta'] = readJson<Meta>(row.meta);
  // The resource fields and options the protocol schema accepted when they were written.
  return { ...resource, ...readSettings(row.settings) } as WidgetConfigDocument;
}

/** A stored document, without options removed since it was written (as readSettings does for rows). */
export function readDocument(json: string): WidgetConfigDocument {
  const { name, description, meta, blueprintId, settings } = splitInput(readJson<Record<string, unknown>>(json));
  return normalized({ name, description, meta, blueprintId }, readSettings(writeJson(settings)));
}

/** The row fields a document sets. */
export function rowFieldsOf(document: WidgetConfigDocument): {
  name: string;
  description: string;
  blueprint_id: string | null;
  meta: string;
  metaMap: Meta;
  settings: string;
  bot_id: string | null;
  own: PartialWidgetSettings;
} {
  const { name, description, meta, blueprintId, settings } = splitInput(document);
  const own = ownSettings(settings);
  return {
    name: name ?? 'Untitled widget',
    description: description ?? '',
    blueprint_id: blueprintId ?? null,
    meta: writeJson(meta ?? {}),
    metaMap: meta ?? {},
    settings: writeJson(own),
    bot_id: own.botId ?? null,
    own,
  };
}

/**
 * A whole document from a create-like body (PUT draft, import): the options are exactly the body's; a resource
 * field the body leaves out keeps `current`'s value.
 */
export function documentFromBody(body: WidgetConfigDocument, current: Partial<WidgetConfigDocument>): WidgetConfigDocument {
  const { name, description, meta, blueprintId, settings } = splitInput(body);
  return normalized(
    {
      name: name ?? current.name,
      description: description ?? current.description,
      meta: meta ?? current.meta,
      blueprintId: blueprintId === undefined ? current.blueprintId : blueprintId,
    },
    ownSettings(settings),
  );
}

/** PATCH semantics on a document (widget-service's applyPatch for the options; given resource fields replace). */
export function patchDocument(document: WidgetConfigDocument, patch: Readonly<Record<string, unknown>>): WidgetConfigDocument {
  const current = splitInput(document);
  const given = splitInput(patch);
  return normalized(
    {
      name: given.name ?? current.name,
      description: given.description ?? current.description,
      meta: given.meta ?? current.meta,
      blueprintId: given.blueprintId === undefined ? current.blueprintId : given.blueprintId,
    },
    applyPatch(current.settings as PartialWidgetSettings, given.settings),
  );
}

function normalized(
  resource: {
    name?: string | undefined;
    description?: string | undefined;
    meta?: Meta | undefined;
    blueprintId?: string | null | undefined;
  },
  own: PartialWidgetSettings,
): WidgetConfigDocument {
  return {
    name: resource.name ?? 'Untitled widget',
    description: resource.description ?? '',
    blueprintId: resource.blueprintId ?? null,
    meta: resource.meta ?? {},
    ...own,
  };
}

/**
 * What visitors would get from a document and its blueprint's: the resource fields, then every option after the
 * merge (defaults ⊕ blueprint ⊕ widget), with where each top-level option (inside theme and notifications, each key)
 * comes from.
 */
export function effectiveDocument(
  document: WidgetConfigDocument,
  inherited: PartialWidgetSettings,
): { document: Record<string, unknown>; sourceOf: (path: string) => ConfigSource } {
  const { name, description, meta, blueprintId, settings } = splitInput(document);
  const own = settings as PartialWidgetSettings;
  const effective = mergeWidgetSettings(inherited, own);
  const sourceOf = (path: string): ConfigSource => {
    const [key = '', inner] = path.split('/').slice(1);
    if (['name', 'description', 'meta', 'blueprintId'].includes(key)) return 'widget';
    const nested = (key === 'theme' || key === 'notifications') && inner !== undefined;
    const sets = (layer: Readonly<Record<string, unknown>>): boolean => {
      const value = layer[key];
      if (value === undefined) return false;
      if (!nested) return true;
      return typeof value === 'object' && value !== null && (value as Record<string, unknown>)[inner] !== undefined;
    };
    if (sets(own)) return 'widget';
    if (sets(inherited)) return 'blueprint';
    return 'default';
  };
  return { document: { name, description, blueprintId: blueprintId ?? null, meta: meta ?? {}, ...effective }, sourceOf };
}

/** The version's author columns from an actor (the audit log's). */
export function authorColumns(actor: AuditActor): { author_kind: string; author_id: string | null; author_name: string | null } {
  return { author_kind: actor.kind, author_id: actor.id, author_name: actor.name };
}

export function authorOf(row: { author_kind: string; author_id: string | null; author_name: string | null }): AuditActor {
  // Written by authorColumns from an AuditActor.
  return { kind: row.author_kind as AuditActorKind, id: row.author_id, name: row.author_name };
}

/** Blueprint settings a widget inherits, from a blueprint document or row settings. */
export function inheritedSettings(document: WidgetConfigDocument | undefined): PartialWidgetSettings {
  if (document === undefined) return {};
  return overlaySettings({}, splitInput(document).settings as PartialWidgetSettings);
}

const SETTING_KEY_SET: ReadonlySet<string> = new Set(SETTING_KEYS);

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
