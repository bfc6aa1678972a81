import { createRequire } from 'node:module';
import { dirname } from 'node:path';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { launchBrowser } from '@parley/testkit';
import { MENU, startN8nChatHost, type N8nChatHost } from './support/n8n-chat-host.js';

/** The published widget 0.27.1 (a dev dependency of e2e), as a site that embeds it from npm serves it. */
const N8N_CHAT_DIST = dirname(createRequire(import.meta.url).resolve('@n8n/chat/style.css'));

/** The bot's image and file as @n8n/chat renders its Markdown: an image that loaded and a link named after the file. */
async function expectMenuShown(page: Page): Promise<void> {
  const bot = page.locator('.chat-message-from-bot');
  await bot.filter({ hasText: MENU.text }).first().waitFor();
  const image = bot.locator(`img[alt="${MENU.imageAlt}"]`).first();
  await image.waitFor();
  await expect.poll(() => image.evaluate((img: HTMLImageElement) => img.complete && img.naturalWidth > 0)).toBe(true);
  expect(await bot.getByRole('link', { name: MENU.fileName }).first().getAttribute('href')).toMatch(/\/menu\.pdf$/);
}

describe('the published @n8n/chat 0.27.1 against Parley', () => {
  let env: N8nChatHost;
  let browser: Browser;

  beforeAll(async () => {
    [env, browser] = await Promise.all([
      startN8nChatHost(N8N_CHAT_DIST, { mode: 'fullscreen', loadPreviousSession: true, initialMessages: ['Hi from the page'] }),
      launchBrowser(),
    ]);
  });

  afterAll(async () => {
    await browser?.close();
    await env?.close();
  });

  it("shows the bot's text, image and file, stores the conversation, loads it back, and tells the visitor a person will answer", async () => {
    const page = await browser.newPage();
    const problems: string[] = [];
    page.on('pageerror', (error) => problems.push(error.message));
    await page.goto(env.hostUrl);
    await page.locator('.chat-message-from-bot', { hasText: 'Hi from the page' }).waitFor();
    const input = page.locator('.chat-input textarea');
    await input.fill('What is on the menu?');
    await input.press('Enter');
    await expectMenuShown(page);

    const sessionId = await page.evaluate(() => localStorage.getItem('n8n-chat/sessionId'));
    expect(sessionId).toMatch(/^[0-9a-f-]{36}$/);
    const stored = await env.parley.services.database.db
      .selectFrom('conversations')
      .select('id')
      .where('identity_user_id', '=', `n8n:${sessionId ?? ''}`)
      .where('widget_id', '=', env.widgetId)
      .execute();
    expect(stored).toHaveLength(1);
    const messages = await env.parley.services.engine.messagesAfter(stored[0]?.id ?? '', 0);
    expect(messages.map((m) => [m.author.role, m.type])).toEqual([
      ['visitor', 'text'],
      ['bot', 'text'],
      ['bot', 'file'],
      ['bot', 'file'],
    ]);

    // loadPreviousSession: one bubble per stored message, the image and the file as Markdown, none empty.
    await page.reload();
    await page.locator('.chat-message-from-user', { hasText: 'What is on the menu?' }).waitFor();
    await expectMenuShown(page);
    expect(await page.locator('.chat-message-from-bot').allTextContents()).not.toContainEqual(expect.stringContaining('Empty response'));

    // A handoff answers executionStarted for newer clients; 0.27.1 does not open the socket and shows `output`.
    await input.fill('Talk to a human');
    await input.press('Enter');
    await page.locator('.chat-message-from-bot', { hasText: 'A person will answer here shortly.' }).waitFor();
    expect(await page.locator('.chat-message-from-bot').allTextContents()).not.toContainEqual(expect.stringContaining('executionId'));
    expect(problems).toEqual([]);
    await page.close();
  }, 120_000);
});
