import * as v from 'valibot';
import { VISITOR_CALL_MODES } from './calls.js';
import { timeZoneSchema } from './intl-names.js';
import { isValidLanguageTag } from './language.js';
import { isValidOriginPattern } from './origin.js';
import { keysOf } from './object-utils.js';
import { routingRulesSchema } from './routing-rules.js';

/**
 * The option set of a widget integration. A widget and a blueprint both hold a *partial* set;
 * the effective configuration is defaults ⊕ blueprint ⊕ widget (see widget-config-merge.ts).
 */

const text = (max: number) => v.pipe(v.string('must be a string'), v.maxLength(max, `must be at most ${max} characters`));
const flag = v.boolean('must be true or false');
const cssColor = v.pipe(
  v.string('must be a string'),
  v.regex(/^#([0-9a-fA-F]{3}|[0-9a-fA-F]{6}|[0-9a-fA-F]{8})$/, 'must be a hex color such as #1f6feb'),
);
const pixels = (max: number) =>
  v.pipe(
    v.number('must be a number'),
    v.integer('must be a whole number of pixels'),
    v.minValue(0, 'must be at least 0'),
    v.maxValue(max, `must be at most ${max}`),
  );

export const languageTagSchema = v.pipe(
  v.string('must be a string'),
  v.check(isValidLanguageTag, 'must be a language code such as en, pt-BR or zh-Hans'),
);

export const originPatternSchema = v.pipe(
  v.string('must be a string'),
  v.check(isValidOriginPattern, 'must be an origin such as https://www.example.com or https://*.example.com'),
);

export const themeSchema = v.strictObject({
  mode: v.optional(v.picklist(['light', 'dark', 'auto'], 'must be one of light, dark, auto')),
  primaryColor: v.optional(cssColor),
  textOnPrimaryColor: v.optional(cssColor),
  backgroundColor: v.optional(cssColor),
  textColor: v.optional(cssColor),
  fontFamily: v.optional(text(200)),
  radius: v.optional(pixels(32)),
  position: v.optional(v.picklist(['bottom-right', 'bottom-left'], 'must be bottom-right or bottom-left')),
  offsetX: v.optional(pixels(400)),
  offsetY: v.optional(pixels(400)),
  launcherIcon: v.optional(v.picklist(['chat', 'help', 'message'], 'must be one of chat, help, message')),
  avatarUrl: v.optional(v.pipe(v.string('must be a string'), v.url('must be a URL'), v.maxLength(2000))),
  customCss: v.optional(text(20_000)),
});
export type Theme = v.InferOutput<typeof themeSchema>;

const contactFieldSchema = v.picklist(['name', 'email', 'phone'], 'must be one of name, email, phone');
export const contactCollectionSchema = v.union(
  [
    flag,
    v.strictObject({
      when: v.picklist(['before', 'during'], 'must be before or during'),
      fields: v.pipe(v.array(contactFieldSchema, 'must be a list of fields'), v.minLength(1, 'must name at least one field')),
      required: v.optional(flag),
    }),
  ],
  'must be true, false or { when, fields, required }',
);
export type ContactCollection = v.InferOutput<typeof contactCollectionSchema>;

export const toolSchema = v.strictObject({
  name: v.pipe(v.string('must be a string'), v.regex(/^[a-zA-Z0-9_-]{1,64}$/, 'must be 1–64 letters, digits, _ or -')),
  description: text(1000),
  parameters: v.optional(v.record(v.string(), v.unknown(), 'must be a JSON Schema object')),
  url: v.pipe(v.string('must be a string'), v.url('must be a URL'), v.startsWith('https://', 'must be an https:// URL')),
});
export type Tool = v.InferOutput<typeof toolSchema>;

export const WEEKDAYS = ['mon', 'tue', 'wed', 'thu', 'fri', 'sat', 'sun'] as const;
export type Weekday = (typeof WEEKDAYS)[number];
const clockTime = v.pipe(v.string('must be a string'), v.regex(/^([01]\d|2[0-3]):[0-5]\d$/, 'must be a time such as 09:00 or 17:30'));

/** When humans answer: outside these hours a handoff puts the widget in offline mode. */
export const businessHoursSchema = v.strictObject({
  timezone: timeZoneSchema,
  hours: v.pipe(
    v.array(
      v.strictObject({
        days: v.pipe(v.array(v.picklist(WEEKDAYS, 'must be one of mon, tue, wed, thu, fri, sat, sun')), v.minLength(1, 'must name a day')),
        from: clockTime,
        to: clockTime,
      }),
      'must be a list of { days, from, to }',
    ),
    v.maxLength(50, 'must hold at most 50 entries'),
  ),
});
export type BusinessHours = v.InferOutput<typeof businessHoursSchema>;

const sessionCount = v.pipe(
  v.number('must be a number of sessions'),
  v.integer('must be a whole number of sessions'),
  v.minValue(0, 'must be at least 0'),
  v.maxValue(100_000, 'must be at most 100000'),
);

/**
 * Proof of work for new sessions, counted per client address over ten minutes. Below both thresholds no
 * visitor ever sees a challenge; above either, each new session solves one (the widget does it unseen, in
 * well under a second), harder the further the address is over. Missing fields take the defaults below.
 */
export const challengeSettingsSchema = v.strictObject({
  /** false: never ask for a challenge (the off switch). */
  enabled: v.optional(flag),
  /** New sessions from one address in ten minutes before the next ones must solve a challenge. */
  threshold: v.optional(sessionCount),
  /** The same, for sessions from an address that loaded none of this widget's config in the last hour (scripts). */
  withoutPageLoad: v.optional(sessionCount),
});
export type ChallengeSettings = v.InferOutput<typeof challengeSettingsSchema>;

const turnCount = v.nullable(
  v.pipe(
    v.number('must be a number of bot turns, or null for no cap'),
    v.integer('must be a whole number of bot turns'),
    v.minValue(1, 'must be at least 1 (null: no cap)'),
    v.maxValue(1_000_000, 'must be at most 1000000'),
  ),
);

/**
 * A cap on the bot's turns, to bound an LLM bill: past it the bot is not called, the visitor is told
 * politely (with "Talk to a human"), and agents see why in a private note. null: no cap. Counted like
 * the volume limits (in Redis across nodes when configured); a day is 24 hours from the first counted turn.
 */
export const botTurnLimitSchema = v.strictObject({
  /** Bot turns in one conversation. */
  perConversation: v.optional(turnCount),
  /** Bot turns across all of the widget's conversations in a day. */
  perDay: v.optional(turnCount),
});
export type BotTurnLimit = v.InferOutput<typeof botTurnLimitSchema>;
export const DEFAULT_CHALLENGE_SETTINGS = {
  enabled: true,
  threshold: 20,
  withoutPageLoad: 3,
} as const satisfies Required<ChallengeSettings>;

/**
 * `sessionDuration` is milliseconds, like every duration among the widget options, and it is exactly
 * how long a visitor's session lasts: the server grants `sessionDuration / 1000` seconds when the
 * widget asks for a session, so its bounds are the session's own (30 minutes to 24 hours, see session.ts).
 */
export const SESSION_DURATION_MIN_MS = 30 * 60_000;
export const SESSION_DURATION_MAX_MS = 24 * 3_600_000;

/** Shape of each option; the object schemas below are built from it. */
export const settingsEntries = {
  layout: v.picklist(['bubble', 'inline', 'fullscreen'], 'must be one of bubble, inline, fullscreen'),
  theme: themeSchema,
  title: text(120),
  intro: text(2000),
  initial: text(2000),
  placeholder: text(200),
  /**
   * `returning`: the greeting a returning visitor sees instead of `initial` (a browser that visited before, in an
   * earlier session; docs/campaigns.md). Empty: `initial` for everyone. Not translated. Replaced whole by a PATCH.
   */
  greeting: v.strictObject({ returning: v.optional(text(2000), '') }),
  /** The consent gate's text (see privacy.consent); empty: the built-in one. */
  consentText: text(1000),
  startFirst: flag,
  autoScroll: flag,
  attachments: flag,
  voiceIn: flag,
  voiceOut: flag,
  contactCollection: contactCollectionSchema,
  tools: v.union(
    [flag, v.pipe(v.array(toolSchema), v.maxLength(32, 'must hold at most 32 tools'))],
    'must be true, false or a list of tools, each { name, description, url (https://…), parameters? }',
  ),
  unfurl: flag,
  math: flag,
  carousel: flag,
  form: flag,
  sessionDuration: v.pipe(
    v.number('must be a number of milliseconds'),
    v.integer('must be a whole number of milliseconds'),
    v.minValue(SESSION_DURATION_MIN_MS, `must be at least ${SESSION_DURATION_MIN_MS} ms (30 minutes)`),
    v.maxValue(SESSION_DURATION_MAX_MS, `must be at most ${SESSION_DURATION_MAX_MS} ms (24 hours)`),
  ),
  origin: v.pipe(v.array(originPatternSchema, 'must be a list of origins'), v.maxLength(100, 'must hold at most 100 origins')),
  exportConversation: flag,
  restartConversation: flag,
  /** Mail the visitor the conversation's transcript when an agent resolves it (when they left an email and SMTP is set). */
  emailTranscriptOnResolve: flag,
  maximize: flag,
  messagePeek: flag,
  poweredBy: flag,
  stream: flag,
  verbose: flag,
  language: languageTagSchema,
  languages: v.pipe(v.array(languageTagSchema, 'must be a list of language codes'), v.maxLength(50, 'must hold at most 50 languages')),
  notifications: v.strictObject({ sound: v.optional(flag), tabTitle: v.optional(flag) }),
  /**
   * What the widget tells the host page's own analytics besides its `parley:*` DOM events (which it always
   * dispatches): `dataLayer` pushes the same events to Google Tag Manager's `window.dataLayer` as `parley_<event>`.
   * Replaced whole by a PATCH (one key today). Never the visitor's words or contact data.
   */
  analytics: v.strictObject({ dataLayer: flag }),
  botId: v.nullable(v.pipe(v.string('must be a bot id'), v.maxLength(64))),
  /** How handed-off conversations are assigned among the online agents of `teamId` (all agents when null). */
  routing: v.picklist(['round_robin', 'least_busy', 'manual'], 'must be round_robin, least_busy or manual'),
  teamId: v.nullable(v.pipe(v.string('must be a team id'), v.maxLength(64))),
  /** null: humans answer at any time (when one is online). */
  businessHours: v.nullable(businessHoursSchema),
  /** Shown in offline mode; empty = the built-in text. */
  offlineMessage: text(2000),
  /**
   * Async mode (docs/async-mode.md): when the expected reply time (the median first response of the last four weeks,
   * per team) is longer than `afterMinutes`, a visitor waiting for a human is asked for an email up front and told
   * they may leave: the reply reaches them by email and in the conversation. On by default, at one hour. Replaced
   * whole by a PATCH; a field left out takes its default.
   */
  asyncMode: v.strictObject({
    enabled: v.optional(flag, true),
    afterMinutes: v.optional(
      v.pipe(
        v.number('must be a number of minutes'),
        v.integer('must be a whole number of minutes'),
        v.minValue(1, 'must be at least 1 minute'),
        v.maxValue(10_080, 'must be at most 10080 minutes (a week)'),
      ),
      60,
    ),
  }),
  /** When new sessions must solve a proof-of-work challenge (see challenge.ts); server-side only. */
  challenge: challengeSettingsSchema,
  /** Caps on the bot's turns per conversation and per day (see botTurnLimitSchema); server-side only. */
  botTurnLimit: botTurnLimitSchema,
  /** Ordered rules on the first visitor message (team, priority, human at once); server-side only (routing-rules.ts). */
  routingRules: routingRulesSchema,
  /**
   * The visitor's privacy controls. `consent`: nothing is stored in the browser and no connection opened before the
   * visitor accepts the consent text (the custom text `consentText`, else the built-in one, linking `policyUrl`);
   * the acceptance is recorded with `consentVersion`. `selfService`: the widget menu offers the visitor a download
   * of their data and the deletion of their conversations and contact. Replaced whole by a PATCH; a field left out
   * takes its default (consent alone gates, with version "1"), not undefined.
   */
  privacy: v.strictObject({
    selfService: v.optional(flag, false),
    consent: v.optional(flag, false),
    consentVersion: v.optional(v.pipe(text(64), v.minLength(1, 'must not be empty')), '1'),
    policyUrl: v.optional(
      v.nullable(
        v.pipe(
          v.string('must be a string'),
          v.url('must be a URL'),
          v.regex(/^https?:\/\//, 'must be an http(s):// URL'),
          v.maxLength(2000),
        ),
      ),
      null,
    ),
  }),
  /**
   * Voice and video calls (docs/calls.md). `visitor`: which calls the widget's visitors may start: `off` (only
   * agents call), `audio`, or `video` (audio, video and sharing their screen). Agents may always offer a call or
   * ask for the screen. Replaced whole by a PATCH; a field left out takes its default.
   */
  calls: v.strictObject({
    visitor: v.optional(v.picklist(VISITOR_CALL_MODES, 'must be one of off, audio, video'), 'off'),
  }),
  /**
   * Several conversations per visitor (docs/api.md "Several conversations"). `multiple`: the visitor may list their
   * conversations, open any and start a new one; off (the default), a visitor keeps one conversation and those
   * routes answer PARLEY_ERR_CONVERSATIONS_SINGLE. Replaced whole by a PATCH; a field left out takes its default.
   */
  conversations: v.strictObject({
    multiple: v.optional(v.boolean('must be true or false'), false),
  }),
  /** Days after which this widget's conversations (messages, uploads, events) are deleted; null: the installation's default. */
  retentionDays: v.nullable(
    v.pipe(
      v.number('must be a number of days'),
      v.integer('must be a whole number of days'),
      v.minValue(1, 'must be at least 1 day'),
      v.maxValue(36_500, 'must be at most 36500 days'),
    ),
  ),
} as const;

export type SettingKey = keyof typeof settingsEntries;
export type WidgetSettings = { readonly [K in SettingKey]: v.InferOutput<(typeof settingsEntries)[K]> };
export type PartialWidgetSettings = Partial<WidgetSettings>;

export const SETTING_KEYS: readonly SettingKey[] = keysOf(settingsEntries);

export const DEFAULT_WIDGET_SETTINGS: WidgetSettings = {
  layout: 'bubble',
  theme: {
    mode: 'light',
    primaryColor: '#1f5fd1',
    textOnPrimaryColor: '#ffffff',
    backgroundColor: '#ffffff',
    textColor: '#1b1f24',
    fontFamily: 'system-ui, -apple-system, "Segoe UI", Roboto, sans-serif',
    radius: 14,
    position: 'bottom-right',
    offsetX: 20,
    offsetY: 20,
    launcherIcon: 'chat',
  },
  title: '',
  intro: '',
  initial: '',
  placeholder: '',
  greeting: { returning: '' },
  consentText: '',
  startFirst: false,
  autoScroll: true,
  attachments: false,
  voiceIn: false,
  voiceOut: false,
  contactCollection: false,
  tools: false,
  unfurl: true,
  math: false,
  carousel: true,
  form: true,
  sessionDuration: SESSION_DURATION_MAX_MS,
  origin: [],
  exportConversation: true,
  restartConversation: true,
  emailTranscriptOnResolve: false,
  maximize: true,
  messagePeek: true,
  poweredBy: true,
  stream: true,
  verbose: false,
  language: 'en',
  languages: [],
  notifications: { sound: true, tabTitle: true },
  analytics: { dataLayer: false },
  botId: null,
  routing: 'round_robin',
  teamId: null,
  businessHours: null,
  offlineMessage: '',
  asyncMode: { enabled: true, afterMinutes: 60 },
  challenge: DEFAULT_CHALLENGE_SETTINGS,
  botTurnLimit: { perConversation: null, perDay: null },
  routingRules: [],
  privacy: { selfService: false, consent: false, consentVersion: '1', policyUrl: null },
  calls: { visitor: 'off' },
  conversations: { multiple: false },
  retentionDays: null,
};

/**
 * Options that no longer exist, with what to do instead. A body that still sends one is refused with
 * PARLEY_ERR_WIDGET_OPTION_REMOVED and this text (an unknown-field error would not say what changed);
 * stored settings that hold one are read without it.
 */
export const REMOVED_WIDGET_OPTIONS: Readonly<Record<string, string>> = {
  plugins:
    'was removed: it never loaded anything. The widget loads its extras (emoji, math, voice, rich messages) by itself when their option is on; for your own code use the JS API events (Parley("on", "message", …)) and theme.customCss. Delete "plugins" from the request.',
};

/** Texts a site owner may customise and setup translates; empty means "use the built-in text". */
export const CUSTOM_TEXT_KEYS = ['title', 'intro', 'initial', 'placeholder', 'consentText'] as const;
export type CustomTextKey = (typeof CUSTOM_TEXT_KEYS)[number];
