import { axeViolations, DEMO_ADMIN } from '@parley/testkit';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startDeskE2e, type DeskE2e, type DeskEnv } from './support/desk-env.js';
import { consoleAs } from './support/desk-people.js';

/** The texts of the table's rows, one string per row. */
async function rows(page: Page): Promise<string[]> {
  return page.locator('table.audit-table tbody tr').allInnerTexts();
}

// Real Chromium against the built server; never a timed assertion.
describe('the audit log in the console (issue 18)', { timeout: 180_000 }, () => {
  let env: DeskEnv;
  let browser: Browser;
  let desk: DeskE2e | undefined;
  let teamId = '';
  let botId = '';
  beforeAll(async () => {
    ({ env, browser } = desk = await startDeskE2e());
    // Changes made with the admin API key: they are in the log under the key.
    teamId = (await env.api<{ id: string }>('POST', '/v1/teams', { name: 'Audit Sales' })).id;
    await env.api('PATCH', `/v1/widgets/${env.demoWidgetId}`, { name: 'Renamed for the audit' });
    await env.api('PATCH', `/v1/widgets/${env.demoWidgetId}`, { name: 'Renamed for the audit again' });
    botId = (
      await env.api<{ id: string }>('POST', '/v1/bots', { kind: 'builtin', name: 'Audit Bot', config: { rules: [], fallback: 'Hm.' } })
    ).id;
    await env.api('DELETE', `/v1/bots/${botId}`);
  }, 60_000);
  afterAll(() => desk?.close());

  it('shows who changed what, newest first, a change made in the console under the admin’s name, and filters', async () => {
    const admin = await consoleAs(browser, env, DEMO_ADMIN);
    // A change made from the console (its cookie): recorded under the admin agent.
    const made = await admin.evaluate(async () => {
      const response = await fetch('/v1/teams', {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: '{"name":"Console Team"}',
      });
      return response.status;
    });
    expect(made).toBe(201);
    await admin.getByRole('link', { name: 'Audit log' }).click();
    await admin.getByRole('heading', { name: 'Audit log', level: 1 }).waitFor();
    await admin.locator('table.audit-table').waitFor();
    const shown = await rows(admin);
    expect(shown[0]).toContain('team.created');
    expect(shown[0]).not.toContain('(API key)');
    // Names, not only ids: the admin's email under their name, the team's name beside its id.
    expect(shown[0]).toContain(DEMO_ADMIN.email);
    expect(shown[0]).toContain('Console Team');
    // A widget renamed since shows its name of now; a deleted bot only its id.
    expect(shown.some((row) => row.includes('widget.updated') && row.includes('Renamed for the audit again'))).toBe(true);
    const deletedBot = shown.find((row) => row.includes('bot.deleted'));
    expect(deletedBot).toContain(botId);
    expect(deletedBot).not.toContain('Audit Bot');
    expect(
      shown.some(
        (row) => row.includes('team.created') && row.includes(teamId) && row.includes('Audit Sales') && row.includes('Admin (API key)'),
      ),
    ).toBe(true);
    expect(shown.some((row) => row.includes('widget.updated') && row.includes(env.demoWidgetId) && row.includes('fields: name'))).toBe(
      true,
    );
    // The first new name was a value of a change: never kept in the log (only the widget's name of now is shown).
    expect(shown.join('\n')).not.toMatch(/Renamed for the audit(?! again)/);
    expect(await axeViolations(admin), 'audit log page').toEqual([]);

    await admin.getByLabel('Area').selectOption('team');
    await admin.waitForFunction(() =>
      [...document.querySelectorAll('table.audit-table tbody tr')].every((row) => row.textContent?.includes('team.') === true),
    );
    expect((await rows(admin)).length).toBe(2);
    await admin.getByLabel('Target id').fill(teamId);
    await admin.getByRole('button', { name: 'Apply' }).click();
    await admin.waitForFunction(() => document.querySelectorAll('table.audit-table tbody tr').length === 1);
    expect((await rows(admin))[0]).toContain(teamId);
    await admin.getByLabel('Who').selectOption('visitor');
    await admin.getByText('Nothing recorded matches.').waitFor();
    expect(await axeViolations(admin), 'audit log, nothing matches').toEqual([]);
  });

  it('is axe-clean and fits in the dark theme at 375 px', async () => {
    const admin = await consoleAs(browser, env, DEMO_ADMIN);
    await admin.setViewportSize({ width: 375, height: 800 });
    await admin.emulateMedia({ colorScheme: 'dark' });
    await admin.goto(`${env.serverUrl}/console/audit`);
    await admin.getByRole('heading', { name: 'Audit log', level: 1 }).waitFor();
    await admin.locator('table.audit-table').waitFor();
    expect(await axeViolations(admin), 'audit log, dark, 375 px').toEqual([]);
    expect(await admin.evaluate(() => document.documentElement.scrollWidth)).toBeLessThanOrEqual(375);
  });

  it('is not offered to agents', async () => {
    const password = 'agent-password-audit-1';
    await env.api('POST', '/v1/agents', { email: 'audit.agent@example.com', password, name: 'Audit Agent', role: 'agent' });
    const agent = await consoleAs(browser, env, { email: 'audit.agent@example.com', password });
    expect(await agent.getByRole('link', { name: 'Audit log' }).count()).toBe(0);
    await agent.goto(`${env.serverUrl}/console/audit`);
    await agent.getByText('This page is for admins.').waitFor();
  });
});
