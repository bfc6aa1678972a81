import * as v from 'valibot';
import { richPayloadSchemas, type MessageType } from '@parley/protocol';
import type { BotEvent } from './bot-connector.js';

export interface BotMessage {
  readonly type: MessageType;
  readonly text: string;
  readonly payload: Readonly<Record<string, unknown>> | null;
}

/** The English label of the apology's quick reply (bot-apologies.ts has every language). */
export const TALK_TO_A_HUMAN = 'Talk to a human';

type Storable = Exclude<BotEvent, { type: 'delta' | 'end' | 'handoff' }>;

/**
 * The message a bot event is stored as. Payloads are checked against the protocol's rich message
 * schemas, so a widget can trust them; one that does not fit (a connector bug, an odd upstream)
 * degrades to its text rather than reaching browsers malformed.
 */
export function botMessage(event: Storable): BotMessage {
  const message = rich(event);
  if (message.payload === null || message.type === 'text') return message;
  const schema = Object.entries(richPayloadSchemas).find(([type]) => type === message.type)?.[1];
  if (schema === undefined || v.is(schema, message.payload)) return message;
  return { type: 'text', text: message.text === '' ? '(unsupported message)' : message.text, payload: null };
}

function rich(event: Storable): BotMessage {
  switch (event.type) {
    case 'text':
      return { type: 'text', text: event.text, payload: null };
    case 'quick_replies':
      return {
        type: 'quick_replies',
        text: event.text,
        payload: { replies: [...event.replies], ...(event.values === undefined ? {} : { values: [...event.values] }) },
      };
    case 'card':
      return { type: 'card', text: cardText(event.card), payload: event.card };
    case 'carousel':
      return {
        type: 'carousel',
        text: event.text === '' ? event.cards.map(cardText).join('\n\n') : event.text,
        payload: { cards: event.cards },
      };
    case 'form':
      return { type: 'form', text: event.text, payload: event.form };
    case 'image': {
      // Stored as a `file`: the mime type is what says "show it inline", so an image without one gets image/*.
      const image = { ...event.image, mimeType: event.image.mimeType ?? 'image/*' };
      return { type: 'file', text: image.alt ?? image.name ?? '', payload: image };
    }
    case 'file':
      return { type: 'file', text: event.file.alt ?? event.file.name ?? '', payload: event.file };
  }
}

/** The Markdown fallback of a card: its title in bold, then its subtitle (n8n-text.ts recognises it in a carousel's text). */
export function cardText(card: { readonly title: string; readonly subtitle?: string | undefined }): string {
  return [card.title === '' ? '' : `**${card.title}**`, card.subtitle ?? ''].filter((part) => part !== '').join('\n');
}
