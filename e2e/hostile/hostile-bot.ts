import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { fit } from './corpus.js';

export interface HostileBot {
  /** The webhook URL, for a `webhook` bot with `flavor: "generic"` (docs/bots.md). */
  readonly url: string;
  /** What the bot answers when a visitor says `trigger`: `richPack(strings)` or any messages. */
  plan(trigger: string, messages: readonly unknown[]): void;
  close(): Promise<void>;
}

/**
 * Every bot-side slot filled with the batch's strings, each cut to what its field accepts
 * (packages/protocol/src/rich-messages.ts), so the server stores them and the renderers get them:
 * one Markdown text holding all of them, quick replies, a card, a carousel (title, subtitle and a
 * button per string), a form (labels, select options, submit label) and a file per string.
 */
export function richPack(strings: readonly string[], fileUrl: string): unknown[] {
  const labels = strings.map((text) => fit(text, 200));
  return [
    { type: 'text', text: fit(strings.join('\n\n'), 8000) },
    { type: 'quick_replies', text: fit(strings[0] ?? '', 2000), replies: labels.slice(0, 20) },
    {
      type: 'card',
      title: fit(strings[1] ?? '', 500),
      subtitle: fit(strings[2] ?? '', 2000),
      url: 'https://example.com/card',
      buttons: labels.slice(0, 10).map((label) => ({ label, reply: label })),
    },
    {
      type: 'carousel',
      text: fit(strings[3] ?? '', 2000),
      cards: strings.slice(0, 20).map((text, index) => ({
        title: fit(text, 500),
        subtitle: fit(strings[(index + 1) % strings.length] ?? '', 2000),
        buttons: [{ label: labels[index] ?? '∅', url: 'https://example.com/more' }],
      })),
    },
    {
      type: 'form',
      text: fit(strings[4] ?? '', 2000),
      fields: labels.slice(0, 20).map((label, index) => ({
        name: `field_${index}`,
        label,
        type: index === 0 ? 'select' : 'text',
        ...(index === 0 ? { options: labels.slice(0, 50) } : {}),
      })),
      submitLabel: labels[5] ?? 'Send',
    },
    ...strings.map((text, index) => ({ type: 'file', url: `${fileUrl}?n=${index}`, name: fit(text, 500), mimeType: 'application/pdf' })),
  ];
}

/** A generic webhook bot that says nothing to ordinary texts and answers a planned trigger with its plan. */
export async function startHostileBot(): Promise<HostileBot> {
  const plans = new Map<string, readonly unknown[]>();
  const server = createServer((request, response) => {
    let raw = '';
    request.on('data', (chunk: Buffer) => (raw += chunk.toString()));
    request.on('end', () => {
      // Parley's own request (docs/bots.md): the conversation and the visitor's text.
      // `text` holds every visitor message since the bot last spoke, one a line: the trigger is the last.
      const body = JSON.parse(raw) as { text?: unknown };
      const planned = plans.get(String(body.text).split('\n').at(-1) ?? '');
      response.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify({ messages: planned ?? [] }));
    });
  });
  await new Promise<void>((done) => server.listen(0, '127.0.0.1', done));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}/bot`,
    plan: (trigger, messages) => void plans.set(trigger, messages),
    close: async () => {
      server.closeAllConnections();
      await new Promise<void>((done) => server.close(() => done()));
    },
  };
}
