import type { CardPayload, FilePayload, FormPayload, Message, QuickRepliesPayload } from '@parley/protocol';

/**
 * What one stored message says, as plain parts every transcript format shares. A rich message's
 * `text` is already its Markdown fallback (bot-messages.ts); the parts add what the fallback leaves
 * out and a reader of a transcript needs: the options offered, the file's name and address, the
 * buttons' targets. Nothing here is HTML: the renderers escape or render it.
 */
export interface TranscriptEntry {
  readonly seq: number;
  readonly at: string;
  readonly role: Message['author']['role'];
  readonly author: string;
  readonly kind: 'message' | 'note' | 'event' | 'file';
  /** Markdown, as stored. */
  readonly text: string;
  /** Extra lines under the text: options, buttons, fields. Plain text. */
  readonly details: readonly string[];
  readonly file: { readonly name: string; readonly url: string; readonly mimeType: string | null; readonly size: number | null } | null;
}

/**
 * `publicUrl` makes stored paths (`/v1/...`) absolute, so a saved transcript's links still lead
 * somewhere. `visitorName` (the contact's name, when known) names the visitor's messages, which were
 * stored as "Visitor" when the name was not known yet.
 */
export function transcriptEntry(message: Message, publicUrl: string, visitorName: string | null = null): TranscriptEntry {
  const base = {
    seq: message.seq,
    at: message.createdAt,
    role: message.author.role,
    author: message.author.role === 'visitor' && visitorName !== null ? visitorName : authorName(message),
    text: message.text,
    details: [] as string[],
    file: null,
  };
  const payload = message.payload;
  switch (message.type) {
    case 'note':
      return { ...base, kind: 'note' };
    case 'event':
      return { ...base, kind: 'event' };
    case 'file': {
      const file = payload as FilePayload | null;
      if (file === null) return { ...base, kind: 'message' };
      const name = file.name ?? file.alt ?? lastSegment(file.url);
      return {
        ...base,
        kind: 'file',
        text: message.text === name ? '' : message.text,
        file: { name, url: absolute(file.url, publicUrl), mimeType: file.mimeType ?? null, size: file.size ?? null },
      };
    }
    case 'quick_replies': {
      const replies = (payload as QuickRepliesPayload | null)?.replies ?? [];
      return { ...base, kind: 'message', details: replies.length === 0 ? [] : [`Options: ${replies.join(' | ')}`] };
    }
    case 'card':
      return { ...base, kind: 'message', details: cardDetails(payload as CardPayload | null, publicUrl) };
    case 'carousel': {
      const cards = (payload as { cards?: readonly CardPayload[] } | null)?.cards ?? [];
      return { ...base, kind: 'message', details: cards.flatMap((card) => cardDetails(card, publicUrl)) };
    }
    case 'form': {
      const fields = (payload as FormPayload | null)?.fields ?? [];
      return { ...base, kind: 'message', details: fields.length === 0 ? [] : [`Form: ${fields.map((field) => field.label).join(', ')}`] };
    }
    case 'text':
      return { ...base, kind: 'message' };
  }
}

function authorName(message: Message): string {
  const name = message.author.name.trim();
  if (name !== '') return name;
  return message.author.role === 'visitor'
    ? 'Visitor'
    : message.author.role === 'bot'
      ? 'Bot'
      : message.author.role === 'agent'
        ? 'Agent'
        : 'Parley';
}

/** A card's links and buttons; its title and subtitle are in the message text already. */
function cardDetails(card: CardPayload | null, publicUrl: string): string[] {
  if (card === null) return [];
  const lines: string[] = [];
  if (card.url !== undefined) lines.push(`${card.title === '' ? 'Link' : card.title}: ${absolute(card.url, publicUrl)}`);
  for (const button of card.buttons ?? []) {
    if (button.url !== undefined) lines.push(`[${button.label}] ${absolute(button.url, publicUrl)}`);
    else lines.push(`[${button.label}]`);
  }
  return lines;
}

function absolute(url: string, publicUrl: string): string {
  return url.startsWith('/') ? new URL(url, publicUrl).toString() : url;
}

function lastSegment(url: string): string {
  const path = url.split(/[?#]/)[0] ?? url;
  return decodeURIComponentSafe(path.slice(path.lastIndexOf('/') + 1)) || 'file';
}

function decodeURIComponentSafe(value: string): string {
  try {
    return decodeURIComponent(value);
  } catch {
    return value;
  }
}
