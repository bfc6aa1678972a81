import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Browser } from 'playwright-core';
import { launchBrowser, startWidgetEnv, widget, type WidgetEnv } from '@parley/testkit';

/** An OpenAI-compatible model that streams one fixed answer in several pieces, whatever it is asked. */
async function streamingLlm(answer: string): Promise<{ url: string; server: Server }> {
  const chunk = (delta: Record<string, unknown>, finish: string | null = null) =>
    `data: ${JSON.stringify({ id: 'chatcmpl-e2e', object: 'chat.completion.chunk', created: 1, model: 'e2e', choices: [{ index: 0, delta, finish_reason: finish }] })}\n\n`;
  const server = createServer((request, response) => {
    request.resume();
    request.on('end', () => {
      response.writeHead(200, { 'content-type': 'text/event-stream', 'cache-control': 'no-cache' });
      for (const word of answer.split(/(?= )/)) response.write(chunk({ content: word }));
      response.end(`${chunk({}, 'stop')}data: [DONE]\n\n`);
    });
  });
  await new Promise<void>((done) => server.listen(0, '127.0.0.1', done));
  return { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/v1`, server };
}

// Real Chromium against a real server on a shared machine: generous time, never a timed assertion.
describe('widget options seen in the browser', { timeout: 60_000 }, () => {
  const answer = 'Hello, I am the model and I speak first.';
  let env: WidgetEnv;
  let browser: Browser;
  let llm: Awaited<ReturnType<typeof streamingLlm>>;
  beforeAll(async () => {
    [env, browser, llm] = await Promise.all([startWidgetEnv(), launchBrowser(), streamingLlm(answer)]);
  });
  afterAll(async () => {
    await browser?.close();
    await env?.close();
    llm?.server.close();
  });

  it('startFirst, sessionDuration and stream: false — the bot speaks first, whole, in a session as long as the widget says', async () => {
    const bot = await env.admin('POST', '/v1/bots', {
      kind: 'openai',
      name: 'LLM',
      config: { baseUrl: llm.url, model: 'e2e-model', allowPrivateNetwork: true },
    });
    const created = await env.admin('POST', '/v1/widgets', {
      name: 'Options',
      botId: bot.id,
      startFirst: true,
      stream: false,
      sessionDuration: 2_700_000,
    });
    env.fill.set('WIDGET', created.id);
    const page = await (await browser.newContext()).newPage();
    const frames: string[] = [];
    page.on('websocket', (socket) => socket.on('framereceived', ({ payload }) => void frames.push(String(payload))));
    await page.goto(`${env.hostUrl}/script-tag.html`);
    const sessionRequest = page.waitForRequest((request) => request.method() === 'POST' && request.url().endsWith('/sessions'));
    const sessionResponse = page.waitForResponse(
      (response) => response.request().method() === 'POST' && response.url().endsWith('/sessions'),
    );
    await widget(page).launcher().click();

    // The visitor typed nothing: the bot's first words are there.
    await expect.poll(() => widget(page).log().innerText(), { timeout: 20_000 }).toContain(answer);
    const body = (await sessionRequest).postDataJSON() as Record<string, unknown>;
    expect(body).not.toHaveProperty('durationInSeconds');
    const session = (await (await sessionResponse).json()) as { expiresAt: string };
    const granted = Date.parse(session.expiresAt) - Date.now();
    expect(granted).toBeGreaterThan(2_700_000 - 60_000);
    expect(granted).toBeLessThanOrEqual(2_700_000);

    // A reply to the visitor comes whole too: no partial frame ever reached this page.
    await widget(page).send('And now?');
    await expect.poll(async () => (await widget(page).log().innerText()).split(answer).length - 1, { timeout: 20_000 }).toBe(2);
    expect(frames.some((frame) => frame.includes('"stream_delta"'))).toBe(false);
    await page.close();

    // An inline chat is open from the start: the bot speaks without a click.
    const inline = await (await browser.newContext()).newPage();
    await inline.goto(`${env.hostUrl}/inline.html`);
    await expect.poll(() => widget(inline).log().innerText(), { timeout: 20_000 }).toContain(answer);
    await inline.close();
  });

  it('verbose: the widget tells the console its config and every connection change; without it, the console stays quiet', async () => {
    const bot = await env.admin('POST', '/v1/bots', { kind: 'builtin', name: 'FAQ', config: { rules: [], echo: true } });
    const seen = async (verbose: boolean): Promise<string[]> => {
      const created = await env.admin('POST', '/v1/widgets', { name: `Verbose ${String(verbose)}`, botId: bot.id, verbose });
      env.fill.set('WIDGET', created.id);
      const page = await (await browser.newContext()).newPage();
      const lines: string[] = [];
      page.on('console', (message) => void (message.text().startsWith('[parley ') && lines.push(message.text())));
      await page.goto(`${env.hostUrl}/script-tag.html`);
      await widget(page).launcher().click();
      await widget(page).send('ping');
      await expect.poll(() => widget(page).log().innerText(), { timeout: 20_000 }).toContain('ping');
      // The echo is the bot's answer: by then the connection has opened.
      await expect.poll(async () => (await widget(page).log().innerText()).split('ping').length - 1, { timeout: 20_000 }).toBe(2);
      await page.close();
      return lines;
    };
    const verbose = await seen(true);
    expect(verbose.some((line) => line.includes('config') && line.includes('language'))).toBe(true);
    expect(verbose.some((line) => /connection open over (ws|sse|poll)/.test(line))).toBe(true);
    expect(verbose.some((line) => line.includes('messages'))).toBe(true);
    expect(await seen(false)).toEqual([]);
  });

  it("language: the widget's own French beats an English browser; the visitor's pick in the menu beats both, after a reload too", async () => {
    const bot = await env.admin('POST', '/v1/bots', { kind: 'builtin', name: 'FAQ', config: { rules: [] } });
    const created = await env.admin('POST', '/v1/widgets', { name: 'Boutique', botId: bot.id, language: 'fr', languages: ['en'] });
    env.fill.set('WIDGET', created.id);
    const page = await (await browser.newContext({ locale: 'en-US' })).newPage();
    expect(await page.evaluate(() => navigator.language)).toBe('en-US');
    await page.goto(`${env.hostUrl}/script-tag.html`);
    await widget(page).launcher().click();
    const root = page.locator('[data-parley] .root');
    await expect.poll(() => root.getAttribute('lang')).toBe('fr');
    await page.locator('[data-parley] .head select').selectOption('en');
    await expect.poll(() => root.getAttribute('lang')).toBe('en');
    await page.reload();
    await expect.poll(() => page.locator('[data-parley] .root').getAttribute('lang')).toBe('en');
    await page.close();
  });
});
