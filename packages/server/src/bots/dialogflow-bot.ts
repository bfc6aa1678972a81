import { createHash } from 'node:crypto';
import * as v from 'valibot';
import type { botKindSchemas } from '@parley/protocol';
import { BotError, type BotConnector, type BotContext, type BotEvent } from './bot-connector.js';
import { richContentEvents } from './dialogflow-rich-content.js';
import { parseServiceAccountKey, type GoogleTokens } from './google-token.js';
import { parseJson, postUpstream, readText } from './upstream-http.js';
import { pendingVisitorText } from './visitor-turn.js';

type DialogflowConfig = v.InferOutput<typeof botKindSchemas.dialogflow.config>;
type DialogflowSecrets = v.InferOutput<typeof botKindSchemas.dialogflow.secrets>;

const textSchema = v.object({ text: v.optional(v.array(v.string())) });
const esMessageSchema = v.object({
  platform: v.optional(v.string()),
  text: v.optional(textSchema),
  image: v.optional(v.object({ imageUri: v.optional(v.string()), accessibilityText: v.optional(v.string()) })),
  quickReplies: v.optional(v.object({ title: v.optional(v.string()), quickReplies: v.optional(v.array(v.string())) })),
  card: v.optional(
    v.object({
      title: v.optional(v.string()),
      subtitle: v.optional(v.string()),
      imageUri: v.optional(v.string()),
      buttons: v.optional(v.array(v.object({ text: v.optional(v.string()), postback: v.optional(v.string()) }))),
    }),
  ),
  payload: v.optional(v.unknown()),
});
const esAnswerSchema = v.object({
  queryResult: v.object({
    fulfillmentText: v.optional(v.string()),
    fulfillmentMessages: v.optional(v.array(esMessageSchema)),
    intent: v.optional(v.object({ liveAgentHandoff: v.optional(v.boolean()), isFallback: v.optional(v.boolean()) })),
  }),
});
const cxAnswerSchema = v.object({
  queryResult: v.object({
    responseMessages: v.optional(
      v.array(v.object({ text: v.optional(textSchema), payload: v.optional(v.unknown()), liveAgentHandoff: v.optional(v.unknown()) })),
    ),
  }),
});

/**
 * Dialogflow ES (v2) and CX (v3) `detectIntent` (shared/protocols/dialogflow.md), authorised with a
 * service-account key exchanged for an access token by the connector itself. Quick replies, cards,
 * images and Dialogflow Messenger `richContent` become rich messages; a live-agent handoff (or a
 * `{ "parley": { "handoff": true } }` payload) asks for a human.
 */
export class DialogflowBot implements BotConnector {
  constructor(
    private readonly config: DialogflowConfig,
    private readonly secrets: DialogflowSecrets,
    private readonly tokens: GoogleTokens,
  ) {}

  async *reply(context: BotContext, signal: AbortSignal): AsyncIterable<BotEvent> {
    const said = pendingVisitorText(context.history);
    if (said.trim() === '') return;
    const keyJson = this.secrets.serviceAccountKey;
    if (keyJson === undefined || keyJson === null) throw new BotError('the Dialogflow bot has no serviceAccountKey secret');
    const key = parseServiceAccountKey(keyJson);
    const token = await this.tokens.token(key, this.config.tokenUrl, signal, this.config.allowPrivateNetwork === true);
    const languageCode = this.config.languageCode ?? context.language;
    const payload = { parley: { conversationId: context.conversationId, pageUrl: context.pageUrl, language: context.language } };
    const es = this.config.edition === 'es';
    const body = es
      ? { queryInput: { text: { text: said, languageCode } }, queryParams: { payload } }
      : { queryInput: { text: { text: said }, languageCode }, queryParams: { payload, channel: undefined } };
    let response: Response;
    try {
      response = await postUpstream({
        url: `${this.host()}/${es ? 'v2' : 'v3'}/${this.session(context.conversationId)}:detectIntent`,
        headers: { 'content-type': 'application/json', authorization: `Bearer ${token}` },
        body: JSON.stringify(body),
        signal,
        allowPrivateNetwork: this.config.allowPrivateNetwork === true,
      });
    } catch (error) {
      // A refused token (revoked, rotated key) must not stay cached until it would have expired.
      if (error instanceof BotError && / 401/.test(error.message)) this.tokens.forget(key, this.config.tokenUrl);
      throw error;
    }
    const text = await readText(response, signal);
    yield* es ? esEvents(parseJson(text, esAnswerSchema)) : cxEvents(parseJson(text, cxAnswerSchema));
  }

  private host(): string {
    if (this.config.apiBaseUrl !== undefined) return this.config.apiBaseUrl.replace(/\/+$/, '');
    const location = this.config.location ?? 'global';
    return location === 'global' ? 'https://dialogflow.googleapis.com' : `https://${location}-dialogflow.googleapis.com`;
  }

  /** Session ids are at most 36 characters: the first 32 hex digits of the conversation id's SHA-256. */
  private session(conversationId: string): string {
    const id = createHash('sha256').update(conversationId).digest('hex').slice(0, 32);
    const { projectId, location, environment } = this.config;
    if (this.config.edition === 'es') {
      const agent =
        location === undefined || location === 'global'
          ? `projects/${projectId}/agent`
          : `projects/${projectId}/locations/${location}/agent`;
      return `${agent}${environment === undefined ? '' : `/environments/${environment}/users/-`}/sessions/${id}`;
    }
    if (this.config.agentId === undefined) throw new BotError('a Dialogflow CX bot needs an agentId');
    const agent = `projects/${projectId}/locations/${location ?? 'global'}/agents/${this.config.agentId}`;
    return `${agent}${environment === undefined ? '' : `/environments/${environment}`}/sessions/${id}`;
  }
}

function* esEvents(answer: v.InferOutput<typeof esAnswerSchema>): Iterable<BotEvent> {
  const result = answer.queryResult;
  // The same answer is often repeated per platform; the web shows the platform-neutral entries.
  const messages = (result.fulfillmentMessages ?? []).filter((m) => m.platform === undefined || m.platform === 'PLATFORM_UNSPECIFIED');
  if (messages.length === 0 && result.fulfillmentText !== undefined && result.fulfillmentText !== '') {
    yield { type: 'text', text: result.fulfillmentText };
  }
  for (const message of messages) {
    for (const text of message.text?.text ?? []) if (text !== '') yield { type: 'text', text };
    if (message.image?.imageUri !== undefined) {
      const alt = message.image.accessibilityText;
      yield { type: 'image', image: { url: message.image.imageUri, mimeType: 'image/*', ...(alt === undefined ? {} : { alt }) } };
    }
    const replies = message.quickReplies?.quickReplies ?? [];
    if (replies.length > 0) yield { type: 'quick_replies', text: message.quickReplies?.title ?? '', replies };
    if (message.card !== undefined) {
      const { title, subtitle, imageUri, buttons } = message.card;
      yield {
        type: 'card',
        card: {
          title: title ?? '',
          ...(subtitle === undefined ? {} : { subtitle }),
          ...(imageUri === undefined ? {} : { imageUrl: imageUri }),
          buttons: (buttons ?? []).map((b) => {
            const postback = b.postback ?? '';
            return /^https?:\/\//.test(postback)
              ? { label: b.text ?? postback, url: postback }
              : { label: b.text ?? postback, reply: postback || (b.text ?? '') };
          }),
        },
      };
    }
    if (message.payload !== undefined) yield* richContentEvents(message.payload);
  }
  if (result.intent?.liveAgentHandoff === true) yield { type: 'handoff', reason: 'the Dialogflow intent asks for a live agent' };
}

function* cxEvents(answer: v.InferOutput<typeof cxAnswerSchema>): Iterable<BotEvent> {
  for (const message of answer.queryResult.responseMessages ?? []) {
    for (const text of message.text?.text ?? []) if (text !== '') yield { type: 'text', text };
    if (message.payload !== undefined) yield* richContentEvents(message.payload);
    if (message.liveAgentHandoff !== undefined) yield { type: 'handoff', reason: 'the Dialogflow flow asks for a live agent' };
  }
}
