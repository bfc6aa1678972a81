import * as v from 'valibot';
import { languageTagSchema } from './widget-settings.js';
import { metaSchema, nameSchema } from './common-schemas.js';

/**
 * A bot is the connector a widget points at (`botId`). Secret fields are write-only: the API
 * stores them apart and answers only whether each one is set (`secrets: { apiKey: true }`).
 */
const httpUrl = v.pipe(
  v.string('must be a string'),
  v.url('must be a URL'),
  v.regex(/^https?:\/\//, 'must be an http:// or https:// URL'),
  v.maxLength(2000),
);
const timeoutMs = v.pipe(
  v.number(),
  v.integer(),
  v.minValue(1000, 'must be at least 1000 ms'),
  v.maxValue(120_000, 'must be at most 120000 ms'),
);
/**
 * The bot's upstream (and its tools and token endpoint) may be on a private, loopback or link-local
 * address: an intranet n8n or Rasa. Off by default, so a bot form cannot point the server at its own
 * network (the cloud metadata service, an admin port) by accident or on purpose.
 */
const allowPrivateNetwork = v.optional(v.boolean('must be true or false'));
const text = (max: number) => v.pipe(v.string('must be a string'), v.maxLength(max, `must be at most ${max} characters`));
const headers = v.pipe(
  v.record(v.pipe(v.string(), v.regex(/^[A-Za-z0-9-]{1,100}$/, 'header names must be letters, digits or -')), text(4000)),
  v.check((h) => Object.keys(h).length <= 20, 'must hold at most 20 headers'),
);

export const builtinRuleSchema = v.strictObject({
  /** Words or phrases; a rule matches when the message contains any of them (case- and accent-insensitive). */
  patterns: v.pipe(v.array(v.pipe(v.string(), v.minLength(1), v.maxLength(200))), v.minLength(1, 'must hold at least one pattern')),
  answer: v.pipe(v.string(), v.minLength(1, 'must not be empty'), v.maxLength(4000)),
  quickReplies: v.optional(v.pipe(v.array(v.pipe(v.string(), v.minLength(1), v.maxLength(80))), v.maxLength(10))),
});

export const openAiToolSchema = v.strictObject({
  name: v.pipe(v.string(), v.regex(/^[A-Za-z0-9_-]{1,64}$/, 'must be 1–64 letters, digits, _ or -')),
  description: v.optional(text(2000)),
  /** JSON Schema of the arguments. */
  parameters: v.optional(v.record(v.string(), v.unknown())),
  url: httpUrl,
});

/**
 * Live translation for a bot (docs/translation.md): which text it is given when the visitor writes in another
 * language than the bot's (`language`, default the widget's). `original` (the default): the visitor's words as
 * written. `translation`: translated into the bot's language on the way in, and its replies translated into the
 * visitor's language on the way out (when the installation has a translator).
 */
export const BOT_TRANSLATION_RECEIVES = ['original', 'translation'] as const;
export type BotTranslationReceives = (typeof BOT_TRANSLATION_RECEIVES)[number];
export const botTranslationSchema = v.optional(
  v.strictObject({
    receives: v.picklist(BOT_TRANSLATION_RECEIVES, 'must be original or translation'),
    language: v.optional(languageTagSchema),
  }),
);

export const BOT_KINDS = ['builtin', 'webhook', 'rasa', 'dialogflow', 'openai'] as const;
export type BotKind = (typeof BOT_KINDS)[number];

/** Per kind: its settings (returned) and its secrets (write-only). */
export const botKindSchemas = {
  builtin: {
    config: v.strictObject({
      rules: v.optional(v.pipe(v.array(builtinRuleSchema), v.maxLength(500))),
      fallback: v.optional(text(4000)),
      /** With no rule matching and no fallback, repeat the visitor's words: handy for trying a widget out. */
      echo: v.optional(v.boolean()),
      handoffPhrases: v.optional(v.array(v.pipe(v.string(), v.minLength(1), v.maxLength(200)))),
      handoffLabel: v.optional(text(80)),
      translation: botTranslationSchema,
    }),
    secrets: v.strictObject({}),
  },
  webhook: {
    config: v.strictObject({
      url: httpUrl,
      flavor: v.optional(v.picklist(['n8n', 'generic'], 'must be n8n or generic')),
      stream: v.optional(v.boolean()),
      timeoutMs: v.optional(timeoutMs),
      allowPrivateNetwork,
      translation: botTranslationSchema,
    }),
    secrets: v.strictObject({ signingSecret: v.optional(v.nullable(text(500))), headers: v.optional(v.nullable(headers)) }),
  },
  rasa: {
    config: v.strictObject({
      /** The REST channel's webhook, e.g. https://rasa.example.com/webhooks/rest/webhook. */
      url: httpUrl,
      timeoutMs: v.optional(timeoutMs),
      /** Ask for `?stream=true`: each bot message is shown as soon as Rasa produces it. */
      stream: v.optional(v.boolean()),
      allowPrivateNetwork,
      translation: botTranslationSchema,
    }),
    secrets: v.strictObject({ token: v.optional(v.nullable(text(2000))) }),
  },
  dialogflow: {
    config: v.strictObject({
      edition: v.picklist(['es', 'cx'], 'must be es or cx'),
      projectId: v.pipe(v.string(), v.regex(/^[a-z][a-z0-9-]{4,61}[a-z0-9]$/, 'must be a Google Cloud project id')),
      location: v.optional(v.pipe(v.string(), v.regex(/^[a-z0-9-]{2,40}$/, 'must be a location such as global or europe-west1'))),
      agentId: v.optional(v.pipe(v.string(), v.regex(/^[A-Za-z0-9-]{1,64}$/, 'must be a Dialogflow CX agent id'))),
      languageCode: v.optional(v.pipe(v.string(), v.maxLength(35))),
      timeoutMs: v.optional(timeoutMs),
      /** ES: an agent environment (default: the draft agent); CX: an environment id. */
      environment: v.optional(v.pipe(v.string(), v.regex(/^[A-Za-z0-9_-]{1,64}$/, 'must be an environment id'))),
      /** Overrides the API host (default https://dialogflow.googleapis.com or https://<location>-dialogflow.googleapis.com). */
      apiBaseUrl: v.optional(httpUrl),
      /** Overrides the OAuth token endpoint (default: the key's token_uri, else https://oauth2.googleapis.com/token). */
      tokenUrl: v.optional(httpUrl),
      allowPrivateNetwork,
      translation: botTranslationSchema,
    }),
    secrets: v.strictObject({ serviceAccountKey: v.optional(v.nullable(text(20_000))) }),
  },
  openai: {
    config: v.strictObject({
      baseUrl: httpUrl,
      model: v.pipe(v.string(), v.minLength(1, 'must not be empty'), v.maxLength(200)),
      systemPrompt: v.optional(text(20_000)),
      historyWindow: v.optional(v.pipe(v.number(), v.integer(), v.minValue(1), v.maxValue(200))),
      temperature: v.optional(v.pipe(v.number(), v.minValue(0), v.maxValue(2))),
      timeoutMs: v.optional(timeoutMs),
      /** Stream the answer (default true); some compatible servers only answer whole. */
      stream: v.optional(v.boolean()),
      maxTokens: v.optional(v.pipe(v.number(), v.integer(), v.minValue(1), v.maxValue(100_000))),
      /** Tools the model may call; each call is POSTed to the tool's HTTPS url and the result fed back to the model. */
      tools: v.optional(v.pipe(v.array(openAiToolSchema), v.maxLength(20))),
      /** Model calls per turn, tool rounds included (default 4). */
      maxToolSteps: v.optional(v.pipe(v.number(), v.integer(), v.minValue(1), v.maxValue(10))),
      /** Offer the model a `handoff_to_human` tool (default true). */
      handoffTool: v.optional(v.boolean()),
      allowPrivateNetwork,
      translation: botTranslationSchema,
    }),
    secrets: v.strictObject({ apiKey: v.optional(v.nullable(text(2000))) }),
  },
} as const;

const botCreateVariant = <K extends BotKind>(kind: K) =>
  v.strictObject({
    kind: v.literal(kind),
    name: nameSchema,
    meta: v.optional(metaSchema),
    config: botKindSchemas[kind].config,
    secrets: v.optional(botKindSchemas[kind].secrets),
  });

export const botCreateSchema = v.variant(
  'kind',
  [
    botCreateVariant('builtin'),
    botCreateVariant('webhook'),
    botCreateVariant('rasa'),
    botCreateVariant('dialogflow'),
    botCreateVariant('openai'),
  ],
  `must be one of ${BOT_KINDS.join(', ')}`,
);
export type BotCreate = v.InferOutput<typeof botCreateSchema>;

/** An update may change name, meta, config (merged key by key) and secrets (null clears one). The kind is fixed. */
export const botUpdateSchema = v.strictObject({
  name: v.optional(nameSchema),
  meta: v.optional(metaSchema),
  config: v.optional(v.record(v.string(), v.unknown(), 'must be an object')),
  secrets: v.optional(v.record(v.string(), v.unknown(), 'must be an object')),
});
export type BotUpdate = v.InferOutput<typeof botUpdateSchema>;

export interface Bot {
  readonly id: string;
  readonly object: 'bot';
  readonly kind: BotKind;
  readonly name: string;
  readonly meta: Readonly<Record<string, string>>;
  readonly config: Readonly<Record<string, unknown>>;
  /** Which secrets are set. Their values are never returned. */
  readonly secrets: Readonly<Record<string, boolean>>;
  readonly createdAt: string;
  readonly updatedAt: string;
}

/**
 * The n8n chat protocol (`@n8n/chat` → Chat Trigger), as Parley's `POST /v1/widgets/{id}/n8n`
 * accepts it: `sessionId` is the client's conversation key (a UUID by default). Unlike the rest of the
 * API, extra fields are ignored rather than refused, on purpose: a Chat Trigger passes the whole body
 * to its workflow, so clients written for n8n add fields of their own (`user`, custom keys, the
 * multipart `files` list), and Parley is meant to be a drop-in `webhookUrl` for them. Nothing of an
 * unknown field is stored or forwarded.
 */
const n8nSessionId = v.pipe(v.string('must be a string'), v.regex(/^[A-Za-z0-9_-]{8,64}$/, 'must be 8–64 letters, digits, _ or -'));
export const n8nChatRequestSchema = v.variant(
  'action',
  [
    v.object({
      action: v.literal('sendMessage'),
      sessionId: n8nSessionId,
      chatInput: v.pipe(v.string('must be a string'), v.trim(), v.minLength(1, 'must not be empty'), v.maxLength(8000)),
      metadata: v.optional(v.unknown()),
    }),
    v.object({ action: v.literal('loadPreviousSession'), sessionId: n8nSessionId, metadata: v.optional(v.unknown()) }),
  ],
  'must be sendMessage or loadPreviousSession',
);
export type N8nChatRequest = v.InferOutput<typeof n8nChatRequestSchema>;
