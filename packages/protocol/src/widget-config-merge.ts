import { keysOf } from './object-utils.js';
import { DEFAULT_WIDGET_SETTINGS, type PartialWidgetSettings, type WidgetSettings } from './widget-settings.js';

/**
 * Effective config = defaults ⊕ blueprint ⊕ widget. Later layers win key by key; `theme` and
 * `notifications` merge one level deeper so a widget can change one colour and keep the rest.
 * Lists (origin, languages, tools) are replaced whole: merging allowlists would widen them.
 */
export function mergeWidgetSettings(...layers: readonly PartialWidgetSettings[]): WidgetSettings {
  let merged: WidgetSettings = DEFAULT_WIDGET_SETTINGS;
  for (const layer of layers) merged = overlaySettings(merged, layer);
  return merged;
}

/**
 * Applies a partial layer on top of another partial one (used by create, PATCH and merging). Inside
 * `theme` and `notifications`, `null` removes that key (`{ theme: { primaryColor: null } }`), so the
 * layer below (blueprint, then default) applies again — the same rule as `null` at the top level of a PATCH.
 */
export function overlaySettings<T extends PartialWidgetSettings>(base: T, layer: PartialWidgetSettings): T {
  const out: Record<string, unknown> = { ...base };
  for (const key of keysOf(layer)) {
    const value = layer[key];
    if (value === undefined) continue;
    const previous = out[key];
    out[key] = isNested(key) && isPlainObject(value) ? mergeNested(isPlainObject(previous) ? previous : {}, value) : value;
  }
  // Every key copied comes from a PartialWidgetSettings, so the result keeps T's shape.
  return out as T;
}

function mergeNested(previous: Record<string, unknown>, layer: Record<string, unknown>): Record<string, unknown> {
  const out = { ...previous };
  for (const [key, value] of Object.entries(layer)) {
    if (value === null) delete out[key];
    else if (value !== undefined) out[key] = value;
  }
  return out;
}

function isNested(key: string): boolean {
  return key === 'theme' || key === 'notifications';
}

function isPlainObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}
