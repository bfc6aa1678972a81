import {
  CONVERSATION_PRIORITIES,
  routingRuleSchema,
  type RoutingAction,
  type RoutingConditionKey,
  type RoutingRule,
  type RoutingTestResult,
} from '@parley/protocol';
import * as v from 'valibot';
import { useMemo, useState } from 'preact/hooks';
import { api, errorText } from '../api.js';
import { FieldError, PhraseInput, RowList } from './row-list.js';

/** What the editor holds: rules as typed, checked by the protocol's own schema (the server checks them again). */
type Draft = { name: string; conditions: Record<string, unknown>; action: Record<string, unknown> };

const CONDITION_LABELS: Readonly<Record<RoutingConditionKey, string>> = {
  textContains: 'Message contains any of',
  textMatches: 'Message matches regex',
  urlContains: 'Page URL contains',
  urlMatches: 'Page URL matches regex',
  language: 'Language is one of',
  identified: 'Visitor is identified',
  attributes: 'Attribute equals',
  businessHours: 'Business hours',
};
const CONDITION_KEYS = Object.keys(CONDITION_LABELS) as RoutingConditionKey[];

/** A new condition's starting value. */
const BLANK: Readonly<Record<RoutingConditionKey, unknown>> = {
  textContains: [],
  textMatches: '',
  urlContains: '',
  urlMatches: '',
  language: [],
  identified: true,
  attributes: { '': '' },
  businessHours: 'outside',
};

/** A new rule matches everything and changes nothing until a condition and an action are chosen. */
const NEW_RULE: Draft = { name: 'New rule', conditions: {}, action: {} };

function drafts(value: unknown): Draft[] {
  // The form holds what the protocol schema accepted, or what this editor produced.
  return Array.isArray(value) ? (value as Draft[]) : [];
}

function issuesOf(rule: Draft): Record<string, string> {
  const result = v.safeParse(routingRuleSchema, rule);
  const out: Record<string, string> = {};
  if (!result.success)
    for (const issue of result.issues) out[(issue.path ?? []).map((step) => String(step.key)).join('.')] ??= issue.message;
  return out;
}

/** Where an action leads, in words: "team Billing, priority high, a human at once". */
export function actionText(action: RoutingAction, teams: readonly { id: string; name: string }[]): string {
  const parts = [
    ...(action.teamId === undefined ? [] : [`team ${teams.find((t) => t.id === action.teamId)?.name ?? action.teamId}`]),
    ...(action.priority === undefined ? [] : [`priority ${action.priority}`]),
    action.handTo === 'human' ? 'a human at once' : 'the bot answers',
  ];
  return parts.join(', ');
}

/**
 * The widget's routing rules as an ordered list: each rule's conditions (all must match) and its action,
 * checked as typed, and a box that asks the server which rule a message would match (the rules on screen,
 * saved or not). The rules are saved with the rest of the widget.
 */
export function RoutingRulesEditor(props: {
  readonly widgetId: string | null;
  readonly value: unknown;
  readonly onChange: (value: unknown) => void;
  readonly teams: readonly { readonly id: string; readonly name: string }[];
}) {
  const rules = drafts(props.value);
  const errors = useMemo(() => rules.map(issuesOf), [props.value]);
  const set = (list: Draft[]) => props.onChange(list);
  const update = (index: number, rule: Draft) => set(rules.map((r, i) => (i === index ? rule : r)));

  return (
    <fieldset class="group" id="routing-rules">
      <legend>Routing rules</legend>
      <p class="muted">
        Checked in order on each conversation’s first visitor message, before the bot answers: the first rule whose conditions all match
        decides. No match: the team and assignment above apply.
      </p>
      {rules.length === 0 ? <p class="muted">No rules yet.</p> : null}
      <RowList
        noun="rule"
        rows={rules}
        onChange={set}
        make={() => ({ ...NEW_RULE, name: `Rule ${rules.length + 1}` })}
        title={(rule, index) => `Rule ${index + 1}: ${rule.name}`}
      >
        {(rule, index) => (
          <RuleEditor
            index={index}
            rule={rule}
            errors={errors[index] ?? {}}
            teams={props.teams}
            onChange={(changed) => update(index, changed)}
          />
        )}
      </RowList>
      {props.widgetId === null ? null : <RuleTester widgetId={props.widgetId} rules={rules} teams={props.teams} />}
    </fieldset>
  );
}

/** One rule's name, conditions and action, inside its RowList row (which moves and removes it). */
function RuleEditor(props: {
  index: number;
  rule: Draft;
  errors: Record<string, string>;
  teams: readonly { id: string; name: string }[];
  onChange: (rule: Draft) => void;
}) {
  const { index, rule, errors } = props;
  const id = `rr-${index}`;
  const used = Object.keys(rule.conditions) as RoutingConditionKey[];
  const free = CONDITION_KEYS.filter((key) => !used.includes(key));
  const setCondition = (key: RoutingConditionKey, value: unknown) =>
    props.onChange({ ...rule, conditions: { ...rule.conditions, [key]: value } });
  const dropCondition = (key: RoutingConditionKey) => {
    const { [key]: _dropped, ...rest } = rule.conditions;
    props.onChange({ ...rule, conditions: rest });
  };
  const setAction = (key: keyof RoutingAction, value: string) => {
    const { [key]: _old, ...rest } = rule.action;
    props.onChange({ ...rule, action: value === '' ? rest : { ...rest, [key]: value } });
  };
  const action = rule.action as RoutingAction;
  return (
    <>
      <div class="group-grid">
        <div class="field">
          <label class="label" for={`${id}-name`}>
            Name
          </label>
          <input
            id={`${id}-name`}
            value={rule.name}
            maxLength={80}
            aria-describedby={errors['name'] === undefined ? undefined : `${id}-name-error`}
            onInput={(e) => props.onChange({ ...rule, name: e.currentTarget.value })}
          />
          <FieldError id={`${id}-name-error`} message={errors['name']} />
        </div>
      </div>
      <fieldset class="group">
        <legend>When all of these match</legend>
        {used.length === 0 ? <p class="muted">No condition yet: every conversation matches. Add one below.</p> : null}
        <div class="group-grid">
          {used.map((key) => (
            <ConditionField
              id={`${id}-${key}`}
              conditionKey={key}
              value={rule.conditions[key]}
              error={Object.entries(errors).find(([path]) => path === `conditions.${key}` || path.startsWith(`conditions.${key}.`))?.[1]}
              onChange={(value) => setCondition(key, value)}
              onRemove={() => dropCondition(key)}
            />
          ))}
        </div>
        {free.length === 0 ? null : (
          <div class="field">
            <label class="label" for={`${id}-add`}>
              Add a condition
            </label>
            <select
              id={`${id}-add`}
              value=""
              onChange={(e) => {
                const key = CONDITION_KEYS.find((k) => k === e.currentTarget.value);
                if (key !== undefined) setCondition(key, BLANK[key]);
                e.currentTarget.value = '';
              }}
            >
              <option value="">Choose…</option>
              {free.map((key) => (
                <option value={key}>{CONDITION_LABELS[key]}</option>
              ))}
            </select>
          </div>
        )}
      </fieldset>
      <fieldset class="group">
        <legend>Then</legend>
        <div class="group-grid">
          <div class="field">
            <label class="label" for={`${id}-team`}>
              Route to team
            </label>
            <select id={`${id}-team`} value={action.teamId ?? ''} onChange={(e) => setAction('teamId', e.currentTarget.value)}>
              <option value="">The widget’s team</option>
              {props.teams.map((team) => (
                <option value={team.id}>{team.name}</option>
              ))}
            </select>
          </div>
          <div class="field">
            <label class="label" for={`${id}-priority`}>
              Priority
            </label>
            <select id={`${id}-priority`} value={action.priority ?? ''} onChange={(e) => setAction('priority', e.currentTarget.value)}>
              <option value="">Unchanged (normal)</option>
              {CONVERSATION_PRIORITIES.map((priority) => (
                <option value={priority}>{priority.charAt(0).toUpperCase() + priority.slice(1)}</option>
              ))}
            </select>
          </div>
          <div class="field">
            <label class="label" for={`${id}-hand`}>
              Who answers
            </label>
            <select
              id={`${id}-hand`}
              value={action.handTo ?? 'bot'}
              onChange={(e) => setAction('handTo', e.currentTarget.value === 'human' ? 'human' : '')}
            >
              <option value="bot">Keep the bot</option>
              <option value="human">A human at once</option>
            </select>
          </div>
        </div>
        <FieldError id={`${id}-action-error`} message={Object.entries(errors).find(([path]) => path.startsWith('action'))?.[1]} />
      </fieldset>
    </>
  );
}

function ConditionField(props: {
  id: string;
  conditionKey: RoutingConditionKey;
  value: unknown;
  error: string | undefined;
  onChange: (value: unknown) => void;
  onRemove: () => void;
}) {
  const { id, conditionKey: key, value } = props;
  const describedBy = props.error === undefined ? undefined : `${id}-error`;
  const text = typeof value === 'string' ? value : '';
  let control;
  switch (key) {
    case 'textContains':
    case 'language':
      // "refund, " stays as typed while the list it means is stored.
      control = (
        <PhraseInput
          id={id}
          value={Array.isArray(value) ? value.map(String) : []}
          placeholder={key === 'language' ? 'pt, es-MX' : 'refund, money back'}
          describedBy={describedBy}
          onChange={props.onChange}
        />
      );
      break;
    case 'identified':
      control = (
        <select id={id} value={value === false ? 'no' : 'yes'} onChange={(e) => props.onChange(e.currentTarget.value === 'yes')}>
          <option value="yes">Yes (signed-in visitor)</option>
          <option value="no">No (anonymous)</option>
        </select>
      );
      break;
    case 'businessHours':
      control = (
        <select id={id} value={value === 'within' ? 'within' : 'outside'} onChange={(e) => props.onChange(e.currentTarget.value)}>
          <option value="within">Within business hours</option>
          <option value="outside">Outside business hours</option>
        </select>
      );
      break;
    case 'attributes': {
      const [name, equals] = Object.entries(typeof value === 'object' && value !== null ? (value as Record<string, string>) : {})[0] ?? [
        '',
        '',
      ];
      control = (
        <span>
          <input
            id={id}
            value={name}
            placeholder="plan"
            aria-label="Attribute name"
            aria-describedby={describedBy}
            onInput={(e) => props.onChange({ [e.currentTarget.value]: equals })}
          />
          <input
            value={equals}
            placeholder="vip"
            aria-label="Attribute value"
            onInput={(e) => props.onChange({ [name]: e.currentTarget.value })}
          />
        </span>
      );
      break;
    }
    default:
      control = (
        <input
          id={id}
          value={text}
          placeholder={key === 'textMatches' ? '\\brefund(s)?\\b' : key === 'urlMatches' ? '^https://shop\\.' : '/pricing'}
          spellcheck={false}
          aria-describedby={describedBy}
          onInput={(e) => props.onChange(e.currentTarget.value)}
        />
      );
  }
  return (
    <div class="field">
      <label class="label" for={id}>
        {CONDITION_LABELS[key]}
      </label>
      {control}
      <FieldError id={`${id}-error`} message={props.error} />
      <span>
        <button type="button" class="button small ghost" aria-label={`Remove condition: ${CONDITION_LABELS[key]}`} onClick={props.onRemove}>
          Remove condition
        </button>
      </span>
    </div>
  );
}

/** "Test a message": which of the rules on screen (saved or not) a first message would match, asked of the server. */
function RuleTester(props: { widgetId: string; rules: readonly Draft[]; teams: readonly { id: string; name: string }[] }) {
  const [text, setText] = useState('');
  const [url, setUrl] = useState('');
  const [answer, setAnswer] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);
  const test = async () => {
    setBusy(true);
    try {
      const result = await api.post<RoutingTestResult>(`/v1/widgets/${encodeURIComponent(props.widgetId)}/routing/test`, {
        text,
        ...(url.trim() === '' ? {} : { url: url.trim() }),
        // The rules as on screen: they need not be saved to be tried.
        rules: props.rules as RoutingRule[],
      });
      setAnswer(
        result.match === null
          ? 'No rule matches: the widget’s usual routing applies.'
          : `Matches rule ${result.match.index + 1} “${result.match.name}”: ${actionText(result.match.action, props.teams)}.`,
      );
    } catch (caught) {
      setAnswer(errorText(caught));
    } finally {
      setBusy(false);
    }
  };
  return (
    <fieldset class="group">
      <legend>Test a message</legend>
      <div class="group-grid">
        <div class="field">
          <label class="label" for="rr-test-text">
            Visitor’s first message
          </label>
          <input id="rr-test-text" value={text} placeholder="I want a refund" onInput={(e) => setText(e.currentTarget.value)} />
        </div>
        <div class="field">
          <label class="label" for="rr-test-url">
            Page URL (optional)
          </label>
          <input id="rr-test-url" value={url} placeholder="https://example.com/pricing" onInput={(e) => setUrl(e.currentTarget.value)} />
        </div>
      </div>
      <p>
        <button type="button" class="button small" disabled={busy} onClick={() => void test()}>
          {busy ? 'Testing…' : 'Test'}
        </button>
      </p>
      <p role="status" id="rr-test-result">
        {answer ?? ''}
      </p>
    </fieldset>
  );
}
