import * as v from 'valibot';
import { idSchema, nameSchema } from './common-schemas.js';
import { isValidLanguageTag } from './language.js';
import type { BusinessHours } from './widget-settings.js';

/**
 * Proactive messages (issue 20, docs/campaigns.md): a message a widget shows by itself when a trigger fires
 * on a page, for an audience, at most as often as its frequency cap allows. The server stores and validates
 * campaigns (`/v1/widgets/{id}/campaigns`); the public config carries the enabled, in-schedule ones and the
 * widget's campaigns extra evaluates them in the browser (campaign-match.ts).
 */

export const CAMPAIGN_TEXT_MAX = 2000;
export const CAMPAIGN_QUICK_REPLIES_MAX = 5;
/** A pattern the browser runs against every page address: short, and refused when it could backtrack badly. */
export const CAMPAIGN_REGEX_MAX = 200;
export const CAMPAIGN_URL_RULES_MAX = 20;
export const CAMPAIGN_ATTRIBUTE_CONDITIONS_MAX = 10;

export const CAMPAIGN_TRIGGER_KINDS = ['page_view', 'time_on_page', 'time_on_site', 'exit_intent', 'scroll_depth', 'event'] as const;
export type CampaignTriggerKind = (typeof CAMPAIGN_TRIGGER_KINDS)[number];
export const CAMPAIGN_URL_MATCHES = ['exact', 'prefix', 'wildcard', 'regex'] as const;
export const CAMPAIGN_DISPLAYS = ['peek', 'window', 'both'] as const;
export const CAMPAIGN_CAP_KINDS = ['once_per_visitor', 'once_per_session', 'every_days'] as const;
export const CAMPAIGN_ATTRIBUTE_OPS = ['equals', 'not_equals', 'contains', 'exists', 'missing'] as const;

const text = (max: number) =>
  v.pipe(
    v.string('must be a string'),
    v.trim(),
    v.minLength(1, 'must not be empty'),
    v.maxLength(max, `must be at most ${max} characters`),
  );

const seconds = v.pipe(
  v.number('must be a number of seconds'),
  v.integer('must be a whole number of seconds'),
  v.minValue(0, 'must be at least 0'),
  v.maxValue(86_400, 'must be at most 86400 (a day)'),
);

/**
 * Why a regular expression is refused, or null when it may run in visitors' browsers: at most
 * CAMPAIGN_REGEX_MAX characters, valid JavaScript syntax, no back-references, and no repeated group (`*`, `+`,
 * `?`, `{…}` after `)`) that itself holds an unbounded quantifier (`*`, `+`, `{n,}`) or an alternation: `(a+)+`,
 * `(a|ab)*`, `(\w*)*` are the shapes whose backtracking grows exponentially with the address' length. A
 * conservative test, not a proof: it also refuses some harmless patterns such as `(ab+)?`; a prefix or wildcard
 * rule, or `ab*` without the group, says the same.
 */
export function unsafeRegexReason(pattern: string): string | null {
  if (pattern.length > CAMPAIGN_REGEX_MAX) return `must be at most ${CAMPAIGN_REGEX_MAX} characters`;
  try {
    new RegExp(pattern);
  } catch {
    return 'must be a valid JavaScript regular expression';
  }
  if (/\\[1-9]|\\k</.test(pattern)) return 'must not use back-references (\\1, \\k<name>)';
  // Walk the pattern: for each open group, remember whether it holds a quantifier or an alternation.
  const stack: boolean[] = [];
  let risky = false;
  for (let i = 0; i < pattern.length; i++) {
    const c = pattern[i];
    if (c === '\\') {
      i++;
      continue;
    }
    if (c === '[') {
      // Skip a character class: nothing inside it is a quantifier or a group.
      for (i++; i < pattern.length && pattern[i] !== ']'; i++) if (pattern[i] === '\\') i++;
      continue;
    }
    if (c === '(') {
      stack.push(false);
      continue;
    }
    if (c === '|' || c === '*' || c === '+' || (c === '{' && /^\{\d+,\d*\}/.test(pattern.slice(i)))) {
      if (stack.length > 0) stack[stack.length - 1] = true;
      continue;
    }
    if (c === ')') {
      const inner = stack.pop() ?? false;
      const next = pattern[i + 1];
      const quantified = next === '*' || next === '+' || next === '?' || next === '{';
      if (inner && quantified) risky = true;
      // A group holding a quantifier makes its parent hold one too.
      if (inner && stack.length > 0) stack[stack.length - 1] = true;
    }
  }
  return risky ? 'must not repeat a group that holds a quantifier or an alternation (such as (a+)+), which can hang a browser' : null;
}

export const campaignUrlRuleSchema = v.pipe(
  v.strictObject({
    match: v.picklist(CAMPAIGN_URL_MATCHES, `must be one of ${CAMPAIGN_URL_MATCHES.join(', ')}`),
    value: text(500),
  }),
  v.rawCheck(({ dataset, addIssue }) => {
    if (!dataset.typed || dataset.value.match !== 'regex') return;
    const reason = unsafeRegexReason(dataset.value.value);
    if (reason !== null)
      addIssue({
        message: reason,
        path: [{ type: 'object', origin: 'value', input: dataset.value, key: 'value', value: dataset.value.value }],
      });
  }),
);
export type CampaignUrlRule = v.InferOutput<typeof campaignUrlRuleSchema>;

const urlRules = v.pipe(
  v.array(campaignUrlRuleSchema, 'must be a list of { match, value }'),
  v.maxLength(CAMPAIGN_URL_RULES_MAX, `must hold at most ${CAMPAIGN_URL_RULES_MAX} rules`),
);

/** Which pages: any `include` rule matches (none = every page) and no `exclude` rule does. */
export const campaignPagesSchema = v.strictObject({ include: v.optional(urlRules, []), exclude: v.optional(urlRules, []) });

export const campaignTriggerSchema = v.variant(
  'kind',
  [
    v.strictObject({ kind: v.literal('page_view') }),
    v.strictObject({ kind: v.literal('time_on_page'), seconds }),
    v.strictObject({ kind: v.literal('time_on_site'), seconds }),
    v.strictObject({ kind: v.literal('exit_intent') }),
    v.strictObject({
      kind: v.literal('scroll_depth'),
      percent: v.pipe(
        v.number('must be a percentage'),
        v.integer('must be a whole percentage'),
        v.minValue(1, 'must be at least 1'),
        v.maxValue(100, 'must be at most 100'),
      ),
    }),
    v.strictObject({
      kind: v.literal('event'),
      name: v.pipe(v.string('must be a string'), v.regex(/^[A-Za-z0-9_.:-]{1,64}$/, 'must be 1 to 64 letters, digits, _ . : or -')),
    }),
  ],
  `must be { kind } with kind one of ${CAMPAIGN_TRIGGER_KINDS.join(', ')}`,
);
export type CampaignTrigger = v.InferOutput<typeof campaignTriggerSchema>;

export const campaignAttributeConditionSchema = v.pipe(
  v.strictObject({
    key: v.pipe(v.string('must be a string'), v.regex(/^[a-zA-Z0-9_.-]{1,64}$/, 'must be 1 to 64 letters, digits, _ . or -')),
    op: v.picklist(CAMPAIGN_ATTRIBUTE_OPS, `must be one of ${CAMPAIGN_ATTRIBUTE_OPS.join(', ')}`),
    value: v.optional(v.pipe(v.string('must be a string'), v.maxLength(200, 'must be at most 200 characters'))),
  }),
  v.check((c) => c.op === 'exists' || c.op === 'missing' || c.value !== undefined, 'must have a value for equals, not_equals and contains'),
);
export type CampaignAttributeCondition = v.InferOutput<typeof campaignAttributeConditionSchema>;

export const campaignAudienceSchema = v.strictObject({
  visitor: v.optional(v.picklist(['any', 'new', 'returning'], 'must be any, new or returning'), 'any'),
  identified: v.optional(v.picklist(['any', 'yes', 'no'], 'must be any, yes or no'), 'any'),
  /** The widget's language for this visitor (its primary subtag: `fr` matches `fr-CA`); empty = any. */
  languages: v.optional(
    v.pipe(
      v.array(
        v.pipe(v.string('must be a language tag'), v.check(isValidLanguageTag, 'must be a language tag such as fr or pt-BR')),
        'must be a list of language tags',
      ),
      v.maxLength(50, 'must hold at most 50 languages'),
    ),
    [],
  ),
  /** The widget's business hours (its `businessHours` setting): open, closed, or either. */
  businessHours: v.optional(v.picklist(['any', 'open', 'closed'], 'must be any, open or closed'), 'any'),
  /** Attributes the host page gave the widget (`Parley('identify', …)`); every condition must hold. */
  attributes: v.optional(
    v.pipe(
      v.array(campaignAttributeConditionSchema, 'must be a list of { key, op, value }'),
      v.maxLength(CAMPAIGN_ATTRIBUTE_CONDITIONS_MAX, `must hold at most ${CAMPAIGN_ATTRIBUTE_CONDITIONS_MAX} conditions`),
    ),
    [],
  ),
});
export type CampaignAudience = v.InferOutput<typeof campaignAudienceSchema>;

export const campaignCapSchema = v.variant(
  'kind',
  [
    v.strictObject({ kind: v.literal('once_per_visitor') }),
    v.strictObject({ kind: v.literal('once_per_session') }),
    v.strictObject({
      kind: v.literal('every_days'),
      days: v.pipe(
        v.number('must be a number of days'),
        v.integer('must be a whole number of days'),
        v.minValue(1, 'must be at least 1'),
        v.maxValue(365, 'must be at most 365'),
      ),
    }),
  ],
  `must be { kind } with kind one of ${CAMPAIGN_CAP_KINDS.join(', ')}`,
);
export type CampaignCap = v.InferOutput<typeof campaignCapSchema>;

export const campaignSenderSchema = v.variant(
  'kind',
  [v.strictObject({ kind: v.literal('bot') }), v.strictObject({ kind: v.literal('agent'), agentId: idSchema })],
  'must be { kind: "bot" } or { kind: "agent", agentId }',
);
export type CampaignSender = v.InferOutput<typeof campaignSenderSchema>;

export const campaignMessageSchema = v.strictObject({
  /** Markdown, rendered like a bot's message. */
  text: text(CAMPAIGN_TEXT_MAX),
  quickReplies: v.optional(
    v.pipe(
      v.array(text(80), 'must be a list of texts'),
      v.maxLength(CAMPAIGN_QUICK_REPLIES_MAX, `must hold at most ${CAMPAIGN_QUICK_REPLIES_MAX} replies`),
    ),
    [],
  ),
});

const instant = v.nullable(
  v.pipe(v.string('must be a date-time'), v.isoTimestamp('must be an ISO 8601 date-time such as 2026-12-24T08:00:00Z')),
);
const priority = v.pipe(
  v.number('must be a number'),
  v.integer('must be a whole number'),
  v.minValue(0, 'must be at least 0'),
  v.maxValue(1000, 'must be at most 1000'),
);

const campaignFields = {
  name: nameSchema,
  enabled: v.boolean('must be true or false'),
  /** Higher first when several campaigns match at once. */
  priority,
  startsAt: instant,
  endsAt: instant,
  message: campaignMessageSchema,
  display: v.picklist(CAMPAIGN_DISPLAYS, `must be one of ${CAMPAIGN_DISPLAYS.join(', ')}`),
  sender: campaignSenderSchema,
  trigger: campaignTriggerSchema,
  pages: campaignPagesSchema,
  audience: campaignAudienceSchema,
  cap: campaignCapSchema,
};

/** A new campaign; the service checks that endsAt follows startsAt and that an agent sender exists. */
export const campaignCreateSchema = v.strictObject({
  name: campaignFields.name,
  enabled: v.optional(campaignFields.enabled, true),
  priority: v.optional(priority, 0),
  startsAt: v.optional(instant, null),
  endsAt: v.optional(instant, null),
  message: campaignFields.message,
  display: v.optional(campaignFields.display, 'peek'),
  sender: v.optional(campaignSenderSchema, { kind: 'bot' } as const),
  trigger: campaignTriggerSchema,
  pages: v.optional(campaignPagesSchema, { include: [], exclude: [] }),
  audience: v.optional(campaignAudienceSchema, {}),
  cap: v.optional(campaignCapSchema, { kind: 'once_per_visitor' } as const),
});
export type CampaignCreate = v.InferOutput<typeof campaignCreateSchema>;

/** A change: the fields sent replace the stored ones whole (a new trigger replaces the trigger). */
export const campaignPatchSchema = v.strictObject({
  name: v.optional(campaignFields.name),
  enabled: v.optional(campaignFields.enabled),
  priority: v.optional(priority),
  startsAt: v.optional(instant),
  endsAt: v.optional(instant),
  message: v.optional(campaignFields.message),
  display: v.optional(campaignFields.display),
  sender: v.optional(campaignSenderSchema),
  trigger: v.optional(campaignTriggerSchema),
  pages: v.optional(campaignPagesSchema),
  audience: v.optional(campaignAudienceSchema),
  cap: v.optional(campaignCapSchema),
});
export type CampaignPatch = v.InferOutput<typeof campaignPatchSchema>;

/** What the JSON `definition` column holds (everything but the filtered columns). */
export type CampaignDefinition = Pick<CampaignCreate, 'message' | 'display' | 'sender' | 'trigger' | 'pages' | 'audience' | 'cap'>;

export interface Campaign extends CampaignDefinition {
  readonly id: string;
  readonly object: 'campaign';
  readonly widgetId: string;
  readonly name: string;
  readonly enabled: boolean;
  readonly priority: number;
  readonly startsAt: string | null;
  readonly endsAt: string | null;
  readonly createdAt: string;
  readonly updatedAt: string;
}

/**
 * A campaign as the browser gets it in the public config: no name, schedule or agent id; the sender's
 * display name only. Attribute conditions travel as written (the site owner's rule, not visitor data); the
 * values they test are the ones the host page gave the widget.
 */
export interface PublicCampaign {
  readonly id: string;
  readonly priority: number;
  readonly message: { readonly text: string; readonly quickReplies: readonly string[] };
  readonly display: (typeof CAMPAIGN_DISPLAYS)[number];
  readonly sender: { readonly kind: 'bot' | 'agent'; readonly name: string };
  readonly trigger: CampaignTrigger;
  readonly pages: { readonly include: readonly CampaignUrlRule[]; readonly exclude: readonly CampaignUrlRule[] };
  readonly audience: CampaignAudience;
  readonly cap: CampaignCap;
  /** When the campaign ends, if it does: a page holding a cached config stops showing it then. */
  readonly endsAt?: string;
}

/** The public config's `campaigns` block: present only when the widget has a live campaign or a returning visitors' greeting. */
export interface PublicCampaigns {
  readonly items: readonly PublicCampaign[];
  /** The widget's business hours, when a campaign's audience asks open or closed (null: always open). */
  readonly businessHours?: BusinessHours | null;
  /** The widget's `greeting.returning`, shown instead of its greeting to a returning visitor; absent when empty. */
  readonly returningGreeting?: string;
}

/** What the widget reports about a campaign: `POST /v1/widgets/{id}/events`. */
export const CAMPAIGN_BEACON_EVENT_TYPES = ['campaign_shown', 'campaign_opened', 'campaign_replied'] as const;
export type CampaignBeaconEventType = (typeof CAMPAIGN_BEACON_EVENT_TYPES)[number];
export const campaignBeaconSchema = v.strictObject({
  type: v.picklist(CAMPAIGN_BEACON_EVENT_TYPES, `must be one of ${CAMPAIGN_BEACON_EVENT_TYPES.join(', ')}`),
  campaign: idSchema,
});
export type CampaignBeacon = v.InferOutput<typeof campaignBeaconSchema>;

/** `GET /v1/reports/campaigns`: per campaign of the period. */
export interface CampaignReportRow {
  readonly campaignId: string;
  readonly widgetId: string;
  readonly name: string;
  readonly shown: number;
  readonly opened: number;
  readonly replied: number;
  /** replied / shown, 0–1; null when never shown. */
  readonly replyRate: number | null;
}
export interface CampaignReport {
  readonly from: string;
  readonly to: string;
  readonly timeZone: string;
  readonly items: readonly CampaignReportRow[];
}
