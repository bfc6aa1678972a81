import { overlaySettings, SETTING_KEYS, type PartialWidgetSettings, type WidgetConfigDocument } from '@parley/protocol';

/** What the editor's Save sends. */
export interface SaveRequest {
  readonly method: 'PATCH' | 'PUT';
  readonly path: string;
  readonly body: Readonly<Record<string, unknown>>;
}

/**
 * How Save writes the form's changes (`patch`: changed options, `null` to remove one; `basics`: changed name,
 * description or blueprint). A widget with a draft gets its draft rewritten: PUT /draft with the whole draft and the
 * changes on it. A PATCH would not do: without review before publish it applies the changes to the *published*
 * version and publishes that, so the draft's other changes (written by PUT /draft, an import or a promote) would be
 * lost. Anything else (no draft, a blueprint) gets a PATCH of the changes only.
 */
export function saveRequest(
  kind: 'widgets' | 'blueprints',
  id: string,
  draft: WidgetConfigDocument | null,
  patch: Readonly<Record<string, unknown>>,
  basics: Readonly<Record<string, unknown>>,
): SaveRequest {
  const path = `/v1/${kind}/${encodeURIComponent(id)}`;
  if (kind === 'widgets' && draft !== null) return { method: 'PUT', path: `${path}/draft`, body: draftWithChanges(draft, patch, basics) };
  return { method: 'PATCH', path, body: { ...patch, ...basics } };
}

/** The draft with PATCH semantics applied, as the server applies a PATCH: `null` removes, theme and notifications merge key by key. */
export function draftWithChanges(
  draft: WidgetConfigDocument,
  patch: Readonly<Record<string, unknown>>,
  basics: Readonly<Record<string, unknown>>,
): Record<string, unknown> {
  const own: Record<string, unknown> = {};
  for (const key of SETTING_KEYS) if (draft[key] !== undefined && patch[key] !== null) own[key] = draft[key];
  const set: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(patch)) if (value !== null) set[key] = value;
  // Both records hold only option keys with values the form validated (validateSettings) or the server stored.
  const options = overlaySettings(own as PartialWidgetSettings, set as PartialWidgetSettings);
  const resource: Record<string, unknown> = {
    name: draft.name,
    description: draft.description,
    meta: draft.meta,
    blueprintId: draft.blueprintId ?? null,
  };
  for (const key of ['name', 'description', 'blueprintId']) if (basics[key] !== undefined) resource[key] = basics[key];
  for (const key of Object.keys(resource)) if (resource[key] === undefined) delete resource[key];
  return { ...resource, ...options };
}
