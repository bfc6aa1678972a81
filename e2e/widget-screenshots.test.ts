import { mkdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Browser, Page } from 'playwright-core';
import { launchBrowser } from '@parley/testkit';
import { startWidgetEnv, type WidgetEnv } from './support/widget-env.js';
import { widget } from './support/widget-page.js';

/** PNGs of every state, for people to look at (PARLEY_SHOTS_DIR, default /tmp/widget-shots). */
const SHOTS = process.env['PARLEY_SHOTS_DIR'] ?? '/tmp/widget-shots';

// Real Chromium against a real server on a shared machine: generous time, never a timed assertion.
describe('screenshots of the widget in each state', { timeout: 60_000 }, () => {
  let env: WidgetEnv;
  let browser: Browser;
  let arabicId: string;
  let darkId: string;
  const written: string[] = [];
  beforeAll(async () => {
    mkdirSync(SHOTS, { recursive: true });
    [env, browser] = await Promise.all([startWidgetEnv(), launchBrowser()]);
    const demo = await env.admin('GET', `/v1/widgets/${env.widgetId}`);
    arabicId = (await env.admin('POST', '/v1/widgets', { name: 'Arabic', botId: demo['botId'], language: 'ar', languages: ['ar'] })).id;
    darkId = (
      await env.admin('POST', '/v1/widgets', {
        name: 'Dark',
        botId: demo['botId'],
        title: 'Night owl',
        theme: { mode: 'dark', primaryColor: '#7c3aed' },
      })
    ).id;
  });
  afterAll(async () => {
    await browser?.close();
    await env?.close();
  });

  const shoot = async (page: Page, name: string) => {
    await page.waitForTimeout(250); // the opening animation
    const file = join(SHOTS, `${name}.png`);
    await page.screenshot({ path: file });
    written.push(file);
  };
  const open = async (width: number, height: number, widgetId = env.widgetId, example = 'script-tag.html') => {
    const context = await browser.newContext({ viewport: { width, height }, deviceScaleFactor: width < 500 ? 2 : 1 });
    const page = await context.newPage();
    env.fill.set('WIDGET', widgetId);
    await page.goto(`${env.hostUrl}/${example}`);
    env.fill.set('WIDGET', env.widgetId);
    return page;
  };
  const converse = async (page: Page) => {
    await widget(page).send('hello');
    await widget(page).log().getByText('Ask me about pricing').waitFor();
    await widget(page).send('How much does it cost?');
    await widget(page).log().getByText('free to self-host').waitFor();
  };

  it('writes closed, teaser, open, dialog, offline, phone, right-to-left, dark and inline screenshots', async () => {
    for (const [width, height, tag] of [
      [1280, 800, 'desktop'],
      [375, 740, 'phone'],
    ] as const) {
      const page = await open(width, height);
      await widget(page).launcher().waitFor();
      await shoot(page, `${tag}-closed`);
      await widget(page).launcher().click();
      await shoot(page, `${tag}-open-empty`);
      await converse(page);
      await shoot(page, `${tag}-open-conversation`);
      if (tag === 'desktop') {
        await page.getByRole('button', { name: 'Restart' }).click();
        await shoot(page, 'desktop-restart-dialog');
        await page.getByRole('button', { name: 'No' }).click();
        await page.context().setOffline(true);
        await widget(page).send('Are you there?');
        await page.getByText('You are offline').waitFor();
        await shoot(page, 'desktop-offline');
        await page.context().setOffline(false);
        await widget(page).log().getByText('did not understand').waitFor();
        await page.keyboard.press('Escape');
        await page.evaluate(`window.Parley.send('hours?'); window.Parley.close();`);
        await page.getByRole('status').getByText('Monday to Friday').waitFor();
        await shoot(page, 'desktop-teaser');
      }
      await page.context().close();
    }
    const rtl = await open(1280, 800, arabicId);
    await rtl.locator('[data-parley]').getByRole('button').first().click();
    await rtl.getByRole('textbox').fill('مرحبا');
    await rtl.getByRole('textbox').press('Enter');
    await rtl.waitForTimeout(800);
    await shoot(rtl, 'desktop-rtl-arabic');
    await rtl.context().close();
    const dark = await open(1280, 800, darkId);
    await widget(dark).launcher().click();
    await converse(dark);
    await shoot(dark, 'desktop-dark');
    await dark.context().close();
    const inline = await open(1280, 800, env.widgetId, 'inline.html');
    await converse(inline);
    await shoot(inline, 'desktop-inline');
    await inline.context().close();
    for (const file of written) expect(statSync(file).size, file).toBeGreaterThan(5000);
  }, 90_000);
});
