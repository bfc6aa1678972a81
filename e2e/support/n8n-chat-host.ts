import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { extname, join, normalize } from 'node:path';
import { buildApp, loadConfig, type Parley } from '@parley/server';

const ADMIN_KEY = 'e2e-n8n-admin-key-0123456789abcdefgh';
/** A 1×1 PNG, so the bot's image really loads in the page. */
const PNG = Buffer.from('iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mP8z8BQDwAEhQGAhKmMIQAAAABJRU5ErkJggg==', 'base64');
const TYPES: Readonly<Record<string, string>> = { '.js': 'text/javascript', '.mjs': 'text/javascript', '.css': 'text/css' };

/** What the test bot answers to "menu": a text, an image and a file, so a client must show all three. */
export const MENU = { text: 'Here is our menu:', imageAlt: 'Map of the shop', fileName: 'menu.pdf' } as const;

/** Parley with a bot and a widget, and a host page on another origin that embeds the published @n8n/chat against `/n8n`. */
export interface N8nChatHost {
  readonly parley: Parley;
  readonly parleyUrl: string;
  readonly hostUrl: string;
  readonly widgetId: string;
  /** Admin-key JSON call to Parley (or an agent's, with `token`). */
  call<T>(method: string, path: string, body?: unknown, token?: string): Promise<T>;
  close(): Promise<void>;
}

/**
 * `dist`: the package's dist folder (the page imports `chat.bundle.es.js` and whatever chunks it
 * loads from there). `createChat`: the options the page passes besides `webhookUrl` and `target`.
 */
export async function startN8nChatHost(dist: string, createChat: Readonly<Record<string, unknown>>): Promise<N8nChatHost> {
  const dataDir = mkdtempSync(join(tmpdir(), 'parley-n8n-e2e-'));
  const parley = await buildApp(loadConfig({ PARLEY_DATA_DIR: dataDir, PARLEY_ADMIN_KEY: ADMIN_KEY, PARLEY_LOG_LEVEL: 'silent' }), {
    logger: false,
  });
  const parleyUrl = await parley.app.listen({ host: '127.0.0.1', port: 0 });
  let widgetId = '';
  const host = createServer((request, response) => {
    const path = (request.url ?? '/').split('?')[0] ?? '/';
    if (path === '/') {
      const options = { ...createChat, webhookUrl: `${parleyUrl}/v1/widgets/${widgetId}/n8n`, target: '#n8n-chat' };
      return void response.writeHead(200, { 'content-type': 'text/html; charset=utf-8' }).end(page(options));
    }
    if (path === '/map.png') return void response.writeHead(200, { 'content-type': 'image/png' }).end(PNG);
    if (path === '/menu.pdf') return void response.writeHead(200, { 'content-type': 'application/pdf' }).end('%PDF-1.4\n%%EOF\n');
    const file = normalize(join(dist, path.replace(/^\/dist\//, '')));
    if (!path.startsWith('/dist/') || !file.startsWith(dist) || !existsSync(file) || TYPES[extname(file)] === undefined) {
      return void response.writeHead(404).end();
    }
    response.writeHead(200, { 'content-type': TYPES[extname(file)] ?? 'text/plain' }).end(readFileSync(file));
  });
  await new Promise<void>((done) => host.listen(0, 'localhost', done));
  const hostUrl = `http://localhost:${(host.address() as AddressInfo).port}`;
  const bot = await startMenuBot(hostUrl);

  const call = async <T>(method: string, path: string, body?: unknown, token = ADMIN_KEY): Promise<T> => {
    const response = await fetch(`${parleyUrl}${path}`, {
      method,
      headers: { authorization: `Bearer ${token}`, ...(body === undefined ? {} : { 'content-type': 'application/json' }) },
      ...(body === undefined ? {} : { body: JSON.stringify(body) }),
    });
    if (!response.ok) throw new Error(`${method} ${path}: ${response.status} ${await response.text()}`);
    return (await response.json()) as T;
  };
  const created = await call<{ id: string }>('POST', '/v1/bots', {
    kind: 'webhook',
    name: 'Shop bot',
    config: { url: bot.url, flavor: 'generic', allowPrivateNetwork: true },
  });
  widgetId = (await call<{ id: string }>('POST', '/v1/widgets', { name: 'n8n chat', botId: created.id, origin: [hostUrl] })).id;

  return {
    parley,
    parleyUrl,
    hostUrl,
    widgetId,
    call,
    async close() {
      await new Promise<void>((done) => host.close(() => done()));
      await bot.close();
      await parley.app.close();
      rmSync(dataDir, { recursive: true, force: true });
    },
  };
}

function page(options: Readonly<Record<string, unknown>>): string {
  return `<!doctype html>
<html lang="en">
  <head><meta charset="utf-8"><title>n8n chat on Parley</title><link rel="stylesheet" href="/dist/style.css"></head>
  <body>
    <div id="n8n-chat" style="height: 600px"></div>
    <script type="module">
      import { createChat } from '/dist/chat.bundle.es.js';
      createChat(${JSON.stringify(options)});
    </script>
  </body>
</html>`;
}

/** A generic-webhook bot (docs/bots.md): "menu" gets MENU's text, image and file; anything else an echo. */
async function startMenuBot(hostUrl: string): Promise<{ url: string; close(): Promise<void> }> {
  const server: Server = createServer((request, response) => {
    let body = '';
    request.on('data', (chunk: Buffer) => (body += chunk.toString()));
    request.on('end', () => {
      const text = String((JSON.parse(body) as { text?: unknown }).text ?? '');
      const messages = /menu/i.test(text)
        ? [
            { type: 'text', text: MENU.text },
            { type: 'image', url: `${hostUrl}/map.png`, alt: MENU.imageAlt },
            { type: 'file', url: `${hostUrl}/menu.pdf`, name: MENU.fileName, mimeType: 'application/pdf' },
          ]
        : [{ type: 'text', text: `Echo: ${text}` }];
      response.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify({ messages }));
    });
  });
  await new Promise<void>((done) => server.listen(0, '127.0.0.1', done));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/bot`,
    close: () => new Promise<void>((done) => server.close(() => done())),
  };
}
