import { mkdirSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { axeViolations, launchBrowser, startScriptedBot, startWidgetEnv, widget, type ScriptedBot, type WidgetEnv } from '@parley/testkit';

/** A 1×1 PNG: a real picture the browser decodes, so the card's thumbnail can be seen to load. */
const PNG = Buffer.from('iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNkYPhfDwAChwGA60e6kgAAAABJRU5ErkJggg==', 'base64');

/**
 * The third-party site a message links to, on an origin of its own (127.0.0.2): an article with Open
 * Graph tags and its picture. It records every request, so the test can tell who fetched it.
 */
async function articleSite(): Promise<{ origin: string; server: Server; requests: string[] }> {
  const requests: string[] = [];
  const server = createServer((request, response) => {
    requests.push(request.url ?? '');
    if (request.url === '/article') {
      response.writeHead(200, { 'content-type': 'text/html; charset=utf-8' });
      return void response.end(
        '<!doctype html><html><head><title>Fallback title</title>' +
          '<meta property="og:title" content="Self-hosting Parley in ten minutes">' +
          '<meta property="og:description" content="From npm ci to a live widget: the one database file, the embed code, and where to go next.">' +
          '<meta property="og:site_name" content="Parley Blog"><meta property="og:image" content="/cover.png">' +
          '<meta property="og:image:alt" content="A terminal beside a chat bubble"></head><body><h1>Article</h1></body></html>',
      );
    }
    if (request.url === '/cover.png') return void response.writeHead(200, { 'content-type': 'image/png' }).end(PNG);
    response.writeHead(404).end();
  });
  await new Promise<void>((done) => server.listen(0, '127.0.0.2', done));
  return { origin: `http://127.0.0.2:${(server.address() as AddressInfo).port}`, server, requests };
}

const SHOTS = process.env['PARLEY_SHOTS_DIR'] ?? '/tmp/widget-shots';

// Real Chromium against a real server on a shared machine: generous time, never a timed assertion.
describe('link previews in the widget', { timeout: 60_000 }, () => {
  let env: WidgetEnv;
  let browser: Browser;
  let site: Awaited<ReturnType<typeof articleSite>>;
  /** Answers "link" with the article's address and anything else with "got: <text>". */
  let bot: ScriptedBot;
  let botId: string;
  const contexts: BrowserContext[] = [];

  /** A page on the host origin showing `widgetId`, recording every request the browser makes. */
  async function open(widgetId: string, options: { dark?: boolean } = {}): Promise<{ page: Page; requests: string[] }> {
    // axe-core is injected as an inline script, which the host page's strict CSP would refuse.
    const context = await browser.newContext({
      bypassCSP: true,
      reducedMotion: 'reduce',
      viewport: { width: 375, height: 700 },
      colorScheme: options.dark === true ? 'dark' : 'light',
    });
    contexts.push(context);
    const page = await context.newPage();
    const requests: string[] = [];
    page.on('request', (request) => requests.push(request.url()));
    await page.goto(`${env.hostUrl}/script-tag.html?widget=${widgetId}`);
    // The launcher and the text box by role alone: their names are in the widget's language.
    await page.locator('[data-parley]').getByRole('button').first().click();
    return { page, requests };
  }

  beforeAll(async () => {
    mkdirSync(SHOTS, { recursive: true });
    // Loopback and any port for the previewer: the explicit option tests and intranets set.
    [env, browser, site] = await Promise.all([startWidgetEnv({ PARLEY_UNFURL_ALLOW_PRIVATE: '1' }), launchBrowser(), articleSite()]);
    bot = await startScriptedBot({ link: `${site.origin}/article` });
    botId = (
      await env.admin('POST', '/v1/bots', {
        kind: 'webhook',
        name: 'Links',
        config: { url: bot.url, flavor: 'generic', allowPrivateNetwork: true },
      })
    ).id;
  });
  afterAll(async () => {
    await Promise.all(contexts.map((context) => context.close()));
    await browser?.close();
    await env?.close();
    site?.server.close();
    await bot?.close();
  });

  it('shows the card of a linked page, made and served by the Parley server, with the browser never contacting the site', async () => {
    const { id } = await env.admin('POST', '/v1/widgets', { name: 'Unfurl', botId, title: 'Links desk' });
    const { page, requests } = await open(id);
    // Enough conversation to scroll: the card arriving must keep the log at the bottom.
    for (const word of ['one', 'two', 'three', 'four', 'five']) {
      await widget(page).send(word);
      await widget(page).log().getByText(`got: ${word}`).waitFor();
    }
    await widget(page).send('link');
    const card = widget(page).log().locator('.unf');
    await card.getByRole('link', { name: 'Self-hosting Parley in ten minutes' }).waitFor();
    await card.getByText('Parley Blog').waitFor();
    await card.getByText('From npm ci to a live widget').waitFor();
    const link = card.getByRole('link');
    await expect(link.getAttribute('href')).resolves.toBe(`${site.origin}/article`);
    await expect(link.getAttribute('target')).resolves.toBe('_blank');
    await expect(link.getAttribute('rel')).resolves.toBe('noopener noreferrer nofollow');
    const picture = card.getByRole('img', { name: 'A terminal beside a chat bubble' });
    await expect.poll(() => picture.evaluate((img: HTMLImageElement) => img.complete && img.naturalWidth > 0)).toBe(true);
    expect(new URL((await picture.getAttribute('src')) ?? '').origin).toBe(env.serverUrl);
    await expect
      .poll(() =>
        widget(page)
          .log()
          .evaluate((log) => Math.round(log.scrollHeight - log.scrollTop - log.clientHeight)),
      )
      .toBeLessThanOrEqual(1);
    // The page and its picture were read by the server; the visitor's browser asked only Parley.
    expect(site.requests).toEqual(expect.arrayContaining(['/article', '/cover.png']));
    expect(requests.filter((url) => url.startsWith(site.origin))).toEqual([]);
    expect(requests.some((url) => url.startsWith(`${env.serverUrl}/v1/widgets/${id}/unfurl?`))).toBe(true);
    expect(await axeViolations(page)).toEqual([]);
    await page.screenshot({ path: `${SHOTS}/phone-link-preview.png` });
  });

  it('fits the phone width in the dark theme and right to left, and passes axe there too', async () => {
    const { id } = await env.admin('POST', '/v1/widgets', {
      name: 'Unfurl RTL',
      botId,
      language: 'ar',
      languages: ['ar'],
      theme: { mode: 'dark' },
    });
    const { page } = await open(id, { dark: true });
    const box = page.locator('[data-parley]').getByRole('textbox');
    await box.fill('link');
    await box.press('Enter');
    const card = widget(page).log().locator('.unf');
    await card.getByRole('link', { name: 'Self-hosting Parley in ten minutes' }).waitFor();
    const placed = await card.boundingBox();
    const log = await widget(page).log().boundingBox();
    expect(placed).not.toBeNull();
    expect(log).not.toBeNull();
    if (placed !== null && log !== null) {
      expect(placed.x).toBeGreaterThanOrEqual(log.x);
      expect(placed.x + placed.width).toBeLessThanOrEqual(log.x + log.width);
    }
    // Right to left, the bot's card starts at the right edge like its bubble.
    await expect(card.evaluate((element) => getComputedStyle(element).direction)).resolves.toBe('rtl');
    expect(await axeViolations(page)).toEqual([]);
    await page.screenshot({ path: `${SHOTS}/phone-link-preview-dark-rtl.png` });
  });

  it('shows no card and asks nothing when the widget has link previews off', async () => {
    const { id } = await env.admin('POST', '/v1/widgets', { name: 'No unfurl', botId, unfurl: false });
    const { page, requests } = await open(id);
    await widget(page).send('link');
    await widget(page).log().getByText('Here is our guide').waitFor();
    // One more round trip after the link: anything the link set off would have been asked by now.
    await widget(page).send('after');
    await widget(page).log().getByText('got: after').waitFor();
    await expect(widget(page).log().locator('.unf').count()).resolves.toBe(0);
    expect(requests.filter((url) => url.includes('/unfurl'))).toEqual([]);
    expect(requests.filter((url) => url.startsWith(site.origin))).toEqual([]);
  });
});
