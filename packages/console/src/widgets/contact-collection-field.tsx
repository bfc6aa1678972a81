import type { ContactCollection } from '@parley/protocol';
import type { ComponentChildren } from 'preact';

const FIELDS = [
  ['name', 'Name'],
  ['email', 'Email'],
  ['phone', 'Phone'],
] as const;
type ContactField = (typeof FIELDS)[number][0];

/**
 * Contact collection as choices instead of JSON: when to ask (never, before the chat, during it), which
 * fields, and whether the visitor may skip. `true` (the widget's own default: email during the chat) is
 * shown as that. The JSON stays one click away for power users (`json`, the generic field).
 */
export function ContactCollectionField(props: {
  id: string;
  value: unknown;
  onChange: (value: ContactCollection | undefined) => void;
  error: ComponentChildren;
  json: ComponentChildren;
}) {
  const current = props.value;
  const object = typeof current === 'object' && current !== null ? (current as Exclude<ContactCollection, boolean>) : null;
  const when = object?.when ?? (current === true ? 'during' : 'off');
  const fields: readonly ContactField[] = object?.fields ?? ['email'];
  const required = object?.required === true;
  const set = (next: { when?: string; fields?: readonly ContactField[]; required?: boolean }) => {
    const nextWhen = next.when ?? when;
    if (nextWhen === 'off') return props.onChange(false);
    const nextFields = next.fields ?? fields;
    props.onChange({
      when: nextWhen === 'before' ? 'before' : 'during',
      fields: nextFields.length === 0 ? ['email'] : [...nextFields],
      ...((next.required ?? required) ? { required: true } : {}),
    });
  };
  return (
    <fieldset class="group contact-collection full-row">
      <legend>Contact collection</legend>
      <div class="group-grid">
        <div class="field">
          <label class="label" for={props.id}>
            Ask for contact details
          </label>
          <select id={props.id} value={props.value === undefined ? '' : when} onChange={(e) => set({ when: e.currentTarget.value })}>
            {props.value === undefined ? <option value="">Default (never)</option> : null}
            <option value="off">Never</option>
            <option value="before">Before the chat starts</option>
            <option value="during">During the chat</option>
          </select>
        </div>
        {when === 'off' ? null : (
          <>
            <div class="field" role="group" aria-label="Fields to ask for">
              <span class="label" aria-hidden="true">
                Fields
              </span>
              {FIELDS.map(([field, label]) => (
                <label class="check">
                  <input
                    type="checkbox"
                    checked={fields.includes(field)}
                    onChange={(e) => set({ fields: e.currentTarget.checked ? [...fields, field] : fields.filter((f) => f !== field) })}
                  />{' '}
                  {label}
                </label>
              ))}
            </div>
            <div class="field check">
              <input
                id={`${props.id}-required`}
                type="checkbox"
                checked={required}
                onChange={(e) => set({ required: e.currentTarget.checked })}
              />
              <label for={`${props.id}-required`}>Required (the visitor cannot chat without them)</label>
            </div>
          </>
        )}
      </div>
      {props.error}
      <details class="json-details">
        <summary>Edit as JSON</summary>
        {props.json}
      </details>
    </fieldset>
  );
}
