import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Browser, Page } from 'playwright-core';
import { launchBrowser, startWidgetEnv, widget, type WidgetEnv } from '@parley/testkit';

/**
 * An OpenAI-compatible `/chat/completions` (shared/protocols/openai-compatible.md) that streams its answer
 * over SSE one word at a time and waits for the test's word before each next one, so the test can look at
 * the widget between two tokens.
 */
async function steppedLlm(words: readonly string[]): Promise<{ url: string; server: Server; step: () => void; requests: unknown[] }> {
  const waiting: Array<() => void> = [];
  // Steps the test allowed before the stream asked for them.
  let credits = 0;
  const next = (): Promise<void> =>
    new Promise((done) => {
      if (credits > 0) {
        credits -= 1;
        done();
      } else waiting.push(done);
    });
  const requests: unknown[] = [];
  const chunk = (delta: Record<string, unknown>, finish: string | null = null) =>
    `data: ${JSON.stringify({ id: 'chatcmpl-e2e', object: 'chat.completion.chunk', created: 1, model: 'e2e', choices: [{ index: 0, delta, finish_reason: finish }] })}\n\n`;
  const server = createServer((request, response) => {
    let raw = '';
    request.on('data', (part: Buffer) => (raw += part.toString()));
    request.on('end', () => {
      requests.push({ path: request.url, auth: request.headers.authorization, body: JSON.parse(raw) as unknown });
      response.writeHead(200, { 'content-type': 'text/event-stream', 'cache-control': 'no-cache' });
      response.write(chunk({ role: 'assistant', content: '' }));
      void (async () => {
        for (const [index, word] of words.entries()) {
          if (index > 0) await next();
          response.write(chunk({ content: index === 0 ? word : ` ${word}` }));
        }
        await next();
        response.end(`${chunk({}, 'stop')}data: [DONE]\n\n`);
      })();
    });
  });
  await new Promise<void>((done) => server.listen(0, '127.0.0.1', done));
  const step = () => {
    const waiter = waiting.shift();
    if (waiter) waiter();
    else credits += 1;
  };
  return { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/v1`, server, step, requests };
}

// Real Chromium against a real server on a shared machine: generous time, never a timed assertion.
describe('a streamed LLM reply in the widget', { timeout: 60_000 }, () => {
  const words = ['Parley', 'streams', 'every', 'token', 'as', 'it', 'arrives.'];
  let env: WidgetEnv;
  let browser: Browser;
  let llm: Awaited<ReturnType<typeof steppedLlm>>;
  let page: Page;
  beforeAll(async () => {
    [env, browser, llm] = await Promise.all([startWidgetEnv(), launchBrowser(), steppedLlm(words)]);
    const bot = await env.admin('POST', '/v1/bots', {
      kind: 'openai',
      name: 'LLM',
      config: { baseUrl: llm.url, model: 'e2e-model', systemPrompt: 'You are the Parley demo assistant.', allowPrivateNetwork: true },
      secrets: { apiKey: 'sk-e2e-secret' },
    });
    const created = await env.admin('POST', '/v1/widgets', { name: 'LLM', botId: bot.id, title: 'Ask the model' });
    env.fill.set('WIDGET', created.id);
    page = await (await browser.newContext()).newPage();
    await page.goto(`${env.hostUrl}/script-tag.html`);
    await widget(page).launcher().click();
  });
  afterAll(async () => {
    await browser?.close();
    await env?.close();
    llm?.server.close();
  });

  it('shows the reply growing token by token, then the one stored message in its place', async () => {
    const log = widget(page).log();
    await widget(page).send('How do you stream?');
    // Each prefix appears while the model is still holding back the rest of the answer.
    for (let shown = 1; shown <= words.length; shown += 1) {
      const prefix = words.slice(0, shown).join(' ');
      await log.locator('.stream').getByText(prefix, { exact: true }).waitFor();
      if (shown < words.length) await expect(log.getByText(words.slice(0, shown + 1).join(' ')).count()).resolves.toBe(0);
      llm.step();
    }
    const whole = words.join(' ');
    await expect.poll(() => log.locator('.stream').count()).toBe(0);
    await expect(log.getByText(whole, { exact: true }).count()).resolves.toBe(1);

    // The managed mode: the browser spoke only to Parley; the model got the conversation and the key.
    const [first] = llm.requests as Array<{
      path: string;
      auth: string;
      body: { model: string; stream: boolean; messages: Array<{ role: string; content: string }> };
    }>;
    expect(first?.path).toBe('/v1/chat/completions');
    expect(first?.auth).toBe('Bearer sk-e2e-secret');
    expect(first?.body.stream).toBe(true);
    expect(first?.body.messages[0]).toEqual({ role: 'system', content: 'You are the Parley demo assistant.' });
    expect(first?.body.messages.at(-1)).toEqual({ role: 'user', content: 'How do you stream?' });

    // The stored message is what a reload shows.
    await page.reload();
    await widget(page).log().getByText(whole, { exact: true }).waitFor();
  });
});
