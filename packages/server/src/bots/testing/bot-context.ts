import type { AuthorRole, Message } from '@parley/protocol';
import type { BotConnector, BotContext, BotEvent } from '../bot-connector.js';

let seq = 0;

export function message(role: AuthorRole, text: string, extra: Partial<Message> = {}): Message {
  seq += 1;
  return {
    id: `msg_${seq}`,
    conversationId: 'conv_test',
    seq,
    author: { role, id: role, name: role },
    type: 'text',
    text,
    payload: null,
    clientId: null,
    createdAt: '2026-01-01T00:00:00.000Z',
    ...extra,
  };
}

/** A conversation whose history ends with the visitor saying `texts`. */
export function contextSaying(
  texts: readonly string[] | string,
  conversationId = 'conv_test',
  before: readonly Message[] = [],
): BotContext {
  return {
    conversationId,
    history: [...before, ...(typeof texts === 'string' ? [texts] : texts).map((text) => message('visitor', text))],
    language: 'en',
    meta: { pageUrl: 'https://shop.example/pricing' },
    contact: { id: 'ct_1', name: 'Ana', email: 'ana@example.com', phone: null },
    pageUrl: 'https://shop.example/pricing',
    tools: [],
  };
}

export async function collect(connector: BotConnector, context: BotContext, signal = AbortSignal.timeout(5000)): Promise<BotEvent[]> {
  const events: BotEvent[] = [];
  for await (const event of connector.reply(context, signal)) events.push(event);
  return events;
}

/** Everything the bot said as text: whole texts, streamed deltas and quick-reply prompts, in order. */
export function spoken(events: readonly BotEvent[]): string {
  return events
    .map((event) => (event.type === 'text' || event.type === 'delta' || event.type === 'quick_replies' ? event.text : ''))
    .join('');
}
