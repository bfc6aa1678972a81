import { createServer, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

/**
 * A bot speaking Parley's generic webhook protocol (docs/bots.md) with a fixed script, for the widget's
 * browser tests and `npm run screenshots`: it answers by keyword with each kind of rich message, and
 * holds a streamed answer in the middle until told to go on, so a test (or a picture) sees it growing.
 *
 * - "plans" → a carousel of three plans (cards with pictures when `assets` is given)
 * - "sign up" / "signup" → a form (email, team size)
 * - "size chart" → quick replies, then a picture (the chips stay clickable)
 * - "math" → inline and display formulas, and prices that stay text
 * - "install" / "stream" → a streamed Markdown answer, held after `STREAM_SHOWN` until `release()`
 * - "link" → a sentence with the `link` URL in it (for link previews), when `link` is given
 * - a turn with files → a thank-you naming them
 * - anything else → "got: <text>"
 */
export interface ScriptedBot {
  /** The webhook URL, for a `webhook` bot with `flavor: "generic"` (and `stream: true`). */
  readonly url: string;
  /** Ends every streamed answer held right now. */
  release(): void;
  close(): Promise<void>;
}

/** The streamed answer: everything up to `STREAM_SHOWN` arrives at once, the rest after `release()`. */
export const STREAM_SHOWN = 'Installing takes two commands:\n\n1. `npm ci`\n2. `npm start`\n\nThe first start creates a demo widget';
export const STREAM_REST = ' and prints its embed code: paste it into your site and you are live.';

/** Plan pictures for the carousel's cards, served by whoever passes `assets` (file name → SVG). */
export const SCRIPTED_BOT_ASSETS: ReadonlyMap<string, string> = new Map(
  (
    [
      ['plan-basic.svg', '#dbeafe', '#1f5fd1'],
      ['plan-pro.svg', '#ede9fe', '#7c3aed'],
      ['plan-team.svg', '#dcfce7', '#15803d'],
    ] as const
  ).map(([name, light, strong]) => [
    name,
    `<svg xmlns="http://www.w3.org/2000/svg" width="460" height="240" viewBox="0 0 460 240">` +
      `<defs><linearGradient id="g" x1="0" y1="0" x2="1" y2="1"><stop offset="0" stop-color="${light}"/><stop offset="1" stop-color="#ffffff"/></linearGradient></defs>` +
      `<rect width="460" height="240" fill="url(#g)"/>` +
      `<circle cx="360" cy="70" r="90" fill="${strong}" opacity=".14"/><circle cx="120" cy="200" r="60" fill="${strong}" opacity=".1"/>` +
      `<rect x="170" y="70" width="120" height="100" rx="18" fill="${strong}" opacity=".85"/>` +
      `<path d="M200 122l20 20 42-44" stroke="#fff" stroke-width="12" fill="none" stroke-linecap="round" stroke-linejoin="round"/></svg>`,
  ]),
);

const delta = (text: string): string => `${JSON.stringify({ type: 'delta', text })}\n`;

/**
 * Starts the bot on 127.0.0.1; `assets` is the base URL where `SCRIPTED_BOT_ASSETS` are served, `link`
 * the address it answers "link" with.
 */
export async function startScriptedBot(options: { readonly assets?: string; readonly link?: string } = {}): Promise<ScriptedBot> {
  const held = new Set<() => void>();
  const picture = (name: string) => (options.assets === undefined ? {} : { imageUrl: `${options.assets}/${name}` });
  const answer = (text: string, files: readonly { readonly name?: unknown }[], response: ServerResponse): void => {
    const json = (messages: unknown[]): void =>
      void response.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify({ messages }));
    const words = text.toLowerCase();
    if (files.length > 0) {
      const names = files.map((file) => `**${String(file.name ?? 'a file')}**`).join(', ');
      return json([{ type: 'text', text: `Thanks, I got ${names}. Someone from the team will take a look.` }]);
    }
    if (/\bplans?\b/.test(words)) {
      return json([
        {
          type: 'carousel',
          text: 'Our plans',
          cards: [
            {
              title: 'Basic',
              subtitle: 'Free forever',
              ...picture('plan-basic.svg'),
              buttons: [{ label: 'Choose Basic', reply: 'basic please' }],
            },
            {
              title: 'Pro',
              subtitle: '$9 a month',
              ...picture('plan-pro.svg'),
              buttons: [{ label: 'Read more', url: 'https://example.com/pro' }],
            },
            {
              title: 'Team',
              subtitle: '$29 a month, 10 seats',
              ...picture('plan-team.svg'),
              buttons: [{ label: 'Talk to sales', reply: 'sales' }],
            },
          ],
        },
      ]);
    }
    if (/\bsize chart\b/.test(words)) {
      // Quick replies followed by a picture in the same turn (as Rasa sends buttons, then an image): the chips must stay.
      return json([
        { type: 'quick_replies', text: 'Which size?', replies: ['Small', 'Large'] },
        {
          type: 'image',
          url: options.assets === undefined ? 'https://example.com/sizes.png' : `${options.assets}/plan-pro.svg`,
          alt: 'Size chart',
        },
      ]);
    }
    if (/\bsign ?up\b/.test(words)) {
      return json([
        {
          type: 'form',
          text: 'Leave your details',
          fields: [
            { name: 'email', label: 'Email', type: 'email', required: true },
            { name: 'size', label: 'Team size', type: 'select', options: ['1-10', '11-50'] },
          ],
          submitLabel: 'Sign up',
        },
      ]);
    }
    if (/\bmath\b/.test(words)) {
      // Inline and display math, and prices that must stay text.
      const text =
        'Euler says $$e^{i\\pi}+1=0$$, and inline $a^2+b^2=c^2$ while prices stay text: $5 and $10.\n\n$$\n\\int_0^1 x^2\\,dx=\\frac{1}{3}\n$$';
      return json([{ type: 'text', text }]);
    }
    if (options.link !== undefined && /\blink\b/.test(words)) {
      return json([{ type: 'text', text: `Here is our guide: ${options.link} — it covers the set-up.` }]);
    }
    if (/\b(install|stream)\b/.test(words)) {
      response.writeHead(200, { 'content-type': 'application/x-ndjson' });
      // Sent in pieces, each flushed, so the widget shows the answer growing before it holds.
      for (const piece of STREAM_SHOWN.split(/(?<=\n\n)/)) response.write(delta(piece));
      const finish = () => {
        held.delete(finish);
        response.end(`${delta(STREAM_REST)}${JSON.stringify({ type: 'end' })}\n`);
      };
      held.add(finish);
      return;
    }
    json([{ type: 'text', text: `got: ${text}` }]);
  };
  const server = createServer((request, response) => {
    let raw = '';
    request.on('data', (chunk: Buffer) => (raw += chunk.toString()));
    request.on('end', () => {
      // Parley's own request (docs/bots.md): text, and the files the visitor sent this turn.
      const body = JSON.parse(raw) as { text?: unknown; files?: unknown };
      answer(String(body.text ?? ''), Array.isArray(body.files) ? (body.files as { name?: unknown }[]) : [], response);
    });
  });
  await new Promise<void>((done) => server.listen(0, '127.0.0.1', done));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}/bot`,
    release: () => [...held].forEach((finish) => finish()),
    close: async () => {
      server.closeAllConnections();
      await new Promise<void>((done) => server.close(() => done()));
    },
  };
}
