import * as v from 'valibot';
import type { CardButton, CardPayload } from '@parley/protocol';
import type { BotEvent } from './bot-connector.js';

const anchor = v.optional(v.object({ href: v.optional(v.string()) }));
const itemSchema = v.object({
  type: v.optional(v.string()),
  title: v.optional(v.string()),
  subtitle: v.optional(v.string()),
  text: v.optional(v.union([v.string(), v.array(v.string())])),
  rawUrl: v.optional(v.string()),
  accessibilityText: v.optional(v.string()),
  image: v.optional(v.object({ src: v.optional(v.object({ rawUrl: v.optional(v.string()) })), rawUrl: v.optional(v.string()) })),
  anchor,
  options: v.optional(v.array(v.object({ text: v.optional(v.string()), anchor }))),
});
const payloadSchema = v.object({
  richContent: v.optional(v.array(v.array(v.unknown()))),
  parley: v.optional(v.object({ handoff: v.optional(v.boolean()) })),
});

/**
 * A custom payload: Dialogflow Messenger's `richContent` (outer array = cards, inner = items of one
 * card) and Parley's own `{ "parley": { "handoff": true } }`. Unknown items are skipped.
 */
export function* richContentEvents(payload: unknown): Iterable<BotEvent> {
  const parsed = v.safeParse(payloadSchema, payload);
  if (!parsed.success) return;
  for (const card of parsed.output.richContent ?? []) {
    const built: { title: string; subtitle: string[]; imageUrl?: string; url?: string; buttons: CardButton[] } = {
      title: '',
      subtitle: [],
      buttons: [],
    };
    for (const raw of card) {
      const item = v.safeParse(itemSchema, raw);
      if (!item.success) continue;
      const { type, title, subtitle, text, options } = item.output;
      const href = item.output.anchor?.href;
      if (type === 'chips') {
        const replies = (options ?? []).map((o) => o.text ?? '').filter((t) => t !== '');
        if (replies.length > 0) yield { type: 'quick_replies', text: '', replies };
      } else if (type === 'image') {
        const url = item.output.rawUrl ?? item.output.image?.src?.rawUrl;
        const alt = item.output.accessibilityText;
        if (url !== undefined) yield { type: 'image', image: { url, mimeType: 'image/*', ...(alt === undefined ? {} : { alt }) } };
      } else if (type === 'info' || type === 'description') {
        built.title ||= title ?? '';
        if (subtitle !== undefined) built.subtitle.push(subtitle);
        if (text !== undefined) built.subtitle.push(...(Array.isArray(text) ? text : [text]));
        const image = item.output.image?.src?.rawUrl ?? item.output.image?.rawUrl;
        if (image !== undefined) built.imageUrl = image;
        if (href !== undefined) built.url = href;
      } else if (type === 'button') {
        const label = typeof text === 'string' ? text : (title ?? 'Open');
        built.buttons.push(href === undefined ? { label, reply: label } : { label, url: href });
      }
    }
    if (built.title !== '' || built.subtitle.length > 0 || built.buttons.length > 0) {
      const result: CardPayload = {
        title: built.title,
        ...(built.subtitle.length === 0 ? {} : { subtitle: built.subtitle.join('\n') }),
        ...(built.imageUrl === undefined ? {} : { imageUrl: built.imageUrl }),
        ...(built.url === undefined ? {} : { url: built.url }),
        ...(built.buttons.length === 0 ? {} : { buttons: built.buttons }),
      };
      yield { type: 'card', card: result };
    }
  }
  if (parsed.output.parley?.handoff === true) yield { type: 'handoff', reason: 'the Dialogflow payload asks for a human' };
}
