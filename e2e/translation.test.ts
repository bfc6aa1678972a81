import { mkdirSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { resolve } from 'node:path';
import { axeViolations, DEMO_ADMIN, widget } from '@parley/testkit';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startDeskE2e, type DeskE2e, type DeskEnv } from './support/desk-env.js';
import { consoleAs, conversationOf } from './support/desk-people.js';

/** Pictures of the console row and the widget row with their toggles (PARLEY_SCREENSHOTS=dir). */
const SHOTS = process.env['PARLEY_SCREENSHOTS'];

async function shoot(page: Page, name: string): Promise<void> {
  if (SHOTS === undefined) return;
  mkdirSync(SHOTS, { recursive: true });
  for (const width of [1280, 375]) {
    await page.setViewportSize({ width, height: width === 375 ? 812 : 800 });
    await page.screenshot({ path: resolve(SHOTS, `${name}-${width}.png`) });
  }
  await page.setViewportSize({ width: 1280, height: 800 });
}

/**
 * The test's own translator, speaking the OpenAI-compatible protocol: a chat message comes back prefixed with its
 * target language (`[en] …`), deterministic; widget setup's batches of interface texts (JSON) come back as they
 * were. `failing` answers 503 to everything.
 */
let failing = false;
const asked: string[] = [];
function startTranslator(): Promise<Server> {
  const server = createServer((request, response) => {
    let text = '';
    request.on('data', (chunk: Buffer) => (text += chunk.toString('utf8')));
    request.on('end', () => {
      const body = JSON.parse(text) as { messages: { role: string; content: string }[]; response_format?: unknown };
      if (failing) return void response.writeHead(503).end('busy');
      const system = body.messages[0]?.content ?? '';
      const user = body.messages[1]?.content ?? '';
      let content: string;
      if (body.response_format !== undefined) {
        content = user.slice(user.indexOf('\n') + 1);
      } else {
        const target = /Target: .* \(([^)]+)\)\./.exec(system)?.[1] ?? '??';
        asked.push(user);
        content = `[${target}] ${user}`;
      }
      response.writeHead(200, { 'content-type': 'application/json' });
      response.end(JSON.stringify({ choices: [{ message: { role: 'assistant', content } }] }));
    });
  });
  return new Promise((done) => server.listen(0, '127.0.0.1', () => done(server)));
}

// Real Chromium against the built server: a French visitor (widget language fr) and an English agent (console).
describe('live translation between a French visitor and an English agent', { timeout: 180_000 }, () => {
  let env: DeskEnv;
  let browser: Browser;
  let desk: DeskE2e | undefined;
  let translator: Server;
  let widgetId: string;
  beforeAll(async () => {
    translator = await startTranslator();
    const port = (translator.address() as AddressInfo).port;
    ({ env, browser } = desk = await startDeskE2e({
      serverEnv: {
        PARLEY_TRANSLATOR_URL: `http://127.0.0.1:${port}/v1`,
        PARLEY_TRANSLATOR_ALLOW_PRIVATE: '1',
        PARLEY_TRANSLATOR_TIMEOUT_MS: '2000',
      },
    }));
    widgetId = await env.createWidget({ name: 'Boutique', language: 'fr' });
    const agents = await env.api<{ items: { id: string; email: string }[] }>('GET', '/v1/agents?take=100');
    const admin = agents.items.find((agent) => agent.email === DEMO_ADMIN.email);
    await env.api('PATCH', `/v1/agents/${admin?.id ?? ''}`, { language: 'en' });
  }, 90_000);
  afterAll(async () => {
    await desk?.close();
    await new Promise((done) => translator?.close(done));
  });

  it('each side reads the other in its own language, toggles show the originals, and a failing translator loses nothing', async () => {
    const context = await browser.newContext({ bypassCSP: true, viewport: { width: 1280, height: 800 }, locale: 'fr-FR' });
    context.setDefaultTimeout(30_000);
    const visitor = await context.newPage();
    await visitor.goto(env.hostPage(widgetId));
    await widget(visitor).launcher().click();
    await widget(visitor).composer().waitFor();
    await widget(visitor).send('Bonjour');
    const conversationId = await expect
      .poll(() => conversationOf(visitor, widgetId))
      .not.toBe('')
      .then(() => conversationOf(visitor, widgetId));

    const agent = await consoleAs(browser, env, DEMO_ADMIN);
    await agent.goto(`${env.serverUrl}/console/inbox/${conversationId}`);
    await agent.getByText('live (ws)').waitFor();
    const timeline = agent.getByRole('log', { name: 'Messages' });
    await timeline.getByText('Bonjour', { exact: true }).waitFor();

    // The agent writes English; the visitor reads French, the English original under "Voir l’original".
    await agent.getByLabel('Reply to the visitor').fill('Hello, how can I **help**?');
    await agent.keyboard.press('Enter');
    const log = widget(visitor).log();
    await log.getByText('[fr] Hello, how can I').waitFor();
    await log.getByText('Traduit').waitFor();
    expect(await log.getByText('Hello, how can I', { exact: false }).count()).toBe(1);
    await log.getByRole('button', { name: 'Voir l’original' }).click();
    await log.locator('.tr-o').getByText('Hello, how can I').waitFor();
    expect(await log.getByRole('button', { name: 'Masquer l’original' }).getAttribute('aria-expanded')).toBe('true');
    expect(await axeViolations(visitor), 'widget with a translated message').toEqual([]);
    await shoot(visitor, 'widget-translation-light');
    await visitor.emulateMedia({ colorScheme: 'dark' });
    await shoot(visitor, 'widget-translation-dark');
    await visitor.emulateMedia({ colorScheme: 'light' });
    // The console shows the agent's own reply as written, the translation the visitor got under its toggle.
    await timeline.getByText('Sent to the visitor in French').waitFor();

    // The visitor writes French; the agent (who now has the conversation) reads English.
    await widget(visitor).send('Ma commande est en retard.');
    await timeline.getByText('[en] Ma commande est en retard.').waitFor();
    await timeline.getByText('Translated from French').waitFor();
    await timeline.getByRole('button', { name: 'Show original' }).click();
    await timeline.locator('.translation-other').getByText('Ma commande est en retard.').waitFor();
    expect(await axeViolations(agent), 'console with translated messages').toEqual([]);
    await shoot(agent, 'console-translation-light');
    await agent.emulateMedia({ colorScheme: 'dark' });
    expect(await axeViolations(agent), 'console with translated messages, dark').toEqual([]);
    await shoot(agent, 'console-translation-dark');
    await agent.emulateMedia({ colorScheme: 'light' });

    // Both originals and both translations are stored (read with the agent's login, as the console reads them).
    const token = (await agent.evaluate(() => sessionStorage.getItem('parley.console.token'))) ?? '';
    const stored = await env.api<{
      items: { text: string; author: { role: string }; translation?: { text?: string; failed?: boolean } }[];
    }>('GET', `/v1/conversations/${conversationId}/messages`, undefined, token);
    const pairs = stored.items.filter((m) => m.translation !== undefined).map((m) => [m.author.role, m.text, m.translation?.text]);
    expect(pairs).toEqual([
      ['agent', 'Hello, how can I **help**?', '[fr] Hello, how can I **help**?'],
      ['visitor', 'Ma commande est en retard.', '[en] Ma commande est en retard.'],
    ]);

    // The translator fails: each side gets the original at once, marked; nothing is lost.
    failing = true;
    await agent.getByLabel('Reply to the visitor').fill('Let me check your order.');
    await agent.keyboard.press('Enter');
    await log.getByText('Let me check your order.').waitFor();
    await log.getByText('Non traduit').waitFor();
    await widget(visitor).send('Merci !');
    await timeline.getByText('Merci !', { exact: true }).waitFor();
    await timeline.getByText('Not translated to English').waitFor();
    expect(await axeViolations(visitor), 'widget with a failed translation').toEqual([]);
    expect(await axeViolations(agent), 'console with a failed translation').toEqual([]);
    await shoot(visitor, 'widget-translation-failed');
    const after = await env.api<{ items: { text: string; translation?: { failed?: boolean } }[] }>(
      'GET',
      `/v1/conversations/${conversationId}/messages`,
      undefined,
      token,
    );
    expect(after.items.filter((m) => m.translation?.failed === true).map((m) => m.text)).toEqual(['Let me check your order.', 'Merci !']);
    failing = false;
  });
});
