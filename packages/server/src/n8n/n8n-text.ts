import { cardText } from '../bots/bot-messages.js';

/** What of a message the conversion reads (a stored Message, or one read back from a realtime frame). */
export interface N8nShown {
  readonly type: string;
  readonly text: string;
  readonly payload: Readonly<Record<string, unknown>> | null;
}

/**
 * What an n8n chat client (`@n8n/chat`) can show of a Parley message: Markdown, which it renders
 * with markdown-it. Images become `![alt](url)`, files `[name](url)`, cards their title, text, image
 * and links, quick replies a list. An empty string means "nothing to show": callers skip it, since
 * @n8n/chat draws an empty bot message as "<Empty response>".
 *
 * `base` (the server's public URL) makes a stored path such as `/files/…` absolute: the client runs
 * on the site's origin, where a path would point at the site instead of Parley.
 */
export function n8nText(message: N8nShown, base?: string): string {
  const payload = message.payload ?? {};
  switch (message.type) {
    case 'file':
      return fileMarkdown(payload, base) ?? message.text.trim();
    case 'card':
      return cardMarkdown(payload, base) || message.text.trim();
    case 'carousel': {
      const cards = Array.isArray(payload['cards']) ? payload['cards'].filter(isRecord) : [];
      const rendered = cards.map((card) => cardMarkdown(card, base)).filter((text) => text !== '');
      // The stored text repeats the cards' titles when the bot gave no text of its own: shown once.
      const lead = message.text === cards.map(cardFallback).join('\n\n') ? '' : message.text;
      return paragraphs([lead, ...rendered]);
    }
    case 'quick_replies': {
      const replies = Array.isArray(payload['replies']) ? payload['replies'].filter((r) => typeof r === 'string') : [];
      return paragraphs([message.text, replies.map((reply) => `- ${reply}`).join('\n')]);
    }
    default:
      return message.text.trim();
  }
}

/** `![alt](url)` for an image (`mimeType` image/…), `[name](url)` for any other file; undefined without a URL. */
function fileMarkdown(payload: Readonly<Record<string, unknown>>, base: string | undefined): string | undefined {
  const url = absolute(payload['url'], base);
  if (url === undefined) return undefined;
  const name = str(payload['name']) ?? url.split('/').pop() ?? 'file';
  if ((str(payload['mimeType']) ?? '').startsWith('image/')) return `![${label(str(payload['alt']) ?? name)}](${url})`;
  return `[${label(name)}](${url})`;
}

function cardMarkdown(card: Readonly<Record<string, unknown>>, base: string | undefined): string {
  const title = str(card['title']) ?? '';
  const url = absolute(card['url'], base);
  const image = absolute(card['imageUrl'], base);
  const heading = title === '' ? '' : url === undefined ? `**${label(title)}**` : `**[${label(title)}](${url})**`;
  const buttons = (Array.isArray(card['buttons']) ? card['buttons'].filter(isRecord) : []).flatMap((button) => {
    const text = str(button['label']);
    if (text === undefined) return [];
    const link = absolute(button['url'], base);
    return [link === undefined ? `- ${text}` : `- [${label(text)}](${link})`];
  });
  return paragraphs([
    image === undefined ? '' : `![${label(title || 'image')}](${image})`,
    [heading, str(card['subtitle']) ?? ''].filter((part) => part !== '').join('\n'),
    buttons.join('\n'),
  ]);
}

/** The card's text as bot-messages.ts stores it for a carousel without text of its own. */
const cardFallback = (card: Readonly<Record<string, unknown>>): string =>
  cardText({ title: asString(card['title']) ?? '', subtitle: asString(card['subtitle']) });

const asString = (value: unknown): string | undefined => (typeof value === 'string' ? value : undefined);

const paragraphs = (parts: readonly string[]): string =>
  parts
    .map((part) => part.trim())
    .filter((part) => part !== '')
    .join('\n\n');

/** Link text: brackets and backslashes escaped so a name cannot end the link early. */
const label = (text: string): string => text.replace(/[\\[\]]/g, (c) => `\\${c}`).replace(/\s+/g, ' ');

/**
 * An http(s) URL for a Markdown link destination, or undefined. A stored path is resolved against
 * `base`; spaces and parentheses are escaped so the destination ends where the URL does.
 */
function absolute(value: unknown, base: string | undefined): string | undefined {
  if (typeof value !== 'string' || value === '') return undefined;
  let url: URL;
  try {
    url = new URL(value, base);
  } catch {
    return undefined;
  }
  if (url.protocol !== 'https:' && url.protocol !== 'http:') return undefined;
  return url.href.replace(/[()<> ]/g, (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`);
}

const str = (value: unknown): string | undefined => (typeof value === 'string' && value.trim() !== '' ? value : undefined);

const isRecord = (value: unknown): value is Readonly<Record<string, unknown>> =>
  typeof value === 'object' && value !== null && !Array.isArray(value);
