import * as v from 'valibot';
import type { AuditActor } from './audit.js';
import { idSchema } from './common-schemas.js';
import { blueprintCreateSchema, widgetCreateSchema, type WidgetCreate } from './widget-resources.js';

/**
 * Widget configuration versions (issue 21, docs/configuration-versions.md). Every published change of a widget's
 * own configuration is an immutable version; at most one draft waits for review; visitors get the published one.
 *
 * A version's `document` is the widget's own configuration as a create body holds it: `name`, `description`,
 * `blueprintId`, `meta` and every option the widget sets itself (whatever options the settings schema has).
 */
export type WidgetConfigDocument = WidgetCreate;

export interface WidgetVersion {
  readonly object: 'widget_version';
  readonly widgetId: string;
  readonly number: number;
  readonly document: WidgetConfigDocument;
  /** The blueprint the widget was linked to and its version when this version was made (null: none). */
  readonly blueprintId: string | null;
  readonly blueprintVersion: number | null;
  readonly author: AuditActor;
  readonly message: string;
  readonly createdAt: string;
  /** Whether this is the version visitors get now. */
  readonly published: boolean;
}

export interface WidgetDraft {
  readonly object: 'widget_draft';
  readonly widgetId: string;
  /** The published version the draft was started from; older than the widget's `version` when it changed since. */
  readonly baseVersion: number;
  readonly document: WidgetConfigDocument;
  readonly author: AuditActor;
  readonly updatedAt: string;
}

export interface BlueprintVersion {
  readonly object: 'blueprint_version';
  readonly blueprintId: string;
  readonly number: number;
  readonly document: Readonly<Record<string, unknown>>;
  readonly author: AuditActor;
  readonly message: string;
  readonly createdAt: string;
}

const versionMessageSchema = v.pipe(v.string(), v.maxLength(500, 'must be at most 500 characters'));
const versionNumberSchema = v.pipe(v.number(), v.integer('must be a whole number'), v.minValue(1, 'must be 1 or more'));

/** `POST /v1/widgets/{id}/publish`. */
export const publishSchema = v.strictObject({ message: v.optional(versionMessageSchema) });
export type PublishInput = v.InferOutput<typeof publishSchema>;

/** `POST /v1/widgets/{id}/rollback`: publishes a copy of `version` as a new version. */
export const rollbackSchema = v.strictObject({ version: versionNumberSchema, message: v.optional(versionMessageSchema) });
export type RollbackInput = v.InferOutput<typeof rollbackSchema>;

/** Where a value of the effective configuration comes from. */
export type ConfigSource = 'widget' | 'blueprint' | 'default';

/** One difference between two configurations: a JSON Pointer (RFC 6901) into the document, the old and new values. */
export interface ConfigChange {
  readonly path: string;
  readonly op: 'add' | 'remove' | 'replace';
  /** Absent for `add`. */
  readonly old?: unknown;
  /** Absent for `remove`. */
  readonly new?: unknown;
  /** In an effective-config diff: where the old and the new value come from. */
  readonly oldSource?: ConfigSource;
  readonly newSource?: ConfigSource;
}

/** `GET /v1/widgets/{id}/diff`. */
export interface ConfigDiff {
  readonly object: 'config_diff';
  readonly from: number;
  readonly to: number | 'draft';
  readonly changes: readonly ConfigChange[];
}

function escapePointer(key: string): string {
  return key.replace(/~/g, '~0').replace(/\//g, '~1');
}

function isPlainObject(value: unknown): value is Readonly<Record<string, unknown>> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** Deep equality of JSON values (object key order does not matter). */
export function jsonEqual(a: unknown, b: unknown): boolean {
  if (a === b) return true;
  if (Array.isArray(a) && Array.isArray(b)) return a.length === b.length && a.every((item, i) => jsonEqual(item, b[i]));
  if (isPlainObject(a) && isPlainObject(b)) {
    const keys = Object.keys(a).filter((k) => a[k] !== undefined);
    if (keys.length !== Object.keys(b).filter((k) => b[k] !== undefined).length) return false;
    return keys.every((k) => jsonEqual(a[k], b[k]));
  }
  return false;
}

/**
 * The changes that turn `before` into `after`: objects key by key (sorted), arrays item by item (by index; a longer
 * array adds items at its end, a shorter one removes them), anything else replaced whole. `undefined` is absent.
 */
export function diffConfig(before: unknown, after: unknown, path = ''): ConfigChange[] {
  if (jsonEqual(before, after)) return [];
  if (before === undefined) return [{ path, op: 'add', new: after }];
  if (after === undefined) return [{ path, op: 'remove', old: before }];
  if (isPlainObject(before) && isPlainObject(after)) {
    const keys = [...new Set([...Object.keys(before), ...Object.keys(after)])].sort();
    return keys.flatMap((key) => diffConfig(before[key], after[key], `${path}/${escapePointer(key)}`));
  }
  if (Array.isArray(before) && Array.isArray(after)) {
    const changes: ConfigChange[] = [];
    for (let i = 0; i < Math.max(before.length, after.length); i++) changes.push(...diffConfig(before[i], after[i], `${path}/${i}`));
    return changes;
  }
  return [{ path, op: 'replace', old: before, new: after }];
}

/**
 * A widget as a JSON document to keep in git and apply elsewhere (`GET /v1/widgets/{id}/export`,
 * `POST /v1/widgets/import`, `npm run parley -- widgets apply`). `format` names the document and its version: a
 * later format gets a new name, and this one stays readable. `widget` is the configuration, validated as a create
 * body (its options are whatever the settings schema has). `id` is the widget it came from: an import updates that
 * widget when this server has it, else the one widget with the same `widget.name`, else creates one.
 */
export const WIDGET_DOCUMENT_FORMAT = 'parley.widget/1';
export const widgetDocumentSchema = v.strictObject({
  format: v.literal(WIDGET_DOCUMENT_FORMAT),
  id: v.optional(idSchema),
  widget: widgetCreateSchema,
});
export type WidgetDocument = v.InferOutput<typeof widgetDocumentSchema>;

/** A blueprint as a JSON document (`GET /v1/blueprints/{id}/export`). */
export const BLUEPRINT_DOCUMENT_FORMAT = 'parley.blueprint/1';
export const blueprintDocumentSchema = v.strictObject({
  format: v.literal(BLUEPRINT_DOCUMENT_FORMAT),
  id: v.optional(idSchema),
  blueprint: blueprintCreateSchema,
});
export type BlueprintDocument = v.InferOutput<typeof blueprintDocumentSchema>;

/** What an import (or its dry run) did or would do. */
export interface WidgetImportResult {
  readonly object: 'widget_import';
  /** `unchanged`: the widget already has this configuration, so nothing was written (applying twice is idempotent). */
  readonly action: 'create' | 'update' | 'unchanged';
  readonly dryRun: boolean;
  /** null for a create in a dry run. */
  readonly widgetId: string | null;
  /** The published version after the import (the draft's base under review before publish); null in a dry-run create. */
  readonly version: number | null;
  /** Whether the change went to the draft (review before publish) instead of being published. */
  readonly draft: boolean;
  /** The widget's own configuration before → after. */
  readonly changes: readonly ConfigChange[];
}

/** What a blueprint import (`POST /v1/blueprints/import`, or its dry run) did or would do. */
export interface BlueprintImportResult {
  readonly object: 'blueprint_import';
  /** `unchanged`: the blueprint already has this configuration, so nothing was written (applying twice is idempotent). */
  readonly action: 'create' | 'update' | 'unchanged';
  readonly dryRun: boolean;
  /** null for a create in a dry run. */
  readonly blueprintId: string | null;
  /** The blueprint's version after the import; null in a dry-run create. */
  readonly version: number | null;
  /** The blueprint's configuration before → after. */
  readonly changes: readonly ConfigChange[];
}

/** `POST /v1/widgets/{id}/promote`. */
export const promoteSchema = v.strictObject({ from: idSchema, dryRun: v.optional(v.boolean()), message: v.optional(versionMessageSchema) });
export type PromoteInput = v.InferOutput<typeof promoteSchema>;

/** What a promotion (`POST /v1/widgets/{id}/promote`, or its dry run) did or would do. */
export interface WidgetPromotion {
  readonly object: 'widget_promotion';
  readonly dryRun: boolean;
  /** The widget whose published configuration was taken, at the version taken. */
  readonly from: { readonly widgetId: string; readonly version: number };
  readonly widgetId: string;
  /** The published version after the promotion (the draft's base under review before publish). */
  readonly version: number;
  /** Whether the change went to the draft (review before publish) instead of being published. */
  readonly draft: boolean;
  /** This widget's own configuration before → after. */
  readonly changes: readonly ConfigChange[];
}
