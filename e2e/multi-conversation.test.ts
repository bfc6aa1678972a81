import { createHmac } from 'node:crypto';
import { mkdirSync } from 'node:fs';
import { resolve } from 'node:path';
import { axeViolations, launchBrowser, startWidgetEnv, widget, type WidgetEnv } from '@parley/testkit';
import type { Browser, Locator, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

/** Pictures of the list at 1280 and 375 px (PARLEY_SCREENSHOTS=dir). */
const SHOTS = process.env['PARLEY_SCREENSHOTS'];

async function shoot(page: Page, name: string): Promise<void> {
  if (SHOTS === undefined) return;
  mkdirSync(SHOTS, { recursive: true });
  await page.screenshot({ path: resolve(SHOTS, `${name}.png`) });
}

const root = (page: Page): Locator => page.locator('[data-parley]');
const listButton = (page: Page, name = 'Conversations'): Locator => root(page).getByRole('button', { name, exact: true });
const list = (page: Page, name = 'Conversations'): Locator => root(page).getByRole('dialog', { name });

interface Refusal {
  readonly code: string;
  readonly message: string;
  readonly widget?: string;
}

/** Keeps what the widget reports as `parley:error` (the DOM event) and through `Parley('on', 'error')` (the JS API). */
async function listenForErrors(page: Page): Promise<void> {
  await page.evaluate(() => {
    const dom: unknown[] = [];
    const api: unknown[] = [];
    Object.assign(window, { refusals: { dom, api } });
    window.addEventListener('parley:error', (event) => dom.push((event as CustomEvent).detail));
    (window as unknown as { Parley: (...args: unknown[]) => unknown }).Parley('on', 'error', (error: unknown) => api.push(error));
  });
}

const refusals = (page: Page): Promise<{ dom: Refusal[]; api: Refusal[] }> =>
  page.evaluate(() => (window as unknown as { refusals: { dom: Refusal[]; api: Refusal[] } }).refusals);

/** The conversation the widget holds, as the browser stored it. */
async function storedConversation(page: Page, widgetId: string): Promise<string | undefined> {
  const raw = await page.evaluate((key) => localStorage.getItem(`parley:v1:${key}`), widgetId);
  return (JSON.parse(raw ?? '{}') as { session?: { conversationId: string } | null }).session?.conversationId;
}

/** The widget's list is laid out in its window: axe checks it at both widths, each time with the list open. */
async function axeAt(page: Page, width: number, label: string): Promise<void> {
  await page.setViewportSize({ width, height: width === 375 ? 812 : 800 });
  expect(await axeViolations(page), `${label} at ${width}px`).toEqual([]);
}

// Real Chromium against the built server: a widget with conversations.multiple on, a visitor with a verified identity.
describe('several conversations per visitor in the widget', { timeout: 180_000 }, () => {
  let env: WidgetEnv;
  let browser: Browser;
  let identify: string;
  /** Another visitor's conversation (the first test's): never the identified visitor's to open. */
  let stranger = '';
  beforeAll(async () => {
    [env, browser] = await Promise.all([startWidgetEnv(), launchBrowser()]);
    const { identitySecret } = (await env.admin('GET', `/v1/widgets/${env.widgetId}/identity-secret`)) as unknown as {
      identitySecret: string;
    };
    const userHash = createHmac('sha256', identitySecret).update('user-20').digest('hex');
    identify = `window.Parley.identify({ userId: 'user-20', userHash: '${userHash}' })`;
  }, 90_000);
  afterAll(async () => {
    await browser?.close();
    await env?.close();
  });

  it('a default widget shows no list', async () => {
    const page = await browser.newPage();
    await page.goto(`${env.hostUrl}/script-tag.html`);
    await widget(page).launcher().click();
    await widget(page).send('pricing?');
    await widget(page).log().getByText('free to self-host').waitFor();
    // The header's other tools are there (export), the conversations button is not, nor its extra.
    await root(page).getByRole('button', { name: 'Export' }).waitFor();
    expect(await listButton(page).count()).toBe(0);

    // The JS API's open({ conversationId }) opens the window as open() does, on its one conversation, and says why not.
    stranger = (await storedConversation(page, env.widgetId)) ?? '';
    expect(stranger).not.toBe('');
    await listenForErrors(page);
    await widget(page).launcher().click();
    await widget(page).composer().waitFor({ state: 'detached' });
    await page.evaluate(
      (id) => (window as unknown as { Parley: (...args: unknown[]) => unknown }).Parley('open', { conversationId: id }),
      stranger,
    );
    await widget(page).composer().waitFor();
    await expect
      .poll(async () => (await refusals(page)).dom.map((error) => error.code), { timeout: 15_000 })
      .toEqual(['PARLEY_ERR_CONVERSATIONS_SINGLE']);
    const { dom, api } = await refusals(page);
    expect(dom[0]?.widget).toBe(env.widgetId);
    expect(dom[0]?.message).toContain(stranger);
    expect(api.map((error) => error.code)).toEqual(['PARLEY_ERR_CONVERSATIONS_SINGLE']);
    await widget(page).log().getByText('free to self-host').waitFor();
    expect(await storedConversation(page, env.widgetId)).toBe(stranger);
    await page.close();
  });

  it('starts a second conversation, switches between the two, and resumes both on another browser with the identity', async () => {
    await env.admin('PATCH', `/v1/widgets/${env.widgetId}`, { conversations: { multiple: true } });
    const laptopContext = await browser.newContext({ bypassCSP: true, viewport: { width: 1280, height: 800 } });
    const laptop = await laptopContext.newPage();
    laptop.setDefaultTimeout(30_000);
    await laptop.goto(`${env.hostUrl}/script-tag.html`);
    await widget(laptop).launcher().click();
    await laptop.evaluate(identify);
    // No conversation yet: nothing to list.
    await widget(laptop).composer().waitFor();
    expect(await listButton(laptop).count()).toBe(0);
    await widget(laptop).send('pricing?');
    const log = widget(laptop).log();
    await log.getByText('free to self-host').waitFor();

    // The list holds the one conversation, marked current; "New conversation" starts another.
    await listButton(laptop).click();
    await list(laptop).getByRole('listitem').first().waitFor();
    expect(await list(laptop).getByRole('listitem').count()).toBe(1);
    expect(
      await list(laptop)
        .getByRole('button', { name: /free to self-host/ })
        .getAttribute('aria-current'),
    ).toBe('true');
    const firstId = (await storedConversation(laptop, env.widgetId)) ?? '';
    expect(firstId).not.toBe('');
    await list(laptop).getByRole('button', { name: 'New conversation' }).click();
    await list(laptop).waitFor({ state: 'detached' });
    await expect.poll(() => log.getByText('free to self-host').count()).toBe(0);
    await widget(laptop).send('second one here');
    await log.getByText('second one here').waitFor();
    const stored = async () =>
      JSON.parse((await laptop.evaluate((key) => localStorage.getItem(`parley:v1:${key}`) ?? '{}', env.widgetId)) || '{}') as {
        session?: { conversationId: string };
      };
    const second = (await stored()).session?.conversationId ?? '';

    // Both listed, newest first; opening the first shows its own messages only, and back again.
    await listButton(laptop).click();
    const items = list(laptop).getByRole('listitem');
    await expect.poll(() => items.count()).toBe(2);
    expect(await items.nth(0).getByRole('button').getAttribute('aria-current')).toBe('true');
    expect(await list(laptop).getByText('Open', { exact: true }).count()).toBe(2);
    await axeAt(laptop, 1280, 'the conversations list');
    await shoot(laptop, 'widget-conversations-1280');
    await axeAt(laptop, 375, 'the conversations list');
    await shoot(laptop, 'widget-conversations-375');
    await laptop.emulateMedia({ colorScheme: 'dark' });
    expect(await axeViolations(laptop), 'the conversations list, dark').toEqual([]);
    await shoot(laptop, 'widget-conversations-dark');
    await laptop.emulateMedia({ colorScheme: 'light' });
    await laptop.setViewportSize({ width: 1280, height: 800 });
    await items.nth(1).getByRole('button').click();
    await log.getByText('free to self-host').waitFor();
    await expect.poll(() => log.getByText('second one here').count()).toBe(0);
    expect((await stored()).session?.conversationId).not.toBe(second);
    // Keyboard: the list opens with focus inside, Escape closes it and gives focus back to the button.
    await listButton(laptop).focus();
    await laptop.keyboard.press('Enter');
    await list(laptop).waitFor();
    await laptop.keyboard.press('Escape');
    await list(laptop).waitFor({ state: 'detached' });
    expect(await listButton(laptop).evaluate((button) => button.matches(':focus'))).toBe(true);
    await listButton(laptop).click();
    // The other one (not current) is the second conversation.
    await list(laptop).locator('button[aria-current=false]').click();
    await log.getByText('second one here').waitFor();
    await expect.poll(() => log.getByText('free to self-host').count()).toBe(0);

    // A fresh browser context with the same identity: its session resumes the latest, the list holds both, in Hebrew (RTL).
    await env.admin('PATCH', `/v1/widgets/${env.widgetId}`, { language: 'he', languages: ['he'] });
    const phoneContext = await browser.newContext({ bypassCSP: true, viewport: { width: 375, height: 812 } });
    phoneContext.setDefaultTimeout(30_000);
    const phone = await phoneContext.newPage();
    await phone.goto(`${env.hostUrl}/script-tag.html`);
    await root(phone).locator('button.launcher').click();
    await phone.evaluate(identify);
    await root(phone).locator('textarea').fill('from my phone');
    await root(phone).locator('textarea').press('Enter');
    const phoneLog = widget(phone).log();
    await phoneLog.getByText('second one here').waitFor();
    await expect.poll(() => root(phone).locator('.root').getAttribute('dir')).toBe('rtl');
    await listButton(phone, 'שיחות').click();
    const phoneItems = list(phone, 'שיחות').getByRole('listitem');
    await expect.poll(() => phoneItems.count()).toBe(2);
    expect(await axeViolations(phone), 'the conversations list in Hebrew (RTL) at 375px').toEqual([]);
    await shoot(phone, 'widget-conversations-rtl-375');
    await list(phone, 'שיחות').locator('button[aria-current=false]').click();
    await phoneLog.getByText('free to self-host').waitFor();
    await expect.poll(() => phoneLog.getByText('from my phone').count()).toBe(0);
    await phoneContext.close();

    // The JS API opens a given conversation of theirs (window closed first: it opens too) and refuses anyone else's.
    expect((await stored()).session?.conversationId).toBe(second);
    await listenForErrors(laptop);
    await widget(laptop).launcher().click();
    await widget(laptop).composer().waitFor({ state: 'detached' });
    await laptop.evaluate(
      (id) => (window as unknown as { Parley: { open(target: unknown): void } }).Parley.open({ conversationId: id }),
      firstId,
    );
    await log.getByText('free to self-host').waitFor();
    await expect.poll(() => log.getByText('second one here').count()).toBe(0);
    await expect.poll(async () => (await stored()).session?.conversationId).toBe(firstId);
    await laptop.evaluate(
      (id) => (window as unknown as { Parley: (...args: unknown[]) => unknown }).Parley('open', { conversationId: id }),
      stranger,
    );
    await expect
      .poll(async () => (await refusals(laptop)).dom.map((error) => error.code), { timeout: 15_000 })
      .toEqual(['PARLEY_ERR_CONVERSATION_NOT_FOUND']);
    expect((await refusals(laptop)).api.map((error) => error.code)).toEqual(['PARLEY_ERR_CONVERSATION_NOT_FOUND']);
    expect((await stored()).session?.conversationId).toBe(firstId);
    await log.getByText('free to self-host').waitFor();
    await laptopContext.close();
  });
});
