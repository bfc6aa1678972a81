import type { Blueprint } from '@parley/protocol';
import { useEffect, useState } from 'preact/hooks';
import { api } from '../api.js';

/** The fields of a widget or blueprint that are not options: name, description and (widgets) the blueprint it follows. */
export interface Basics {
  readonly name: string;
  readonly description: string;
  /** Widgets only; undefined for blueprints. */
  readonly blueprintId?: string | null;
}

/** The changed basics, as PATCH fields. */
export function basicsPatch(before: Basics, after: Basics): Record<string, unknown> {
  const patch: Record<string, unknown> = {};
  if (after.name !== before.name) patch['name'] = after.name;
  if (after.description !== before.description) patch['description'] = after.description;
  if (after.blueprintId !== undefined && after.blueprintId !== before.blueprintId) patch['blueprintId'] = after.blueprintId;
  return patch;
}

export function ResourceBasics(props: { value: Basics; onChange: (next: Basics) => void }) {
  const { value, onChange } = props;
  const [blueprints, setBlueprints] = useState<readonly Blueprint[]>([]);
  const isWidget = value.blueprintId !== undefined;
  useEffect(() => {
    if (isWidget) api.all<Blueprint>('/v1/blueprints').then(setBlueprints, () => setBlueprints([]));
  }, [isWidget]);
  return (
    <div class="card">
      <div class="fields">
        <div class="field">
          <label class="label" for="f-name">
            Name
          </label>
          <input id="f-name" value={value.name} onInput={(e) => onChange({ ...value, name: e.currentTarget.value })} required />
        </div>
        {isWidget ? (
          <div class="field">
            <label class="label" for="f-blueprint">
              Blueprint (shared options)
            </label>
            <select
              id="f-blueprint"
              value={value.blueprintId ?? ''}
              onChange={(e) => onChange({ ...value, blueprintId: e.currentTarget.value === '' ? null : e.currentTarget.value })}
            >
              <option value="">None</option>
              {blueprints.map((blueprint) => (
                <option value={blueprint.id}>{blueprint.name}</option>
              ))}
            </select>
          </div>
        ) : null}
        <div class="field full-row">
          <label class="label" for="f-description">
            Description
          </label>
          <input id="f-description" value={value.description} onInput={(e) => onChange({ ...value, description: e.currentTarget.value })} />
        </div>
      </div>
    </div>
  );
}
