import { createHmac } from 'node:crypto';
import { createServer, type Server } from 'node:http';
import { resolve } from 'node:path';
import { build } from 'esbuild';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Browser } from 'playwright-core';
import { freePort, launchBrowser, startWidgetEnv, widget, type WidgetEnv } from '@parley/testkit';

/** A stand-in n8n Chat Trigger in streaming mode: NDJSON begin/item/end chunks, CORS like n8n's. */
async function fakeN8n(): Promise<{ url: string; bodies: unknown[]; server: Server; release: () => void }> {
  const bodies: unknown[] = [];
  // The stream stops after its first two items until the test has seen them on screen.
  let release = () => undefined as void;
  const gate = new Promise<void>((done) => (release = done));
  const server = createServer((request, response) => {
    const cors = { 'access-control-allow-origin': request.headers.origin ?? '*', 'access-control-allow-headers': 'content-type, accept' };
    if (request.method === 'OPTIONS')
      return void response.writeHead(204, { ...cors, 'access-control-allow-methods': 'OPTIONS, POST' }).end();
    let raw = '';
    request.on('data', (chunk: Buffer) => (raw += chunk.toString()));
    request.on('end', () => {
      const body = JSON.parse(raw) as { chatInput: string };
      bodies.push(body);
      response.writeHead(200, { ...cors, 'content-type': 'application/json; charset=utf-8' });
      const meta = { nodeId: 'agent', nodeName: 'AI Agent', runIndex: 0, itemIndex: 0 };
      const parts = ['You ', 'said: ', `**${body.chatInput}**`];
      response.write(`${JSON.stringify({ type: 'begin', metadata: meta })}\n`);
      const item = (part: string) => response.write(`${JSON.stringify({ type: 'item', content: part, metadata: meta })}\n`);
      item(parts[0] ?? '');
      item(parts[1] ?? '');
      void gate.then(() => {
        item(parts[2] ?? '');
        response.end(`${JSON.stringify({ type: 'end', metadata: meta })}\n`);
      });
    });
  });
  const port = await freePort();
  await new Promise<void>((done) => server.listen(port, '127.0.0.1', done));
  return { url: `http://127.0.0.1:${port}/webhook/abc/chat`, bodies, server, release };
}

// Real Chromium against a real server on a shared machine: generous time, never a timed assertion.
describe('every way to embed, and the JS API', { timeout: 60_000 }, () => {
  let env: WidgetEnv;
  let browser: Browser;
  let n8n: Awaited<ReturnType<typeof fakeN8n>>;
  beforeAll(async () => {
    [env, browser, n8n] = await Promise.all([startWidgetEnv(), launchBrowser(), fakeN8n()]);
    const demo = await env.admin('GET', `/v1/widgets/${env.widgetId}`);
    const second = await env.admin('POST', '/v1/widgets', { name: 'Second', botId: demo['botId'], title: 'Second desk' });
    env.fill.set('WIDGET2', second.id);
    env.fill.set('WEBHOOK', n8n.url);
  });
  afterAll(async () => {
    await browser?.close();
    await env?.close();
    n8n?.server.close();
  });

  it('honours JS API calls made before the widget loaded (open, on message), through one frozen global', async () => {
    const page = await browser.newPage();
    await page.goto(`${env.hostUrl}/queue.html`);
    await widget(page).window().waitFor(); // Parley('open') from before load
    await widget(page).send('pricing?');
    await page.locator('#events').getByText('bot: Parley is open source and free to self-host.').waitFor();
    const globals = await page.evaluate(() => ({
      frozen: Object.isFrozen((window as unknown as { Parley: object }).Parley),
      names: Object.keys(window).filter((name) => /parley/i.test(name)),
    }));
    expect(globals).toEqual({ frozen: true, names: ['Parley'] });
    await page.close();
  });

  it('offers the object API after load: close, send (opens), toggle, hide and show the launcher', async () => {
    const page = await browser.newPage();
    await page.goto(`${env.hostUrl}/script-tag.html`);
    await widget(page).launcher().waitFor();
    const api = (code: string) => page.evaluate(code);
    await api(`window.Parley.send('hello')`);
    await widget(page).log().getByText('Ask me about pricing').waitFor();
    await api(`window.Parley.close()`);
    await widget(page).window().waitFor({ state: 'detached' });
    await api(`window.Parley.toggle()`);
    await widget(page).window().waitFor();
    await api(`window.Parley.hide()`);
    await widget(page).launcher().waitFor({ state: 'detached' });
    await api(`window.Parley.show()`);
    await widget(page).launcher().waitFor();
    await page.close();
  });

  it('identifies a visitor with a userHash: another browser of the same user continues their conversation', async () => {
    const { identitySecret } = (await env.admin('GET', `/v1/widgets/${env.widgetId}/identity-secret`)) as unknown as {
      identitySecret: string;
    };
    const userHash = createHmac('sha256', identitySecret).update('user-42').digest('hex');
    const identify = `window.Parley.identify({ userId: 'user-42', userHash: '${userHash}' })`;
    const laptop = await browser.newPage();
    await laptop.goto(`${env.hostUrl}/script-tag.html`);
    await widget(laptop).launcher().waitFor();
    await laptop.evaluate(identify);
    await laptop.evaluate(`window.Parley.send('pricing?')`);
    await widget(laptop).log().getByText('free to self-host').waitFor();
    const phone = await browser.newPage(); // a new context: nothing shared with the laptop but the identity
    await phone.goto(`${env.hostUrl}/script-tag.html`);
    await widget(phone).launcher().waitFor();
    await phone.evaluate(identify);
    await phone.evaluate(`window.Parley.send('hello')`);
    await widget(phone).log().getByText('Ask me about pricing').waitFor();
    await widget(phone).log().getByText('free to self-host').waitFor();
    await laptop.close();
    await phone.close();
  });

  it('forgets the visitor on shutdown: the stored conversation goes and the next message starts a new one', async () => {
    const page = await browser.newPage();
    await page.goto(`${env.hostUrl}/script-tag.html`);
    await widget(page).launcher().waitFor();
    await page.evaluate(`window.Parley.send('pricing?')`);
    await widget(page).log().getByText('free to self-host').waitFor();
    const stored = (id: string) => page.evaluate((key) => localStorage.getItem(`parley:v1:${key}`) ?? '', id);
    const before = JSON.parse(await stored(env.widgetId)).session.conversationId as string;
    await page.evaluate(`window.Parley.shutdown()`);
    await expect.poll(async () => (await stored(env.widgetId)).includes(before)).toBe(false);
    await page.evaluate(`window.Parley.send('hello')`);
    await widget(page).log().getByText('Ask me about pricing').waitFor();
    await expect(widget(page).log().getByText('free to self-host').count()).resolves.toBe(0);
    expect(JSON.parse(await stored(env.widgetId)).session.conversationId).not.toBe(before);
    await page.close();
  });

  it('switches the interface language with setLocale', async () => {
    const page = await browser.newPage();
    await page.goto(`${env.hostUrl}/script-tag.html`);
    await widget(page).launcher().waitFor();
    await page.evaluate(`window.Parley.open(); window.Parley.setLocale('de')`);
    await expect.poll(() => page.locator('[data-parley]').locator('textarea').getAttribute('placeholder')).not.toBe('Type a message…');
    await expect(page.locator('[data-parley]').locator('.root').getAttribute('lang')).resolves.toBe('de');
    await page.close();
  });

  it('mounts from the npm package: mount() in the page bundle returns a handle with events', async () => {
    const bundle = await build({
      entryPoints: [resolve(import.meta.dirname, '../examples/npm-main.ts')],
      bundle: true,
      format: 'esm',
      target: 'es2022',
      write: false,
      jsx: 'automatic',
      jsxImportSource: 'preact',
    });
    env.files.set('npm-bundle.js', bundle.outputFiles[0]?.text ?? '');
    const page = await browser.newPage();
    await page.goto(`${env.hostUrl}/npm.html`);
    await widget(page).send('pricing?');
    await page.locator('#events').getByText('bot: Parley is open source and free to self-host.').waitFor();
    await page.close();
  });

  it('mounts <parley-chat> as an inline chat that talks to the bot', async () => {
    const page = await browser.newPage();
    await page.goto(`${env.hostUrl}/custom-element.html`);
    await widget(page).send('how do I install it?');
    await page.locator('parley-chat').getByText('npm ci && npm start').waitFor();
    await page.close();
  });

  it('keeps two widgets on one page apart: each its own conversation', async () => {
    const page = await browser.newPage();
    await page.goto(`${env.hostUrl}/two-widgets.html`);
    const [first, second] = [page.locator('parley-chat').nth(0), page.locator('parley-chat').nth(1)];
    await second.getByText('Second desk').first().waitFor();
    await first.getByRole('textbox').fill('pricing?');
    await first.getByRole('textbox').press('Enter');
    await first.getByText('free to self-host').waitFor();
    await second.getByRole('textbox').fill('hello');
    await second.getByRole('textbox').press('Enter');
    await second.getByText('Ask me about pricing').waitFor();
    await expect(second.getByText('free to self-host').count()).resolves.toBe(0);
    await expect(first.getByText('Ask me about pricing').count()).resolves.toBe(0);
    await page.close();
  });

  it('drives the iframe embed by postMessage pinned to the server origin, and answers only the checked parent origin', async () => {
    const page = await browser.newPage();
    await page.goto(`${env.hostUrl}/iframe.html`);
    await page.locator('#events').getByText('ready').waitFor();
    await page.evaluate(`window.parleyFrame.call('send', 'pricing?')`);
    await page.locator('#events').getByText('message: Parley is open source and free to self-host.').waitFor();
    await page.frameLocator('#chat').getByText('free to self-host').first().waitFor();
    // A call the widget refuses is said to the parent too (this widget keeps one conversation).
    await page.evaluate(`window.parleyFrame.call('open', { conversationId: 'conv_01J00000000000000000000000' })`);
    await page.locator('#events').getByText('error: PARLEY_ERR_CONVERSATIONS_SINGLE').waitFor();

    // The same frame told that its parent is another origin: it neither talks to this page nor obeys it.
    const other = await browser.newPage();
    env.fill.set('ORIGIN', 'http://elsewhere.example');
    await other.goto(`${env.hostUrl}/iframe.html`);
    env.fill.set('ORIGIN', env.hostUrl);
    await other.frameLocator('#chat').getByRole('textbox').waitFor();
    await other.evaluate(`window.parleyFrame.call('send', 'pricing?')`);
    await other.waitForTimeout(1500);
    await expect(other.locator('#events li').count()).resolves.toBe(0);
    await expect(other.frameLocator('#chat').getByText('pricing?').count()).resolves.toBe(0);
    await page.close();
    await other.close();
  });

  it('talks straight to an n8n Chat Trigger webhook in direct mode, showing the streamed reply as it grows', async () => {
    const page = await browser.newPage();
    await page.goto(`${env.hostUrl}/direct.html`);
    await widget(page).send('ping');
    await widget(page).log().getByText('You said:').waitFor();
    await expect(widget(page).log().getByText('You said: ping').count()).resolves.toBe(0);
    n8n.release();
    await widget(page).log().getByText('You said: ping').waitFor();
    expect(n8n.bodies).toEqual([{ action: 'sendMessage', sessionId: expect.any(String), chatInput: 'ping' }]);
    await page.close();
  });
});
