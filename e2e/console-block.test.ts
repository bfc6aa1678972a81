import { mkdirSync } from 'node:fs';
import { resolve } from 'node:path';
import { axeViolations, DEMO_ADMIN, widget } from '@parley/testkit';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startDeskE2e, type DeskE2e, type DeskEnv } from './support/desk-env.js';
import { consoleAs, conversationOf, visitorOn } from './support/desk-people.js';

/** Pictures of the dialog and the blocks page, to look at (PARLEY_SCREENSHOTS=dir). */
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

// Real Chromium against the built server: an agent blocks a visitor from the console; never a timed assertion.
describe('agents block a visitor from the console', { timeout: 120_000 }, () => {
  let env: DeskEnv;
  let browser: Browser;
  let desk: DeskE2e | undefined;
  beforeAll(async () => {
    ({ env, browser } = desk = await startDeskE2e());
  }, 60_000);
  afterAll(() => desk?.close());

  it('Block visitor in the More menu opens an accessible dialog; the widget then says the visitor can’t send messages, and Unblock lifts it', async () => {
    const visitor = await visitorOn(browser, env, env.demoWidgetId);
    await widget(visitor).send('hello');
    await widget(visitor).log().getByText('Ask me about pricing').waitFor();
    const conversationId = await conversationOf(visitor, env.demoWidgetId);

    const agent = await consoleAs(browser, env, DEMO_ADMIN);
    await agent.goto(`${env.serverUrl}/console/inbox/${conversationId}`);
    await agent.getByText('live (ws)').waitFor();
    await agent.getByRole('button', { name: 'More actions' }).click();
    await agent.getByRole('menuitem', { name: 'Block visitor…' }).click();
    const dialog = agent.getByRole('dialog', { name: 'Block visitor' });
    await dialog.waitFor();
    // Focus starts inside the dialog, on the first choice.
    await expect(dialog.getByRole('radio', { name: /This visitor/ }).evaluate((radio) => radio === document.activeElement)).resolves.toBe(
      true,
    );
    expect(await axeViolations(agent), 'block dialog').toEqual([]);
    await dialog.getByLabel('For').selectOption('1d');
    await dialog.getByLabel(/Reason/).fill('Sends spam links');
    await shoot(agent, 'console-block-dialog');
    await dialog.getByRole('button', { name: 'Block', exact: true }).click();
    await dialog.waitFor({ state: 'detached' });

    // The widget's link closed at once: it says so calmly, in the visitor's language.
    await visitor.getByText('You can’t send messages in this chat.').waitFor();
    // Nothing can be typed that would only wait as "Sending…".
    expect(await widget(visitor).composer().isDisabled()).toBe(true);
    expect(await axeViolations(visitor), 'widget of a blocked visitor').toEqual([]);
    await shoot(visitor, 'widget-blocked-light');
    await visitor.emulateMedia({ colorScheme: 'dark' });
    await shoot(visitor, 'widget-blocked-dark');
    await visitor.emulateMedia({ colorScheme: 'light' });
    // The console shows the conversation blocked, with Unblock, and the timeline line.
    const toolbar = agent.getByRole('toolbar', { name: 'Conversation actions' });
    await toolbar.locator('.badge.blocked').waitFor();
    await agent.getByText(/You blocked the visitor until/).waitFor();
    expect(await axeViolations(agent), 'blocked conversation').toEqual([]);
    await shoot(agent, 'console-conversation-blocked');

    // Admins see every block on the Blocks page.
    await agent.getByRole('link', { name: 'Blocks' }).click();
    await agent.getByRole('heading', { name: 'Blocks' }).waitFor();
    await agent.getByText('Sends spam links').waitFor();
    expect(await axeViolations(agent), 'blocks page').toEqual([]);
    await shoot(agent, 'console-blocks-page');

    // Unblock from the conversation: the visitor writes again after a page load.
    await agent.goto(`${env.serverUrl}/console/inbox/${conversationId}`);
    await toolbar.locator('.badge.blocked').waitFor();
    await agent.getByRole('button', { name: 'More actions' }).click();
    await agent.getByRole('menuitem', { name: /Unblock visitor/ }).click();
    await expect.poll(() => toolbar.locator('.badge.blocked').count()).toBe(0);
    await agent.getByText(/You unblocked the visitor/).waitFor();
    await visitor.reload();
    // The chat reopens as the visitor left it.
    await widget(visitor).composer().waitFor();
    await widget(visitor).send('pricing?');
    await widget(visitor).log().getByText('free to self-host').waitFor();
  });
});
