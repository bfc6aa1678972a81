import * as v from 'valibot';
import type { botKindSchemas } from '@parley/protocol';
import { cardPayloadSchema, filePayloadSchema, formPayloadSchema } from '@parley/protocol';
import type { BotConnector, BotContext, BotEvent } from './bot-connector.js';
import { parseJson, postUpstream, readLines, readText } from './upstream-http.js';
import { pendingVisitorFiles, pendingVisitorText } from './visitor-turn.js';
import { signWebhook } from './webhook-signature.js';

type WebhookConfig = v.InferOutput<typeof botKindSchemas.webhook.config>;
type WebhookSecrets = v.InferOutput<typeof botKindSchemas.webhook.secrets>;

const HISTORY_SENT = 20;
const str = v.string();

/** What a generic webhook may answer, one object per bot message (docs/bots.md). */
const eventSchema = v.variant('type', [
  v.object({ type: v.literal('text'), text: str }),
  v.object({ type: v.literal('delta'), text: str }),
  v.object({ type: v.literal('end') }),
  v.object({ type: v.literal('quick_replies'), text: str, replies: v.pipe(v.array(v.pipe(str, v.minLength(1))), v.maxLength(20)) }),
  v.object({ ...cardPayloadSchema.entries, type: v.literal('card') }),
  v.object({
    type: v.literal('carousel'),
    text: v.optional(str),
    cards: v.pipe(v.array(cardPayloadSchema), v.minLength(1), v.maxLength(20)),
  }),
  v.object({ ...formPayloadSchema.entries, type: v.literal('form'), text: str }),
  v.object({ ...filePayloadSchema.entries, type: v.literal('image') }),
  v.object({ ...filePayloadSchema.entries, type: v.literal('file') }),
  v.object({ type: v.literal('handoff'), reason: v.optional(str) }),
]);
const answerSchema = v.object({ messages: v.pipe(v.array(eventSchema), v.maxLength(50)) });

/**
 * Any HTTPS endpoint that speaks Parley's small JSON webhook protocol (docs/bots.md): one signed POST
 * per visitor turn; the answer is `{ messages: [...] }`, or NDJSON (`application/x-ndjson`, one
 * message or `delta`/`end` per line) to stream.
 */
export class WebhookGenericBot implements BotConnector {
  constructor(
    private readonly config: WebhookConfig,
    private readonly secrets: WebhookSecrets,
    private readonly now: () => number = Date.now,
  ) {}

  async *reply(context: BotContext, signal: AbortSignal): AsyncIterable<BotEvent> {
    const body = JSON.stringify({
      type: 'message',
      conversationId: context.conversationId,
      language: context.language,
      text: pendingVisitorText(context.history),
      files: pendingVisitorFiles(context.history),
      contact: context.contact,
      pageUrl: context.pageUrl,
      meta: context.meta,
      history: context.history
        .slice(-HISTORY_SENT)
        .map((m) => ({ role: m.author.role, type: m.type, text: m.text, createdAt: m.createdAt })),
    });
    const secret = this.secrets.signingSecret;
    const response = await postUpstream({
      url: this.config.url,
      headers: {
        ...this.secrets.headers,
        'content-type': 'application/json',
        accept: 'application/json, application/x-ndjson',
        ...(secret === undefined || secret === null ? {} : signWebhook(secret, body, this.now())),
      },
      body,
      signal,
      allowPrivateNetwork: this.config.allowPrivateNetwork === true,
    });
    if ((response.headers.get('content-type') ?? '').includes('ndjson')) {
      for await (const line of readLines(response, signal)) if (line.trim() !== '') yield toEvent(parseJson(line, eventSchema));
      return;
    }
    for (const event of parseJson(await readText(response, signal), answerSchema).messages) yield toEvent(event);
  }
}

function toEvent(event: v.InferOutput<typeof eventSchema>): BotEvent {
  switch (event.type) {
    case 'text':
    case 'delta':
    case 'end':
    case 'quick_replies':
      return event;
    case 'card': {
      const { type: _type, ...card } = event;
      return { type: 'card', card };
    }
    case 'carousel':
      return { type: 'carousel', text: event.text ?? '', cards: event.cards };
    case 'form': {
      const { type: _type, text, ...form } = event;
      return { type: 'form', text, form };
    }
    case 'image':
    case 'file': {
      const { type, ...file } = event;
      return type === 'image' ? { type, image: file } : { type, file };
    }
    case 'handoff':
      return { type: 'handoff', reason: event.reason ?? 'the webhook asked for a human' };
  }
}
