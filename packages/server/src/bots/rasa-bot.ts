import * as v from 'valibot';
import type { botKindSchemas } from '@parley/protocol';
import type { BotConnector, BotContext, BotEvent } from './bot-connector.js';
import { parseJson, postUpstream, readLines, readText } from './upstream-http.js';
import { pendingVisitorMessages, quickReplyValue } from './visitor-turn.js';

type RasaConfig = v.InferOutput<typeof botKindSchemas.rasa.config>;
type RasaSecrets = v.InferOutput<typeof botKindSchemas.rasa.secrets>;

const buttonsSchema = v.array(v.object({ title: v.string(), payload: v.optional(v.string()) }));

const messageSchema = v.object({
  recipient_id: v.optional(v.string()),
  text: v.optional(v.string()),
  buttons: v.optional(buttonsSchema),
  // Rasa's own output channels name buttons `quick_replies` (Socket.IO, custom channels relaying them).
  quick_replies: v.optional(buttonsSchema),
  image: v.optional(v.string()),
  attachment: v.optional(v.unknown()),
  custom: v.optional(v.unknown()),
});
type RasaMessage = v.InferOutput<typeof messageSchema>;

/**
 * Rasa's REST channel (shared/protocols/rasa.md): one POST per visitor turn with `sender` = the
 * conversation; the answer is an array of bot messages (or, with `stream`, one per line as soon as
 * Rasa has it). Buttons become quick replies whose values are the button payloads; images become
 * image messages; `custom: { "type": "handoff" }` asks for a human.
 */
export class RasaBot implements BotConnector {
  constructor(
    private readonly config: RasaConfig,
    private readonly secrets: RasaSecrets,
  ) {}

  async *reply(context: BotContext, signal: AbortSignal): AsyncIterable<BotEvent> {
    const pending = pendingVisitorMessages(context.history);
    const said = pending.map((m) => m.text).join('\n');
    if (said.trim() === '') return;
    const url = new URL(this.config.url);
    if (this.config.stream === true) url.searchParams.set('stream', 'true');
    const token = this.secrets.token;
    const response = await postUpstream({
      url: url.toString(),
      headers: {
        'content-type': 'application/json',
        ...(token === undefined || token === null ? {} : { authorization: `Bearer ${token}` }),
      },
      body: JSON.stringify({
        sender: context.conversationId,
        // A chosen button sends its payload (an intent shortcut such as /inform{"people":"2"}), as Rasa's own widgets do.
        message: pending.length === 1 ? quickReplyValue(context.history, said) : said,
        metadata: { language: context.language, pageUrl: context.pageUrl, contact: context.contact, meta: context.meta },
        input_channel: 'parley',
      }),
      signal,
      allowPrivateNetwork: this.config.allowPrivateNetwork === true,
    });
    if (this.config.stream === true) {
      for await (const line of readLines(response, signal)) if (line.trim() !== '') yield* toEvents(parseJson(line, messageSchema));
      return;
    }
    for (const message of parseJson(await readText(response, signal), v.array(messageSchema))) yield* toEvents(message);
  }
}

/**
 * One Rasa message as Parley events, in Rasa's order (text or buttons, image, attachment, custom). Buttons followed
 * by more (an image in the same message or the next) stay an offer: the widget keeps the latest unanswered quick
 * replies clickable, and the chosen title is mapped back to its payload (`quickReplyValue`).
 */
function* toEvents(message: RasaMessage): Iterable<BotEvent> {
  const buttons = message.buttons ?? message.quick_replies ?? [];
  if (buttons.length > 0) {
    yield {
      type: 'quick_replies',
      text: message.text ?? '',
      replies: buttons.map((b) => b.title),
      values: buttons.map((b) => b.payload ?? b.title),
    };
  } else if (message.text !== undefined && message.text !== '') {
    yield { type: 'text', text: message.text };
  }
  if (message.image !== undefined) yield { type: 'image', image: { url: message.image, mimeType: 'image/*' } };
  const attachment = message.attachment;
  if (typeof attachment === 'string' && /^https?:\/\//.test(attachment)) yield { type: 'file', file: { url: attachment } };
  // The Socket.IO shape of an image, which custom channels pass through: `{ type: "image", payload: { src } }`.
  const src = imageAttachmentSrc(attachment);
  if (src !== undefined) yield { type: 'image', image: { url: src, mimeType: 'image/*' } };
  const custom = message.custom;
  if (typeof custom === 'object' && custom !== null && 'type' in custom && custom.type === 'handoff') {
    const reason = 'reason' in custom && typeof custom.reason === 'string' ? custom.reason : 'the Rasa assistant asked for a human';
    yield { type: 'handoff', reason };
  }
}

function imageAttachmentSrc(attachment: unknown): string | undefined {
  if (typeof attachment !== 'object' || attachment === null || !('type' in attachment) || attachment.type !== 'image') return undefined;
  const payload = 'payload' in attachment ? attachment.payload : undefined;
  const src = typeof payload === 'object' && payload !== null && 'src' in payload ? payload.src : undefined;
  return typeof src === 'string' && /^https?:\/\//.test(src) ? src : undefined;
}
