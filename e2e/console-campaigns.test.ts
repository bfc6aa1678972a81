import { mkdirSync } from 'node:fs';
import { resolve } from 'node:path';
import { axeViolations, DEMO_ADMIN } from '@parley/testkit';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startDeskE2e, type DeskE2e, type DeskEnv } from './support/desk-env.js';
import { consoleAs } from './support/desk-people.js';

/** Pictures of the page, to look at (PARLEY_SCREENSHOTS=dir): 1280 and 375 px, light and dark. */
const SHOTS = process.env['PARLEY_SCREENSHOTS'];

// Real Chromium against the built server; never a timed assertion.
describe('campaigns in the console (issue 20)', { timeout: 180_000 }, () => {
  let env: DeskEnv;
  let browser: Browser;
  let desk: DeskE2e | undefined;
  beforeAll(async () => {
    ({ env, browser } = desk = await startDeskE2e());
  }, 60_000);
  afterAll(() => desk?.close());

  const fill = async (page: Page, label: string, value: string) => page.getByLabel(label, { exact: true }).fill(value);

  it('adds a campaign from an agent with its trigger, pages, audience, cap and schedule, previews it, lists it with its counts, edits and removes it', async () => {
    const admin = await consoleAs(browser, env, DEMO_ADMIN);
    await admin.getByRole('link', { name: 'Campaigns' }).click();
    await admin.getByRole('heading', { name: 'Campaigns', level: 1 }).waitFor();
    await admin.getByText('This widget has no campaigns yet.').waitFor();

    await fill(admin, 'Name', 'Pricing nudge');
    await admin.getByLabel('From').selectOption({ label: 'Admin' });
    await fill(admin, 'Message (Markdown)', 'Questions about our **plans**?');
    await fill(admin, 'Quick replies', 'Yes\nJust looking');
    await admin.getByLabel('Trigger').selectOption('scroll_depth');
    await fill(admin, 'Percent scrolled', '60');
    await fill(admin, 'Pages (any of)', 'prefix /pricing');
    await fill(admin, 'Except pages', 'wildcard *draft*');
    await admin.getByLabel('Visitors').selectOption('returning');
    await fill(admin, 'Languages', 'en, fr');
    await fill(admin, 'Contact attributes', 'plan equals pro');
    await admin.getByLabel('How often').selectOption('every_days');
    await fill(admin, 'Days', '3');
    await fill(admin, 'Priority', '7');
    await fill(admin, 'Starts', '2026-01-01T09:00');
    // The preview renders the Markdown as the visitor sees it: bold, not asterisks.
    const preview = admin.getByRole('region', { name: 'Preview' });
    await preview.locator('strong', { hasText: 'plans' }).waitFor();
    expect(await preview.innerText()).not.toContain('**');

    // A refused rule is said with the field the server names.
    await fill(admin, 'Except pages', 'regex (a+)+');
    await admin.getByRole('button', { name: 'Add campaign' }).click();
    await admin
      .getByRole('alert')
      .getByText(/pages\.exclude\.0\.value/)
      .waitFor();
    await fill(admin, 'Except pages', 'wildcard *draft*');
    await admin.getByRole('button', { name: 'Add campaign' }).click();
    await admin.getByRole('cell', { name: 'Pricing nudge', exact: true }).waitFor();

    const { items } = await env.api<{ items: Record<string, unknown>[] }>('GET', `/v1/widgets/${env.demoWidgetId}/campaigns`);
    expect(items).toHaveLength(1);
    expect(items[0]).toMatchObject({
      name: 'Pricing nudge',
      priority: 7,
      message: { text: 'Questions about our **plans**?', quickReplies: ['Yes', 'Just looking'] },
      sender: { kind: 'agent' },
      trigger: { kind: 'scroll_depth', percent: 60 },
      pages: { include: [{ match: 'prefix', value: '/pricing' }], exclude: [{ match: 'wildcard', value: '*draft*' }] },
      audience: { visitor: 'returning', languages: ['en', 'fr'], attributes: [{ key: 'plan', op: 'equals', value: 'pro' }] },
      cap: { kind: 'every_days', days: 3 },
    });
    expect(String(items[0]?.['startsAt'])).toMatch(/^2026-01-01T/);

    // Counts of the last 30 days beside it (two showings, one reply).
    const id = String(items[0]?.['id']);
    for (const type of ['campaign_shown', 'campaign_shown', 'campaign_opened', 'campaign_replied'])
      await fetch(`${env.serverUrl}/v1/widgets/${env.demoWidgetId}/events`, {
        method: 'POST',
        body: JSON.stringify({ type, campaign: id }),
      });
    await admin.reload();
    const row = admin.getByRole('row').filter({ hasText: 'Pricing nudge' });
    await expect.poll(() => row.innerText()).toMatch(/At 60 % scrolled\s+7\s+2\s+1\s+1\s+50 %/);

    expect(await axeViolations(admin), 'campaigns page, light, 1280 px').toEqual([]);
    await admin.emulateMedia({ colorScheme: 'dark' });
    await admin.setViewportSize({ width: 375, height: 812 });
    expect(await axeViolations(admin), 'campaigns page, dark, 375 px').toEqual([]);
    const width = await admin.evaluate(() => document.documentElement.scrollWidth);
    expect(width, 'no sideways scroll at 375 px').toBeLessThanOrEqual(375);
    if (SHOTS !== undefined) {
      mkdirSync(SHOTS, { recursive: true });
      for (const scheme of ['light', 'dark'] as const)
        for (const w of [1280, 375]) {
          await admin.emulateMedia({ colorScheme: scheme });
          await admin.setViewportSize({ width: w, height: 800 });
          await admin.screenshot({ path: resolve(SHOTS, `console-campaigns-${w}-${scheme}.png`), fullPage: true });
        }
    }
    await admin.emulateMedia({ colorScheme: 'light' });
    await admin.setViewportSize({ width: 1280, height: 800 });

    // The Reports page counts it for the period too, with its CSV, and leads back to the widget's campaigns.
    await admin.getByRole('link', { name: 'Reports' }).click();
    const section = admin.getByRole('region', { name: 'Proactive messages' });
    const reported = section.getByRole('row').filter({ hasText: 'Pricing nudge' });
    await expect.poll(() => reported.innerText(), { timeout: 15_000 }).toMatch(/Pricing nudge\s+.+\s+2\s+1\s+1\s+50%/);
    expect(await section.getByRole('link', { name: /^CSV/ }).getAttribute('href')).toContain('/v1/reports/campaigns?');
    await section.scrollIntoViewIfNeeded();
    expect(await axeViolations(admin), 'reports page with campaigns, light, 1280 px').toEqual([]);
    if (SHOTS !== undefined)
      for (const [w, scheme] of [
        [1280, 'light'],
        [375, 'dark'],
      ] as const) {
        await admin.emulateMedia({ colorScheme: scheme });
        await admin.setViewportSize({ width: w, height: 800 });
        await section.screenshot({ path: resolve(SHOTS, `console-reports-campaigns-${w}-${scheme}.png`) });
      }
    await admin.emulateMedia({ colorScheme: 'light' });
    await admin.setViewportSize({ width: 1280, height: 800 });
    await reported.getByRole('link', { name: 'Pricing nudge' }).click();
    await admin.getByRole('heading', { name: 'Campaigns', level: 1 }).waitFor();

    await admin.getByRole('button', { name: 'Edit Pricing nudge' }).click();
    await expect(admin.getByLabel('Percent scrolled').inputValue()).resolves.toBe('60');
    await admin.getByLabel('Enabled').uncheck();
    await admin.getByRole('button', { name: 'Save changes' }).click();
    await admin.getByText('· off').waitFor();
    expect((await env.api<{ enabled: boolean }>('GET', `/v1/widgets/${env.demoWidgetId}/campaigns/${id}`)).enabled).toBe(false);

    admin.once('dialog', (dialog) => void dialog.accept());
    await admin.getByRole('button', { name: 'Remove Pricing nudge' }).click();
    await admin.getByText('This widget has no campaigns yet.').waitFor();
  });
});
