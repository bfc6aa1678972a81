import { settingsEntries, type Tool } from '@parley/protocol';
import { useMemo } from 'preact/hooks';
import { FieldError, JsonEditor, JsonFold, RowList } from './row-list.js';
import { replaceRow, rowErrors, schemaErrors } from './structured-values.js';

const NEW_TOOL: Tool = { name: '', description: '', url: 'https://' };

/**
 * The widget's tools (what an LLM bot may call, POSTed to each tool's HTTPS url) as rows: name,
 * description, URL and the arguments' JSON Schema. No row is `false`; `true` (tools on, none listed)
 * is kept as it is until a row is added. Checked by the protocol's own schema as it is typed.
 */
export function ToolsField(props: { id: string; value: unknown; onChange: (value: unknown) => void }) {
  const rows: readonly Tool[] = Array.isArray(props.value) ? (props.value as readonly Tool[]) : [];
  const errors = useMemo(() => schemaErrors(settingsEntries.tools, props.value ?? false), [props.value]);
  const set = (next: Tool[]) => props.onChange(next.length === 0 ? false : next);
  const whole = errors[''];
  return (
    <fieldset class="group structured full-row" aria-describedby={whole === undefined ? undefined : `${props.id}-error`}>
      <legend>Tools the bot may call</legend>
      <p class="muted small">
        An OpenAI-compatible bot may call these; each call is POSTed to the tool’s HTTPS URL. They never reach the browser.
        {props.value === true ? ' Tools are on with none listed: add one below.' : ''}
      </p>
      <RowList noun="tool" rows={rows} onChange={set} make={() => ({ ...NEW_TOOL })}>
        {(tool, index) => {
          const own = rowErrors(errors, index);
          const id = `${props.id}-${index}`;
          const update = (patch: Partial<Tool>) => set(replaceRow(rows, index, { ...tool, ...patch }));
          return (
            <div class="group-grid">
              <div class="field">
                <label class="label" for={`${id}-name`}>
                  Name
                </label>
                <input
                  id={`${id}-name`}
                  value={tool.name}
                  aria-describedby={own['name'] === undefined ? undefined : `${id}-name-error`}
                  onInput={(e) => update({ name: e.currentTarget.value })}
                />
                <FieldError id={`${id}-name-error`} message={own['name']} />
              </div>
              <div class="field">
                <label class="label" for={`${id}-url`}>
                  URL
                </label>
                <input
                  id={`${id}-url`}
                  type="url"
                  value={tool.url}
                  aria-describedby={own['url'] === undefined ? undefined : `${id}-url-error`}
                  onInput={(e) => update({ url: e.currentTarget.value })}
                />
                <FieldError id={`${id}-url-error`} message={own['url']} />
              </div>
              <div class="field full-row">
                <label class="label" for={`${id}-description`}>
                  Description (tells the model when to call it)
                </label>
                <textarea
                  id={`${id}-description`}
                  rows={2}
                  value={tool.description}
                  aria-describedby={own['description'] === undefined ? undefined : `${id}-description-error`}
                  onInput={(e) => update({ description: e.currentTarget.value })}
                />
                <FieldError id={`${id}-description-error`} message={own['description']} />
              </div>
              <details class="json-details full-row">
                <summary>Arguments (JSON Schema){tool.parameters === undefined ? ': none' : ''}</summary>
                <JsonEditor
                  id={`${id}-parameters`}
                  rows={5}
                  value={tool.parameters}
                  onChange={(parameters) => {
                    const { parameters: _drop, ...rest } = tool;
                    set(
                      replaceRow(rows, index, parameters === undefined ? rest : { ...rest, parameters: parameters as Tool['parameters'] }),
                    );
                  }}
                />
                <FieldError id={`${id}-parameters-error`} message={own['parameters']} />
              </details>
            </div>
          );
        }}
      </RowList>
      <FieldError id={`${props.id}-error`} message={whole} />
      <JsonFold id={`${props.id}-json`} value={props.value} onChange={props.onChange} />
    </fieldset>
  );
}
