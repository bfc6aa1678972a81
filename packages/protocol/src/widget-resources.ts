import * as v from 'valibot';
import { descriptionSchema, idSchema, metaSchema, nameSchema, type Meta } from './common-schemas.js';
import { settingsEntries, type PartialWidgetSettings, type WidgetSettings } from './widget-settings.js';

type Entries = typeof settingsEntries;
type OptionalEntries = { readonly [K in keyof Entries]: v.OptionalSchema<Entries[K], undefined> };
type ClearableEntries = {
  readonly [K in keyof Entries]: v.OptionalSchema<v.NullableSchema<Entries[K], undefined>, undefined>;
};

function mapEntries<R>(wrap: (schema: Entries[keyof Entries]) => unknown): R {
  const out: Record<string, unknown> = {};
  for (const [key, schema] of Object.entries(settingsEntries)) out[key] = wrap(schema);
  // The loop builds exactly one wrapped entry per key of settingsEntries, which is what R declares.
  return out as R;
}

/**
 * Inside `theme` and `notifications`, `null` removes one key (create and update alike), so the
 * blueprint's or the default value applies again; the merge drops those nulls (widget-config-merge.ts).
 */
function withClearableKeys<S extends v.StrictObjectSchema<v.ObjectEntries, undefined>>(schema: S) {
  const entries: Record<string, unknown> = {};
  for (const [key, entry] of Object.entries(schema.entries)) entries[key] = v.nullish(entry);
  // One nullable wrapper per entry of the schema: the keys and their value types are the schema's, plus null.
  return v.strictObject(entries as { readonly [K in keyof S['entries']]: v.NullishSchema<S['entries'][K], undefined> });
}
const nested = { theme: withClearableKeys(settingsEntries.theme), notifications: withClearableKeys(settingsEntries.notifications) };

/** Every option may be given; omitted ones inherit from the blueprint, then the defaults. */
const optionalSettings = {
  ...mapEntries<OptionalEntries>((schema) => v.optional(schema)),
  theme: v.optional(nested.theme),
  notifications: v.optional(nested.notifications),
};
/** In an update, `null` removes the widget's own value so the blueprint's (or default) applies again. */
const clearableSettings = {
  ...mapEntries<ClearableEntries>((schema) => v.optional(v.nullable(schema))),
  theme: v.optional(v.nullable(nested.theme)),
  notifications: v.optional(v.nullable(nested.notifications)),
};

export const widgetCreateSchema = v.strictObject({
  name: v.optional(nameSchema),
  description: v.optional(descriptionSchema),
  meta: v.optional(metaSchema),
  blueprintId: v.optional(v.nullable(idSchema)),
  ...optionalSettings,
});
export type WidgetCreate = v.InferOutput<typeof widgetCreateSchema>;

export const widgetUpdateSchema = v.strictObject({
  name: v.optional(nameSchema),
  description: v.optional(descriptionSchema),
  meta: v.optional(metaSchema),
  blueprintId: v.optional(v.nullable(idSchema)),
  ...clearableSettings,
});
export type WidgetUpdate = v.InferOutput<typeof widgetUpdateSchema>;

export const blueprintCreateSchema = v.strictObject({
  name: nameSchema,
  description: v.optional(descriptionSchema),
  meta: v.optional(metaSchema),
  ...optionalSettings,
});
export type BlueprintCreate = v.InferOutput<typeof blueprintCreateSchema>;

export const blueprintUpdateSchema = v.strictObject({
  name: v.optional(nameSchema),
  description: v.optional(descriptionSchema),
  meta: v.optional(metaSchema),
  ...clearableSettings,
});
export type BlueprintUpdate = v.InferOutput<typeof blueprintUpdateSchema>;

export type SetupState = 'never' | 'running' | 'done';

export interface SetupFailure {
  readonly language: string;
  readonly key: string;
  readonly reason: string;
}

export interface SetupStatus {
  readonly state: SetupState;
  readonly languages: readonly string[];
  readonly failures: readonly SetupFailure[];
  readonly startedAt: string | null;
  readonly completedAt: string | null;
}

/**
 * A widget as the management API returns it: its own values at the top level (exactly what was set,
 * so a PATCH round-trips) and `effective`, the configuration visitors get after merging.
 */
export type Widget = PartialWidgetSettings & {
  readonly id: string;
  readonly object: 'widget';
  readonly name: string;
  readonly description: string;
  readonly blueprintId: string | null;
  readonly meta: Meta;
  readonly effective: WidgetSettings;
  readonly setup: SetupStatus;
  /** The published version (what visitors get; docs/configuration-versions.md). */
  readonly version: number;
  /** The draft waiting for review, if any (its document: `GET /v1/widgets/{id}/draft`). */
  readonly draft: { readonly baseVersion: number; readonly updatedAt: string } | null;
  readonly createdAt: string;
  readonly updatedAt: string;
};

export type Blueprint = PartialWidgetSettings & {
  readonly id: string;
  readonly object: 'blueprint';
  readonly name: string;
  readonly description: string;
  readonly meta: Meta;
  /** The newest version. */
  readonly version: number;
  readonly createdAt: string;
  readonly updatedAt: string;
};
