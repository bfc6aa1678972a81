import * as v from 'valibot';
import { isValidLanguageTag } from './language.js';

/**
 * Routing rules: a widget's ordered list of `{ name, conditions, action }`. They are evaluated once per
 * conversation, on its first visitor message, before the bot answers; the first rule whose conditions
 * all match applies its action (a team, a priority, a human at once or the bot), later rules are not
 * looked at. Stored with the widget's settings (a blueprint's list is inherited whole, like every list).
 */

export const ROUTING_RULES_MAX = 50;
export const ROUTING_PATTERN_MAX = 200;
/** A regex sees at most this many characters of the message or URL: with the pattern checks below it bounds a match's time. */
export const ROUTING_REGEX_INPUT_MAX = 200;
/**
 * Unbounded repetitions (`*`, `+`, `{n,}`, or more than this many) a pattern may hold. Adjacent ones still
 * backtrack polynomially: measured on 500 characters, three took 87 s and two 0.6 s; on 200 characters
 * two took under 20 ms (a busy machine), which is why regexes see only the first ROUTING_REGEX_INPUT_MAX characters.
 */
const UNBOUNDED_MAX = 2;
const LARGE_REPEAT = 10;

export const CONVERSATION_PRIORITIES = ['low', 'normal', 'high', 'urgent'] as const;
export type ConversationPriority = (typeof CONVERSATION_PRIORITIES)[number];

/**
 * Why a pattern is refused, or null when it is safe to run on visitor text. JavaScript regexes cannot be
 * interrupted, so patterns that can backtrack exponentially are refused when saved: backreferences, a
 * quantified group holding a quantifier or an alternation (`(a+)+`, `(a|ab)*`), and more than two
 * unbounded quantifiers. Together with ROUTING_REGEX_INPUT_MAX this keeps a match in the microseconds.
 */
export function routingPatternProblem(pattern: string): string | null {
  if (pattern.length > ROUTING_PATTERN_MAX) return `must be at most ${ROUTING_PATTERN_MAX} characters`;
  try {
    new RegExp(pattern, 'i');
  } catch (error) {
    // The engine's own words say where the syntax breaks ("Unterminated group", "Nothing to repeat").
    return `must be a valid regular expression (${error instanceof Error ? error.message.replace(/^Invalid regular expression: /, '') : 'syntax error'})`;
  }
  if (/\\[1-9]|\\k</.test(pattern)) return 'must not use backreferences (\\1, \\k<name>): they can make matching very slow';
  // Per open group: whether it holds a quantifier or an alternation so far.
  const groups: { quantified: boolean; alternation: boolean }[] = [];
  let unbounded = 0;
  let inClass = false;
  for (let i = 0; i < pattern.length; i++) {
    const char = pattern[i];
    if (char === '\\') {
      i++;
      continue;
    }
    if (inClass) {
      if (char === ']') inClass = false;
      continue;
    }
    const top = groups.at(-1);
    if (char === '[') inClass = true;
    else if (char === '(') {
      groups.push({ quantified: false, alternation: false });
      // (?:…), (?=…), (?!…), (?<=…), (?<!…), (?<name>…): the `?` is the group's kind, not a quantifier.
      const kind = /^\?(:|=|!|<=|<!|<[a-zA-Z_$][\w$]*>)/.exec(pattern.slice(i + 1));
      if (kind !== null) i += kind[0].length;
    } else if (char === '|' && top !== undefined) top.alternation = true;
    else if (char === ')') {
      const closed = groups.pop();
      const quantifier = quantifierAt(pattern, i + 1);
      if (closed !== undefined && quantifier !== null && quantifier.repeats) {
        if (closed.quantified) return 'must not repeat a group that holds a repetition, such as (a+)+: it can make matching very slow';
        if (closed.alternation)
          return 'must not repeat a group of alternatives, such as (a|ab)*: list the words without repeating the group';
      }
      const parent = groups.at(-1);
      if (parent !== undefined && closed !== undefined) {
        parent.quantified ||= closed.quantified || quantifier !== null;
        parent.alternation ||= closed.alternation;
      }
    } else {
      const quantifier = quantifierAt(pattern, i);
      if (quantifier !== null) {
        if (quantifier.unbounded) unbounded++;
        if (top !== undefined) top.quantified = true;
        i += quantifier.length - 1;
      }
    }
  }
  if (unbounded > UNBOUNDED_MAX) {
    return `must hold at most ${UNBOUNDED_MAX} unbounded repetitions (*, +, {n,} or {n,m} above ${LARGE_REPEAT}): more can make matching very slow`;
  }
  return null;
}

/** The quantifier starting at `i` (`*`, `+`, `?`, `{n}`, `{n,}`, `{n,m}`, with a lazy `?`), or null. */
function quantifierAt(pattern: string, i: number): { length: number; unbounded: boolean; repeats: boolean } | null {
  const char = pattern[i];
  const lazy = (end: number) => (pattern[end] === '?' ? 1 : 0);
  if (char === '*' || char === '+') return { length: 1 + lazy(i + 1), unbounded: true, repeats: true };
  if (char === '?') return { length: 1 + lazy(i + 1), unbounded: false, repeats: false };
  if (char !== '{') return null;
  const match = /^\{(\d+)(,(\d*))?\}/.exec(pattern.slice(i));
  if (match === null) return null;
  const max = match[2] === undefined ? Number(match[1]) : match[3] === '' ? Infinity : Number(match[3]);
  return { length: match[0].length + lazy(i + match[0].length), unbounded: max > LARGE_REPEAT, repeats: max > 1 };
}

const patternSchema = v.pipe(
  v.string('must be a regular expression'),
  v.minLength(1, 'must not be empty'),
  v.rawCheck(({ dataset, addIssue }) => {
    if (!dataset.typed) return;
    const problem = routingPatternProblem(dataset.value);
    if (problem !== null) addIssue({ message: problem });
  }),
);
const phrase = (max: number) =>
  v.pipe(
    v.string('must be a string'),
    v.trim(),
    v.minLength(1, 'must not be empty'),
    v.maxLength(max, `must be at most ${max} characters`),
  );

export const routingConditionsSchema = v.strictObject({
  /** The first visitor message contains any of these words or phrases (case-insensitive). */
  textContains: v.optional(
    v.pipe(
      v.array(phrase(100), 'must be a list of words'),
      v.minLength(1, 'must name a word'),
      v.maxLength(50, 'must hold at most 50 words'),
    ),
  ),
  /** The first visitor message matches this regular expression (case-insensitive). */
  textMatches: v.optional(patternSchema),
  /** The page URL the conversation started on contains this text (case-insensitive). */
  urlContains: v.optional(phrase(500)),
  /** The page URL matches this regular expression (case-insensitive). */
  urlMatches: v.optional(patternSchema),
  /** The conversation's language is one of these (`pt` also matches `pt-BR`). */
  language: v.optional(
    v.pipe(
      v.array(v.pipe(v.string('must be a string'), v.check(isValidLanguageTag, 'must be a language code such as en or pt-BR'))),
      v.minLength(1, 'must name a language'),
      v.maxLength(50, 'must hold at most 50 languages'),
    ),
  ),
  /** true: the visitor was identified (verified identity); false: anonymous. */
  identified: v.optional(v.boolean('must be true or false')),
  /** Each of these attributes (the page's `meta`) equals its value exactly. */
  attributes: v.optional(
    v.pipe(
      v.record(
        v.pipe(v.string(), v.regex(/^[a-zA-Z0-9_.-]{1,64}$/, 'keys must be 1–64 letters, digits, _ . or -')),
        v.pipe(v.string('values must be strings'), v.maxLength(500, 'values must be at most 500 characters')),
        'must be an object of string values',
      ),
      v.check((attributes) => Object.keys(attributes).length <= 20, 'must hold at most 20 attributes'),
    ),
  ),
  /** Whether the first message came within or outside the widget's business hours (always within when it sets none). */
  businessHours: v.optional(v.picklist(['within', 'outside'], 'must be within or outside')),
});
export type RoutingConditions = v.InferOutput<typeof routingConditionsSchema>;
export type RoutingConditionKey = keyof RoutingConditions;

export const routingActionSchema = v.strictObject({
  /** The team whose agents get the conversation (instead of the widget's team), now and at any later handoff. */
  teamId: v.optional(v.pipe(v.string('must be a team id'), v.maxLength(64))),
  priority: v.optional(v.picklist(CONVERSATION_PRIORITIES, 'must be low, normal, high or urgent')),
  /** `human`: skip the bot and queue for a human at once; `bot` (the default): the bot answers as usual. */
  handTo: v.optional(v.picklist(['bot', 'human'], 'must be bot or human')),
});
export type RoutingAction = v.InferOutput<typeof routingActionSchema>;

export const routingRuleSchema = v.strictObject({
  name: phrase(80),
  /** All of them must match; no condition at all matches every conversation. */
  conditions: routingConditionsSchema,
  action: routingActionSchema,
});
export type RoutingRule = v.InferOutput<typeof routingRuleSchema>;

export const routingRulesSchema = v.pipe(
  v.array(routingRuleSchema, 'must be a list of rules, each { name, conditions, action }'),
  v.maxLength(ROUTING_RULES_MAX, `must hold at most ${ROUTING_RULES_MAX} rules`),
);

/** `POST /v1/widgets/{id}/routing/test`: a conversation as the rules see it. */
export const routingTestSchema = v.strictObject({
  /** The visitor's first message. */
  text: v.pipe(v.string('must be a string'), v.maxLength(8000, 'must be at most 8000 characters')),
  url: v.optional(v.pipe(v.string('must be a string'), v.maxLength(2000))),
  language: v.optional(v.pipe(v.string('must be a string'), v.check(isValidLanguageTag, 'must be a language code such as en or pt-BR'))),
  identified: v.optional(v.boolean('must be true or false')),
  attributes: v.optional(v.record(v.string(), v.pipe(v.string('values must be strings'), v.maxLength(500)))),
  /** When the message arrives (business hours); now when absent. */
  at: v.optional(v.pipe(v.string('must be a date-time'), v.isoTimestamp('must be an ISO 8601 date-time such as 2030-01-01T09:00:00.000Z'))),
  /** Rules to try instead of the widget's saved ones (test before saving). */
  rules: v.optional(routingRulesSchema),
});
export type RoutingTest = v.InferOutput<typeof routingTestSchema>;

export interface RoutingTestResult {
  /** The first rule that matches, or null: the widget's usual routing applies. */
  readonly match: { readonly index: number; readonly name: string; readonly action: RoutingAction } | null;
}
