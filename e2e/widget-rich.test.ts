import { mkdirSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Browser, Page } from 'playwright-core';
import { launchBrowser } from '@parley/testkit';
import { freePort } from './support/server-process.js';
import { startWidgetEnv, type WidgetEnv } from './support/widget-env.js';
import { widget } from './support/widget-page.js';

/** A bot speaking Parley's generic webhook protocol: rich answers by keyword, a held stream, else an echo. */
async function richBot(): Promise<{ url: string; server: Server; release: () => void }> {
  let release = () => undefined as void;
  const gate = new Promise<void>((done) => (release = done));
  const server = createServer((request, response) => {
    let raw = '';
    request.on('data', (chunk: Buffer) => (raw += chunk.toString()));
    request.on('end', () => {
      const text = String((JSON.parse(raw) as { text?: string }).text ?? '');
      const json = (messages: unknown[]) =>
        response.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify({ messages }));
      if (text === 'plans') {
        return json([
          {
            type: 'carousel',
            text: 'Our plans',
            cards: [
              { title: 'Basic', subtitle: 'Free forever', buttons: [{ label: 'Choose Basic', reply: 'basic please' }] },
              { title: 'Pro', subtitle: '$9 a month', buttons: [{ label: 'Read more', url: 'https://example.com/pro' }] },
            ],
          },
        ]);
      }
      if (text === 'signup') {
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
      if (text === 'math') return json([{ type: 'text', text: 'Euler says $$e^{i\\pi}+1=0$$' }]);
      if (text === 'stream') {
        response.writeHead(200, { 'content-type': 'application/x-ndjson' });
        response.write(`${JSON.stringify({ type: 'delta', text: 'Streaming ' })}\n`);
        response.write(`${JSON.stringify({ type: 'delta', text: 'in progress' })}\n`);
        void gate.then(() => response.end(`${JSON.stringify({ type: 'delta', text: ', done.' })}\n${JSON.stringify({ type: 'end' })}\n`));
        return;
      }
      json([{ type: 'text', text: `got: ${text}` }]);
    });
  });
  const port = await freePort();
  await new Promise<void>((done) => server.listen(port, '127.0.0.1', done));
  return { url: `http://127.0.0.1:${port}/bot`, server, release };
}

/** These states are shown in the screenshots too (see widget-screenshots.test.ts). */
const SHOTS = process.env['PARLEY_SHOTS_DIR'] ?? '/tmp/widget-shots';

// Real Chromium against a real server on a shared machine: generous time, never a timed assertion.
describe('rich bot messages in the widget', { timeout: 60_000 }, () => {
  let env: WidgetEnv;
  let browser: Browser;
  let bot: Awaited<ReturnType<typeof richBot>>;
  let page: Page;
  beforeAll(async () => {
    mkdirSync(SHOTS, { recursive: true });
    [env, browser, bot] = await Promise.all([startWidgetEnv(), launchBrowser(), richBot()]);
    const created = await env.admin('POST', '/v1/bots', {
      kind: 'webhook',
      name: 'Rich',
      config: { url: bot.url, flavor: 'generic', stream: true },
    });
    const rich = await env.admin('POST', '/v1/widgets', { name: 'Rich', botId: created.id, title: 'Rich desk', math: true });
    env.fill.set('WIDGET', rich.id);
    page = await (await browser.newContext()).newPage();
    // This page keeps showing the rich widget, reloads included (the env serves a fresh copy each time).
    await page.goto(`${env.hostUrl}/script-tag.html`);
    await widget(page).launcher().click();
  });
  afterAll(async () => {
    await browser?.close();
    await env?.close();
    bot?.server.close();
  });

  it('shows a carousel of cards whose reply button answers for the visitor and whose link opens the site', async () => {
    await widget(page).send('plans');
    await widget(page).log().getByText('Free forever').waitFor();
    await expect(widget(page).log().getByRole('link', { name: 'Read more' }).getAttribute('href')).resolves.toBe('https://example.com/pro');
    await page.screenshot({ path: `${SHOTS}/desktop-carousel.png` });
    await widget(page).log().getByRole('button', { name: 'Choose Basic' }).click();
    await widget(page).log().getByText('got: basic please').waitFor();
  });

  it('validates a form, sends its answers once as name: value lines, and keeps it submitted after a reload', async () => {
    await widget(page).send('signup');
    const form = widget(page).log().locator('form').last();
    await form.getByRole('button', { name: 'Sign up' }).click();
    await expect(form.getByLabel('Email').getAttribute('aria-invalid')).resolves.toBe('true');
    await form.getByLabel('Email').fill('not-an-email');
    await form.getByRole('button', { name: 'Sign up' }).click();
    await form.getByText('Please enter a valid email address.').waitFor();
    await page.screenshot({ path: `${SHOTS}/desktop-form.png` });
    await form.getByLabel('Email').fill('ada@example.com');
    await form.getByLabel('Team size').selectOption('11-50');
    await form.getByRole('button', { name: 'Sign up' }).click();
    await widget(page).log().getByText('got: email: ada@example.com').waitFor();
    await widget(page).log().getByText('size: 11-50').last().waitFor();
    await expect(form.getByRole('button').isDisabled()).resolves.toBe(true);
    await page.reload();
    await widget(page).log().getByText('got: email: ada@example.com').waitFor();
    await expect(widget(page).log().locator('form').last().getByRole('button').isDisabled()).resolves.toBe(true);
  });

  it('renders math with the lazily loaded renderer, as MathML', async () => {
    await widget(page).send('math');
    await widget(page).log().locator('math').first().waitFor();
  });

  it('shows a streamed reply growing, then the stored message in its place', async () => {
    await widget(page).send('stream');
    await widget(page).log().getByText('Streaming in progress').waitFor();
    await expect(widget(page).log().locator('.stream').count()).resolves.toBe(1);
    await page.screenshot({ path: `${SHOTS}/desktop-streaming.png` });
    bot.release();
    await widget(page).log().getByText('Streaming in progress, done.').waitFor();
    await expect.poll(() => widget(page).log().locator('.stream').count()).toBe(0);
    await expect(widget(page).log().getByText('Streaming in progress, done.').count()).resolves.toBe(1);
  });
});
