import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Browser, Page } from 'playwright-core';
import {
  launchBrowser,
  startScriptedBot,
  startWidgetEnv,
  STREAM_REST,
  STREAM_SHOWN,
  widget,
  type ScriptedBot,
  type WidgetEnv,
} from '@parley/testkit';

// Real Chromium against a real server on a shared machine: generous time, never a timed assertion.
describe('rich bot messages in the widget', { timeout: 60_000 }, () => {
  let env: WidgetEnv;
  let browser: Browser;
  let bot: ScriptedBot;
  let page: Page;
  beforeAll(async () => {
    [env, browser, bot] = await Promise.all([startWidgetEnv(), launchBrowser(), startScriptedBot()]);
    const created = await env.admin('POST', '/v1/bots', {
      kind: 'webhook',
      name: 'Rich',
      config: { url: bot.url, flavor: 'generic', stream: true, allowPrivateNetwork: true },
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
    await bot?.close();
  });

  it('shows a carousel of cards whose reply button answers for the visitor and whose link opens the site', async () => {
    await widget(page).send('plans');
    await widget(page).log().getByText('Free forever').waitFor();
    await expect(widget(page).log().getByRole('link', { name: 'Read more' }).getAttribute('href')).resolves.toBe('https://example.com/pro');
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
    const held = STREAM_SHOWN.split('\n').at(-1) ?? '';
    const whole = `${held}${STREAM_REST}`;
    await widget(page).send('stream');
    await widget(page).log().locator('.stream').getByText(held).waitFor();
    await expect(widget(page).log().locator('.stream').count()).resolves.toBe(1);
    await expect(widget(page).log().getByText(STREAM_REST.trim()).count()).resolves.toBe(0);
    bot.release();
    await widget(page).log().getByText(whole).waitFor();
    await expect.poll(() => widget(page).log().locator('.stream').count()).toBe(0);
    await expect(widget(page).log().getByText(whole).count()).resolves.toBe(1);
  });
});
