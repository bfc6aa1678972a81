import { useState } from 'preact/hooks';
import type { FunctionComponent } from 'preact';
import { BusinessHoursField } from './business-hours-field.js';
import { ContactCollectionField } from './contact-collection-field.js';
import { FaqRulesField } from './faq-rules-field.js';
import { JsonEditor } from './row-list.js';
import { ToolsField } from './tools-field.js';
import { builtInDefault, valueLabel, type FieldSpec } from './settings-fields.js';

export type Values = Readonly<Record<string, unknown>>;

export interface FieldProps {
  readonly spec: FieldSpec;
  readonly path: string;
  readonly value: unknown;
  readonly onChange: (value: unknown) => void;
  readonly error?: string | undefined;
  /** Choices for id fields (`botId`, `teamId`): the resources that exist, by field key. */
  readonly choices: Readonly<Record<string, readonly { readonly id: string; readonly name: string }[]>>;
}

/**
 * Options edited with rows instead of JSON (each keeps its JSON one click away and shows its own errors,
 * by the protocol's schema): the widget's tools and business hours, the built-in bot's rules.
 */
export const STRUCTURED_EDITORS: Readonly<
  Record<string, FunctionComponent<{ id: string; value: unknown; onChange: (value: unknown) => void }> | undefined>
> = {
  tools: ToolsField,
  businessHours: BusinessHoursField,
  rules: FaqRulesField,
};

/** One option of the widget, rendered by the shape of its schema. */
export function SettingField(props: FieldProps) {
  const { spec, path, value, onChange } = props;
  const id = `f-${path.replaceAll('.', '-')}`;
  const errorId = `${id}-error`;
  const describedBy = props.error === undefined ? undefined : errorId;
  const error =
    props.error === undefined ? null : (
      <span class="field-error" id={errorId}>
        {props.error}
      </span>
    );
  const kind = spec.kind;
  // Left empty, the field takes the built-in value: shown as the placeholder, so empty never looks like "nothing".
  const fallback = builtInDefault(path);

  if (kind.type === 'group') {
    const object = typeof value === 'object' && value !== null ? (value as Values) : {};
    return (
      <fieldset class="group">
        <legend>{spec.label}</legend>
        <div class="group-grid">
          {kind.fields.map((field) => (
            <SettingField
              spec={field}
              path={`${path}.${field.key}`}
              value={object[field.key]}
              choices={props.choices}
              onChange={(next) => onChange(next === undefined || next === '' ? omit(object, field.key) : { ...object, [field.key]: next })}
            />
          ))}
        </div>
        {error}
      </fieldset>
    );
  }
  if (kind.type === 'boolean') {
    return (
      <div class="field check">
        <input
          id={id}
          type="checkbox"
          checked={value === true}
          onChange={(e) => onChange(e.currentTarget.checked)}
          aria-describedby={describedBy}
        />
        <label for={id}>{spec.label}</label>
        {error}
      </div>
    );
  }
  let control;
  if (kind.type === 'select') {
    control = (
      <select
        id={id}
        value={typeof value === 'string' ? value : ''}
        onChange={(e) => onChange(e.currentTarget.value || undefined)}
        aria-describedby={describedBy}
      >
        <option value="">{fallback === undefined ? 'Default' : `Default (${valueLabel(fallback)})`}</option>
        {kind.options.map((option) => (
          <option value={option}>{valueLabel(option)}</option>
        ))}
      </select>
    );
  } else if (kind.type === 'nullable-text' && props.choices[spec.key] === undefined) {
    control = (
      <input
        id={id}
        type="text"
        value={typeof value === 'string' ? value : ''}
        onInput={(e) => onChange(e.currentTarget.value === '' ? null : e.currentTarget.value)}
        aria-describedby={describedBy}
      />
    );
  } else if (kind.type === 'nullable-text') {
    control = (
      <select
        id={id}
        value={typeof value === 'string' ? value : ''}
        onChange={(e) => onChange(e.currentTarget.value === '' ? null : e.currentTarget.value)}
        aria-describedby={describedBy}
      >
        <option value="">{spec.key === 'teamId' ? 'All agents' : 'None'}</option>
        {(props.choices[spec.key] ?? []).map((choice) => (
          <option value={choice.id}>{choice.name}</option>
        ))}
      </select>
    );
  } else if (kind.type === 'number') {
    control = (
      <input
        id={id}
        type="number"
        min={kind.min}
        max={kind.max}
        placeholder={fallback ?? (kind.nullable === true ? 'None' : undefined)}
        value={typeof value === 'number' ? String(value) : ''}
        onInput={(e) =>
          onChange(e.currentTarget.value === '' ? (kind.nullable === true ? null : undefined) : Number(e.currentTarget.value))
        }
        aria-describedby={describedBy}
      />
    );
  } else if (kind.type === 'list') {
    control = (
      <textarea
        id={id}
        rows={3}
        value={Array.isArray(value) ? value.join('\n') : ''}
        onInput={(e) =>
          onChange(
            e.currentTarget.value
              .split('\n')
              .map((line) => line.trim())
              .filter(Boolean),
          )
        }
        aria-describedby={describedBy}
      />
    );
  } else if (kind.type === 'json' && spec.key === 'contactCollection') {
    return (
      <ContactCollectionField
        id={id}
        value={value}
        onChange={onChange}
        error={error}
        json={<JsonEditor id={`${id}-json`} value={value} onChange={onChange} rows={4} />}
      />
    );
  } else if (kind.type === 'json' && STRUCTURED_EDITORS[spec.key] !== undefined) {
    const Editor = STRUCTURED_EDITORS[spec.key];
    return Editor === undefined ? null : <Editor id={id} value={value} onChange={onChange} />;
  } else if (kind.type === 'json') {
    return <JsonField {...props} id={id} />;
  } else if (kind.color) {
    const hex = typeof value === 'string' ? value : '';
    control = (
      <span class="color-input">
        <input
          type="color"
          aria-label={`${spec.label} picker`}
          value={/^#[0-9a-f]{6}$/i.test(hex) ? hex : '#000000'}
          onInput={(e) => onChange(e.currentTarget.value)}
        />
        <input
          id={id}
          type="text"
          value={hex}
          placeholder={fallback ?? '#1f5fd1'}
          onInput={(e) => onChange(e.currentTarget.value || undefined)}
          aria-describedby={describedBy}
        />
      </span>
    );
  } else if (kind.multiline) {
    control = (
      <textarea
        id={id}
        rows={3}
        placeholder={fallback}
        value={typeof value === 'string' ? value : ''}
        onInput={(e) => onChange(e.currentTarget.value)}
        aria-describedby={describedBy}
      />
    );
  } else {
    const common = {
      id,
      value: typeof value === 'string' ? value : '',
      placeholder: fallback,
      'aria-describedby': describedBy,
      onInput: (e: Event) => onChange((e.currentTarget as HTMLInputElement).value),
    };
    control = kind.url ? <input type="url" {...common} /> : <input type="text" {...common} />;
  }
  return (
    <div class="field">
      <label class="label" for={id}>
        {spec.label}
      </label>
      {control}
      {error}
    </div>
  );
}

/** Options whose shape is a union (true/false or an object/list) are edited as JSON. */
function JsonField(props: FieldProps & { id: string }) {
  const [text, setText] = useState(() => (props.value === undefined ? '' : JSON.stringify(props.value, null, 2)));
  const [parseError, setParseError] = useState<string | null>(null);
  const message = parseError ?? props.error;
  return (
    <div class="field">
      <label class="label" for={props.id}>
        {props.spec.label}
      </label>
      <textarea
        id={props.id}
        class="mono"
        rows={3}
        value={text}
        aria-describedby={message === undefined ? undefined : `${props.id}-error`}
        onInput={(e) => {
          setText(e.currentTarget.value);
          if (e.currentTarget.value.trim() === '') {
            props.onChange(undefined);
            setParseError(null);
            return;
          }
          try {
            props.onChange(JSON.parse(e.currentTarget.value));
            setParseError(null);
          } catch {
            setParseError('Not valid JSON yet: check quotes, commas and brackets.');
          }
        }}
      />
      {message === undefined ? null : (
        <span class="field-error" id={`${props.id}-error`}>
          {message}
        </span>
      )}
    </div>
  );
}

function omit(object: Values, key: string): Values {
  const copy: Record<string, unknown> = { ...object };
  delete copy[key];
  return copy;
}
