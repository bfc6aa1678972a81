import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createRequire } from 'node:module';
import type { Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildApp, loadConfig, type Parley } from '@parley/server';
import { launchBrowser } from '@parley/testkit';

const ADMIN_KEY = 'e2e-n8n-admin-key-0123456789abcdefgh';
/** The published widget, as a site that embeds it from npm serves it. */
const N8N_CHAT_DIST = join(createRequire(import.meta.url).resolve('@n8n/chat/style.css'), '..');

/** A host page on its own origin that embeds @n8n/chat with Parley's n8n-compatible endpoint as its webhookUrl. */
function hostPage(webhookUrl: string): string {
  return `<!doctype html>
<html lang="en">
  <head><meta charset="utf-8"><title>n8n chat on Parley</title><link rel="stylesheet" href="/style.css"></head>
  <body>
    <div id="n8n-chat" style="height: 600px"></div>
    <script type="module">
      import { createChat } from '/chat.bundle.es.js';
      createChat({ webhookUrl: ${JSON.stringify(webhookUrl)}, target: '#n8n-chat', mode: 'fullscreen', loadPreviousSession: true, initialMessages: ['Hi from the page'] });
    </script>
  </body>
</html>`;
}

describe('the published @n8n/chat widget against Parley', () => {
  let parley: Parley;
  let parleyUrl: string;
  let host: Server;
  let hostUrl: string;
  let widgetId: string;
  let browser: Browser;
  let dataDir: string;

  beforeAll(async () => {
    dataDir = mkdtempSync(join(tmpdir(), 'parley-n8n-e2e-'));
    parley = await buildApp(loadConfig({ PARLEY_DATA_DIR: dataDir, PARLEY_ADMIN_KEY: ADMIN_KEY, PARLEY_LOG_LEVEL: 'silent' }), {
      logger: false,
    });
    parleyUrl = await parley.app.listen({ host: '127.0.0.1', port: 0 });
    host = createServer((request, response) => {
      const path = (request.url ?? '/').split('?')[0];
      if (path === '/')
        return void response
          .writeHead(200, { 'content-type': 'text/html; charset=utf-8' })
          .end(hostPage(`${parleyUrl}/v1/widgets/${widgetId}/n8n`));
      const file = path === '/style.css' ? 'style.css' : path === '/chat.bundle.es.js' ? 'chat.bundle.es.js' : undefined;
      if (file === undefined) return void response.writeHead(404).end();
      response
        .writeHead(200, { 'content-type': file.endsWith('.css') ? 'text/css' : 'text/javascript' })
        .end(readFileSync(join(N8N_CHAT_DIST, file)));
    });
    await new Promise<void>((done) => host.listen(0, 'localhost', done));
    hostUrl = `http://localhost:${(host.address() as AddressInfo).port}`;
    const admin = async (path: string, body: unknown): Promise<{ id: string }> => {
      const response = await fetch(`${parleyUrl}${path}`, {
        method: 'POST',
        headers: { authorization: `Bearer ${ADMIN_KEY}`, 'content-type': 'application/json' },
        body: JSON.stringify(body),
      });
      if (!response.ok) throw new Error(`${path}: ${response.status} ${await response.text()}`);
      return (await response.json()) as { id: string };
    };
    const bot = await admin('/v1/bots', {
      kind: 'builtin',
      name: 'FAQ',
      config: {
        rules: [{ patterns: ['price', 'pricing'], answer: 'Parley is free to self-host.' }],
        fallback: 'Sorry, I did not get that.',
      },
    });
    widgetId = (await admin('/v1/widgets', { name: 'n8n compat', botId: bot.id, origin: [hostUrl] })).id;
    browser = await launchBrowser();
  });

  afterAll(async () => {
    await browser?.close();
    await new Promise<void>((done) => (host === undefined ? done() : host.close(() => done())));
    await parley?.app.close();
    rmSync(dataDir, { recursive: true, force: true });
  });

  it("shows the built-in bot's answer to a typed message, stores the conversation, and loads it back after a reload", async () => {
    const page = await browser.newPage();
    const problems: string[] = [];
    page.on('pageerror', (error) => problems.push(error.message));
    await page.goto(hostUrl);
    await page.locator('.chat-message-from-bot', { hasText: 'Hi from the page' }).waitFor();
    const input = page.locator('.chat-input textarea');
    await input.fill('What is the pricing?');
    await input.press('Enter');
    await page.locator('.chat-message-from-bot', { hasText: 'Parley is free to self-host.' }).waitFor();

    const sessionId = await page.evaluate(() => localStorage.getItem('n8n-chat/sessionId'));
    expect(sessionId).toMatch(/^[0-9a-f-]{36}$/);
    const stored = await parley.services.database.db
      .selectFrom('conversations')
      .select('id')
      .where('identity_user_id', '=', `n8n:${sessionId ?? ''}`)
      .where('widget_id', '=', widgetId)
      .execute();
    expect(stored).toHaveLength(1);
    const messages = await parley.services.engine.messagesAfter(stored[0]?.id ?? '', 0);
    expect(messages.map((m) => [m.author.role, m.text])).toEqual([
      ['visitor', 'What is the pricing?'],
      ['bot', 'Parley is free to self-host.'],
    ]);

    // loadPreviousSession: the same browser session shows its stored conversation again.
    await page.reload();
    await page.locator('.chat-message-from-user', { hasText: 'What is the pricing?' }).waitFor();
    await page.locator('.chat-message-from-bot', { hasText: 'Parley is free to self-host.' }).waitFor();
    expect(problems).toEqual([]);
    await page.close();
  });
});
