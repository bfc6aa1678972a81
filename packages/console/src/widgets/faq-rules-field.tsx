import { answeringRule, botKindSchemas } from '@parley/protocol';
import * as v from 'valibot';
import { useMemo, useState } from 'preact/hooks';
import { FieldError, JsonFold, PhraseInput, RowList } from './row-list.js';
import { replaceRow, rowErrors, schemaErrors } from './structured-values.js';

type Rules = NonNullable<v.InferOutput<typeof botKindSchemas.builtin.config>['rules']>;
type Rule = Rules[number];

const RULES_SCHEMA = v.optional(botKindSchemas.builtin.config.entries.rules);
const NEW_RULE: Rule = { patterns: [], answer: '' };

/** The messages of a bot's rules as the protocol's schema words them, by path below the list (`1.answer`). */
export function faqRuleErrors(value: unknown): Record<string, string> {
  return schemaErrors(RULES_SCHEMA, value);
}

/**
 * The built-in bot's FAQ: rules in order, each with keywords (any of them in the visitor's message),
 * a Markdown answer and optional quick replies. The "test a question" box runs the bot's own matching
 * (the protocol's answeringRule) on the rules as they are typed, saved or not.
 */
export function FaqRulesField(props: { id: string; value: unknown; onChange: (value: unknown) => void }) {
  const rules: readonly Rule[] = Array.isArray(props.value) ? (props.value as readonly Rule[]) : [];
  const errors = useMemo(() => faqRuleErrors(props.value), [props.value]);
  const [question, setQuestion] = useState('');
  const valid = useMemo(() => (Object.keys(errors).length === 0 ? rules : null), [errors, rules]);
  const answering = valid === null || question.trim() === '' ? null : answeringRule(question, valid);
  return (
    <fieldset class="group structured full-row">
      <legend>FAQ rules</legend>
      <p class="muted small">
        The first rule with a keyword in the visitor’s message answers (a keyword inside a longer keyword of another rule does not count).
        Keywords ignore case and accents; the handoff phrases are checked before any rule.
      </p>
      <RowList noun="rule" rows={rules} onChange={(next) => props.onChange(next)} make={() => ({ ...NEW_RULE, patterns: [] })}>
        {(rule, index) => {
          const own = rowErrors(errors, index);
          const id = `${props.id}-${index}`;
          const update = (patch: Partial<Rule>) => props.onChange(replaceRow(rules, index, { ...rule, ...patch }));
          const patterns: readonly string[] = Array.isArray(rule.patterns) ? rule.patterns : [];
          return (
            <div class={`group-grid${answering === index ? ' answering' : ''}`}>
              <div class="field full-row">
                <label class="label" for={`${id}-patterns`}>
                  Keywords (comma-separated)
                </label>
                <PhraseInput
                  id={`${id}-patterns`}
                  value={patterns}
                  placeholder="price, cost, how much"
                  describedBy={own['patterns'] === undefined ? undefined : `${id}-patterns-error`}
                  onChange={(next) => update({ patterns: next })}
                />
                <FieldError id={`${id}-patterns-error`} message={own['patterns']} />
              </div>
              <div class="field full-row">
                <label class="label" for={`${id}-answer`}>
                  Answer (Markdown)
                </label>
                <textarea
                  id={`${id}-answer`}
                  rows={3}
                  value={rule.answer}
                  aria-describedby={own['answer'] === undefined ? undefined : `${id}-answer-error`}
                  onInput={(e) => update({ answer: e.currentTarget.value })}
                />
                <FieldError id={`${id}-answer-error`} message={own['answer']} />
              </div>
              <div class="field full-row">
                <label class="label" for={`${id}-replies`}>
                  Quick replies (comma-separated, optional)
                </label>
                <PhraseInput
                  id={`${id}-replies`}
                  value={rule.quickReplies ?? []}
                  describedBy={own['quickReplies'] === undefined ? undefined : `${id}-replies-error`}
                  onChange={(next) => {
                    const { quickReplies: _drop, ...rest } = rule;
                    props.onChange(replaceRow(rules, index, next.length === 0 ? rest : { ...rest, quickReplies: next }));
                  }}
                />
                <FieldError id={`${id}-replies-error`} message={own['quickReplies']} />
              </div>
            </div>
          );
        }}
      </RowList>
      <FieldError id={`${props.id}-error`} message={errors['']} />
      <div class="field faq-test">
        <label class="label" for={`${props.id}-test`}>
          Test a question
        </label>
        <input
          id={`${props.id}-test`}
          type="search"
          value={question}
          placeholder="Is it open source?"
          onInput={(e) => setQuestion(e.currentTarget.value)}
          aria-describedby={`${props.id}-test-result`}
        />
        <p class="small" id={`${props.id}-test-result`} role="status">
          {question.trim() === ''
            ? 'Type what a visitor might ask to see which rule answers.'
            : valid === null
              ? 'Fix the rules marked above first.'
              : answering === -1 || answering === null
                ? 'No rule answers: the fallback (or a handoff phrase) decides.'
                : `Rule ${answering + 1} answers: “${rules[answering]?.answer ?? ''}”`}
        </p>
      </div>
      <JsonFold id={`${props.id}-json`} value={props.value} onChange={props.onChange} />
    </fieldset>
  );
}
