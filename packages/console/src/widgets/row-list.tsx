import type { ComponentChildren } from 'preact';
import { useEffect, useId, useState } from 'preact/hooks';
import { joinPhrases, moveRow, removeRow, splitPhrases } from './structured-values.js';

/**
 * The parts the structured editors share: a list of rows that can be added, removed and reordered, a
 * list of phrases typed as one line, and the JSON of the whole value, one click away for power users.
 */
export function RowList<T>(props: {
  /** What one row is, for the buttons: "tool" → "Add a tool", "Remove tool 2". */
  readonly noun: string;
  readonly rows: readonly T[];
  readonly onChange: (rows: T[]) => void;
  readonly make: () => T;
  /** The row's heading, also the name of its group: "Tool 2" unless given. */
  readonly title?: (row: T, index: number) => string;
  readonly children: (row: T, index: number) => ComponentChildren;
}) {
  const { noun, rows, onChange } = props;
  const id = useId();
  return (
    <div class="row-list">
      <ol class="rows">
        {rows.map((row, index) => (
          <li>
            {/* A group named by its heading: a screen reader says which row a field or a button is in. */}
            <div class="struct-row" role="group" aria-labelledby={`${id}-${index}`}>
              <div class="struct-row-head">
                <span class="struct-row-title" id={`${id}-${index}`}>
                  {props.title?.(row, index) ?? `${noun.charAt(0).toUpperCase() + noun.slice(1)} ${index + 1}`}
                </span>
                <span class="struct-row-actions">
                  <button
                    type="button"
                    class="button small ghost"
                    aria-label={`Move ${noun} ${index + 1} up`}
                    disabled={index === 0}
                    onClick={() => onChange(moveRow(rows, index, index - 1))}
                  >
                    ↑
                  </button>
                  <button
                    type="button"
                    class="button small ghost"
                    aria-label={`Move ${noun} ${index + 1} down`}
                    disabled={index === rows.length - 1}
                    onClick={() => onChange(moveRow(rows, index, index + 1))}
                  >
                    ↓
                  </button>
                  <button type="button" class="button small danger-ghost" onClick={() => onChange(removeRow(rows, index))}>
                    Remove <span class="visually-hidden">{`${noun} ${index + 1}`}</span>
                  </button>
                </span>
              </div>
              {props.children(row, index)}
            </div>
          </li>
        ))}
      </ol>
      <button type="button" class="button small" onClick={() => onChange([...rows, props.make()])}>
        Add {/^[aeiou]/i.test(noun) ? 'an' : 'a'} {noun}
      </button>
    </div>
  );
}

/**
 * Phrases typed on one line, comma-separated. The text keeps what is being typed ("price, " before the
 * next word) as long as it means the list held; a list changed elsewhere (the JSON) replaces it.
 */
export function PhraseInput(props: {
  readonly id: string;
  readonly value: readonly string[];
  readonly onChange: (value: string[]) => void;
  readonly describedBy?: string | undefined;
  readonly placeholder?: string;
}) {
  const [text, setText] = useState(() => joinPhrases(props.value));
  useEffect(() => {
    if (joinPhrases(splitPhrases(text)) !== joinPhrases(props.value)) setText(joinPhrases(props.value));
  }, [props.value]);
  return (
    <input
      id={props.id}
      type="text"
      value={text}
      placeholder={props.placeholder}
      aria-describedby={props.describedBy}
      onInput={(e) => {
        setText(e.currentTarget.value);
        props.onChange(splitPhrases(e.currentTarget.value));
      }}
    />
  );
}

/**
 * The whole value as JSON. Typing changes the value as soon as the text parses; the text is kept as
 * typed while it means the value held, and is rewritten when the value changes elsewhere (the rows).
 */
export function JsonEditor(props: {
  readonly id: string;
  readonly value: unknown;
  readonly onChange: (value: unknown) => void;
  readonly rows?: number;
}) {
  const format = (value: unknown) => (value === undefined ? '' : JSON.stringify(value, null, 2));
  const [text, setText] = useState(() => format(props.value));
  const [parseError, setParseError] = useState<string | null>(null);
  useEffect(() => {
    if (!sameJson(text, props.value)) {
      setText(format(props.value));
      setParseError(null);
    }
  }, [props.value]);
  return (
    <div class="field">
      <label class="label" for={props.id}>
        JSON
      </label>
      <textarea
        id={props.id}
        class="mono"
        rows={props.rows ?? 8}
        value={text}
        aria-describedby={parseError === null ? undefined : `${props.id}-error`}
        onInput={(e) => {
          const typed = e.currentTarget.value;
          setText(typed);
          if (typed.trim() === '') {
            setParseError(null);
            return props.onChange(undefined);
          }
          try {
            props.onChange(JSON.parse(typed));
            setParseError(null);
          } catch {
            setParseError('Not valid JSON yet: check quotes, commas and brackets. The editor above keeps the last valid value.');
          }
        }}
      />
      {parseError === null ? null : (
        <span class="field-error" id={`${props.id}-error`}>
          {parseError}
        </span>
      )}
    </div>
  );
}

function sameJson(text: string, value: unknown): boolean {
  if (text.trim() === '') return value === undefined;
  try {
    return JSON.stringify(JSON.parse(text)) === JSON.stringify(value);
  } catch {
    return false; // Text being typed that does not parse yet: the value did not come from it.
  }
}

/** The "Edit as JSON" fold under a structured editor. */
export function JsonFold(props: { readonly id: string; readonly value: unknown; readonly onChange: (value: unknown) => void }) {
  return (
    <details class="json-details">
      <summary>Edit as JSON</summary>
      <JsonEditor id={props.id} value={props.value} onChange={props.onChange} />
    </details>
  );
}

/** A field's inline error, the id its control points at with aria-describedby. */
export function FieldError(props: { readonly id: string; readonly message: string | undefined }) {
  return props.message === undefined ? null : (
    <span class="field-error" id={props.id}>
      {props.message}
    </span>
  );
}
