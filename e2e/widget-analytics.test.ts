import { axeViolations, launchBrowser, widget } from '@parley/testkit';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startDeskEnv, type DeskEnv } from './support/desk-env.js';

interface Heard {
  readonly type: string;
  readonly detail: Record<string, unknown>;
}

/** Every `parley:*` DOM event the host page hears, in order (installed before the page's own scripts run). */
async function recordEvents(page: Page): Promise<void> {
  await page.addInitScript(() => {
    const heard: { type: string; detail: unknown }[] = [];
    Object.assign(window, { heard });
    for (const name of ['ready', 'open', 'close', 'message', 'unread', 'handoff', 'rated', 'error'])
      window.addEventListener(`parley:${name}`, (event) => heard.push({ type: event.type, detail: (event as CustomEvent).detail }));
  });
}

const heard = (page: Page): Promise<Heard[]> => page.evaluate(() => (window as unknown as { heard: Heard[] }).heard);
const dataLayer = (page: Page): Promise<unknown[] | undefined> =>
  page.evaluate(() => (window as unknown as { dataLayer?: unknown[] }).dataLayer);

// Real Chromium against a real server (and a real SMTP server) on a shared machine: generous time, never a timed assertion.
describe(
  'the widget tells the host page’s analytics what happened, and mails the visitor the conversation (issue 16)',
  { timeout: 120_000 },
  () => {
    let env: DeskEnv;
    let browser: Browser;
    const openPage = async (widgetId: string, viewport = { width: 1280, height: 800 }) => {
      // bypassCSP: axe-core is injected as an inline script, which the host page's policy forbids.
      const page = await browser.newPage({ viewport, bypassCSP: true });
      await recordEvents(page);
      return page;
    };
    beforeAll(async () => {
      [env, browser] = await Promise.all([startDeskEnv(), launchBrowser()]);
    });
    afterAll(async () => {
      await browser?.close();
      await env?.close();
    });

    it('dispatches parley:* events in order with the message kinds but never the words, and no dataLayer', async () => {
      const widgetId = await env.createWidget({ name: 'Analytics off' });
      const page = await openPage(widgetId);
      await page.goto(env.hostPage(widgetId));
      await widget(page).launcher().click();
      await widget(page).send('How much does it cost? My secret code is 4242');
      await expect.poll(() => widget(page).log().innerText(), { timeout: 30_000 }).toContain('free to self-host');
      await page.getByRole('button', { name: 'Close chat' }).first().click();
      await widget(page).launcher().click();

      await expect.poll(async () => (await heard(page)).filter((event) => event.type === 'parley:open').length).toBe(2);
      const events = (await heard(page)).filter((event) => event.type !== 'parley:unread');
      // The conversation's messages (a greeting may come first), each told once: kind and sender, never the words.
      expect(events.map((event) => event.type).filter((type, at, all) => type !== all[at - 1])).toEqual([
        'parley:ready',
        'parley:open',
        'parley:message',
        'parley:close',
        'parley:open',
      ]);
      expect(events[0]?.detail).toEqual({ widget: widgetId, widgetId });
      const messages = events.filter((event) => event.type === 'parley:message').map((event) => event.detail);
      const asked = messages.findIndex((detail) => detail['role'] === 'visitor');
      const conversationId = messages[asked]?.['conversationId'];
      expect(conversationId).toMatch(/\w/);
      expect(messages[asked]).toEqual({ widget: widgetId, conversationId, seq: expect.any(Number), kind: 'text', role: 'visitor' });
      expect(messages.slice(asked + 1)).toContainEqual({
        widget: widgetId,
        conversationId,
        seq: expect.any(Number),
        // The FAQ bot answers with its quick replies.
        kind: 'quick_replies',
        role: 'bot',
      });
      for (const detail of messages) expect(Object.keys(detail).sort()).toEqual(['conversationId', 'kind', 'role', 'seq', 'widget']);
      const everything = JSON.stringify(await heard(page));
      for (const words of ['secret', '4242', 'How much', 'self-host']) expect(everything).not.toContain(words);
      expect(await dataLayer(page)).toBeUndefined();

      await page.close();
    });

    it('pushes the same events to Google Tag Manager’s dataLayer only when the widget allows it', async () => {
      const widgetId = await env.createWidget({ name: 'Analytics on', analytics: { dataLayer: true } });
      const page = await openPage(widgetId);
      // The page's own tag manager was there first: the widget adds to its list.
      await page.addInitScript(() => Object.assign(window, { dataLayer: [{ event: 'gtm.js' }] }));
      await page.goto(env.hostPage(widgetId));
      await widget(page).launcher().click();
      await widget(page).send('hello, I am Ada Lovelace');
      await expect.poll(() => widget(page).log().innerText(), { timeout: 30_000 }).toContain('Ask me about pricing');
      await expect
        .poll(async () => ((await dataLayer(page)) ?? []).filter((entry) => JSON.stringify(entry).includes('"bot"')).length)
        .toBeGreaterThanOrEqual(1);

      const pushed = ((await dataLayer(page)) ?? []) as { event: string; parley?: Record<string, unknown> }[];
      const names = pushed.map((entry) => entry.event).filter((event) => event !== 'parley_unread');
      expect(names.filter((event, at) => event !== names[at - 1])).toEqual(['gtm.js', 'parley_ready', 'parley_open', 'parley_message']);
      // The same details as the DOM events, under `parley`.
      const dom = (await heard(page)).filter((event) => event.type !== 'parley:unread');
      expect(
        pushed
          .slice(1)
          .filter((entry) => entry.event !== 'parley_unread')
          .map((entry) => entry.parley),
      ).toEqual(dom.map((event) => event.detail));
      expect(JSON.stringify(pushed)).not.toContain('Ada');
      await page.close();
    });

    it('mails the visitor the conversation from the header: email field, invalid, sent, asked again too soon, failed; axe clean', async () => {
      const widgetId = await env.createWidget({ name: 'Mail me' });
      const page = await openPage(widgetId);
      await page.goto(env.hostPage(widgetId));
      await widget(page).launcher().click();
      await widget(page).send('How much does it cost?');
      await expect.poll(() => widget(page).log().innerText(), { timeout: 30_000 }).toContain('free to self-host');

      // The server mails (SMTP is set): the header has the control.
      const control = page.getByRole('button', { name: 'Email me this conversation' });
      await control.click();
      const dialog = page.getByRole('dialog', { name: 'Email me this conversation' });
      const field = dialog.getByRole('textbox', { name: 'Email' });
      await expect.poll(() => field.evaluate((input) => input === (input.getRootNode() as ShadowRoot).activeElement)).toBe(true);
      expect(await field.inputValue()).toBe('');
      expect(await axeViolations(page), 'mail dialog').toEqual([]);
      // Modal: Shift+Tab from the field goes round to the dialog's last control (Send), Tab comes back to the field.
      const focused = (locator: typeof field) =>
        locator.evaluate((element) => element === (element.getRootNode() as ShadowRoot).activeElement);
      await page.keyboard.press('Shift+Tab');
      await expect.poll(() => focused(dialog.getByRole('button', { name: 'Send' }))).toBe(true);
      await page.keyboard.press('Tab');
      await expect.poll(() => focused(field)).toBe(true);

      await field.fill('not an email');
      await dialog.getByRole('button', { name: 'Send' }).click();
      await dialog.getByRole('alert').filter({ hasText: 'valid email' }).waitFor();
      expect(await axeViolations(page), 'invalid address').toEqual([]);

      await field.fill('ada@example.com');
      await dialog.getByRole('button', { name: 'Send' }).click();
      await dialog.getByText('We sent this conversation to a•••@example.com.').waitFor();
      expect(await axeViolations(page), 'sent').toEqual([]);
      await expect.poll(() => env.mails.filter((mail) => mail.to.includes('ada@example.com')).length, { timeout: 20_000 }).toBe(1);
      const mail = env.mails.find((mail) => mail.to.includes('ada@example.com'));
      expect(mail?.raw).toContain('How much does it cost?');

      // Closed with its button, focus back on the control; the chat stays open.
      await dialog.getByRole('button', { name: 'Close' }).click();
      await expect.poll(() => control.evaluate((button) => button === (button.getRootNode() as ShadowRoot).activeElement)).toBe(true);

      // Asked again at once: prefilled with the address left, and told to wait (the server mails a conversation once per 10 minutes).
      await control.click();
      expect(await field.inputValue()).toBe('ada@example.com');
      await dialog.getByRole('button', { name: 'Send' }).click();
      await dialog.getByRole('alert').filter({ hasText: 'was just sent' }).waitFor();
      expect(await axeViolations(page), 'asked too soon').toEqual([]);
      expect(env.mails.filter((mail) => mail.to.includes('ada@example.com')).length).toBe(1);

      // The server is unreachable: failed, and the form stays to try again.
      await page.route(/\/transcript\/email$/, (route) => route.abort());
      await dialog.getByRole('button', { name: 'Send' }).click();
      await dialog.getByRole('alert').filter({ hasText: 'could not be sent' }).waitFor();
      expect(await axeViolations(page), 'failed').toEqual([]);

      // Escape closes the dialog only, not the chat window.
      await page.keyboard.press('Escape');
      await expect.poll(() => dialog.count()).toBe(0);
      expect(await widget(page).window().isVisible()).toBe(true);
      await page.close();
    });
  },
);
