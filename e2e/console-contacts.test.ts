import { readFileSync } from 'node:fs';
import { axeViolations, DEMO_ADMIN, widget } from '@parley/testkit';
import type { Browser, Locator, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startDeskE2e, type DeskE2e, type DeskEnv } from './support/desk-env.js';
import { consoleAs, conversationOf, visitorOn } from './support/desk-people.js';

interface ContactView {
  readonly id: string;
  readonly name: string | null;
  readonly attributes: Record<string, unknown>;
}

/** Presses Tab until `target` has the focus (at most 60 times): the keyboard path a person takes. */
async function tabTo(page: Page, target: Locator): Promise<void> {
  for (let presses = 0; presses < 60; presses++) {
    if (await target.evaluate((element) => element === document.activeElement).catch(() => false)) return;
    await page.keyboard.press('Tab');
  }
  throw new Error('Tab never reached the element');
}

// Real Chromium against the built server; never a timed assertion.
describe('contacts in the console', { timeout: 180_000 }, () => {
  let env: DeskEnv;
  let browser: Browser;
  let desk: DeskE2e | undefined;
  beforeAll(async () => {
    ({ env, browser } = desk = await startDeskE2e());
  }, 60_000);
  afterAll(() => desk?.close());

  it('the page’s setAttributes reaches the contact; list → contact → conversation works with the keyboard, axe clean', async () => {
    const visitor = await visitorOn(browser, env, env.demoWidgetId);
    await widget(visitor).send('hello');
    await widget(visitor).log().getByText('Ask me about pricing').waitFor();
    const conversationId = await conversationOf(visitor, env.demoWidgetId);
    // The host page describes its visitor once the conversation exists (the JS API, as a site calls it).
    await visitor.evaluate(() => (window as unknown as { Parley: (...args: unknown[]) => void }).Parley('setAttributes', { plan: 'pro' }));
    let contactId: string | null = null;
    for (let tries = 0; contactId === null; tries++) {
      if (tries === 100) throw new Error('the attributes never reached a contact');
      const detail = await env.api<{ contact: { id: string | null } }>('GET', `/v1/inbox/${conversationId}`);
      contactId = detail.contact.id;
      if (contactId === null) await new Promise((done) => setTimeout(done, 100));
    }
    expect((await env.api<ContactView>('GET', `/v1/contacts/${contactId}`)).attributes).toEqual({ plan: 'pro' });
    // Intercom's name for it works too: update({ attributes }).
    await visitor.evaluate(() =>
      (window as unknown as { Parley: (...args: unknown[]) => void }).Parley('update', { attributes: { company: 'Engines' } }),
    );
    for (let tries = 0; ; tries++) {
      const { attributes } = await env.api<ContactView>('GET', `/v1/contacts/${contactId}`);
      if (attributes['company'] === 'Engines') break;
      if (tries === 100) throw new Error(`update never reached the contact: ${JSON.stringify(attributes)}`);
      await new Promise((done) => setTimeout(done, 100));
    }
    await env.api('PATCH', `/v1/contacts/${contactId}`, { name: 'Ada Keyboard', email: 'ada.keyboard@example.com' });

    const agent = await consoleAs(browser, env, DEMO_ADMIN);
    // From the navigation, by keyboard.
    const nav = agent.getByRole('navigation', { name: 'Console' }).getByRole('link', { name: 'Contacts' });
    await tabTo(agent, nav);
    await agent.keyboard.press('Enter');
    await agent.getByRole('heading', { name: 'Contacts', level: 1 }).waitFor();
    const search = agent.getByRole('searchbox', { name: 'Search' });
    await tabTo(agent, search);
    await agent.keyboard.type('keyboard');
    await agent.keyboard.press('Enter');
    const row = agent.getByRole('link', { name: 'Ada Keyboard' });
    await row.waitFor();
    // The list answers the search after the click: wait for it (read at once, the earlier list of every contact).
    await expect.poll(() => agent.locator('table.contact-table tbody tr').count(), { timeout: 20_000 }).toBe(1);
    expect(await axeViolations(agent), 'contacts list').toEqual([]);
    await tabTo(agent, row);
    await agent.keyboard.press('Enter');

    await agent.getByRole('heading', { name: 'Ada Keyboard', level: 1 }).waitFor();
    expect(agent.url()).toBe(`${env.serverUrl}/console/contacts/${contactId}`);
    await agent.getByRole('heading', { name: 'Pages visited' }).waitFor();
    await expect(agent.getByLabel('Attribute plan value').inputValue()).resolves.toBe('pro');
    await expect(agent.getByLabel('Attribute company value').inputValue()).resolves.toBe('Engines');
    expect(await axeViolations(agent), 'contact page').toEqual([]);

    // An attribute edited on the page is the contact's.
    await agent.getByRole('button', { name: 'Add attribute' }).click();
    await agent.getByLabel('Attribute 3 name').fill('seats');
    await agent.getByLabel('Attribute seats value').fill('12');
    await agent.getByRole('button', { name: 'Save attributes' }).click();
    await agent.getByText('Attributes saved.').waitFor();
    expect((await env.api<ContactView>('GET', `/v1/contacts/${contactId}`)).attributes).toEqual({
      plan: 'pro',
      company: 'Engines',
      seats: 12,
    });

    const conversation = agent.locator('.contact-conversations').getByRole('link');
    // The page reads the contact's conversations after the contact itself: wait for the list.
    await expect.poll(() => conversation.count(), { timeout: 20_000 }).toBe(1);
    await tabTo(agent, conversation.first());
    await agent.keyboard.press('Enter');
    await agent.waitForURL(`${env.serverUrl}/console/inbox/${conversationId}`);
    await agent.getByRole('complementary', { name: 'Visitor' }).getByRole('link', { name: 'Contact page' }).waitFor();

    // Dark theme too.
    await agent.emulateMedia({ colorScheme: 'dark' });
    await agent.goto(`${env.serverUrl}/console/contacts`);
    await agent.getByRole('link', { name: 'Ada Keyboard' }).waitFor();
    expect(await axeViolations(agent), 'contacts list, dark').toEqual([]);
    await agent.goto(`${env.serverUrl}/console/contacts/${contactId}`);
    await agent.getByRole('heading', { name: 'Pages visited' }).waitFor();
    expect(await axeViolations(agent), 'contact page, dark').toEqual([]);
  });

  it('admins export the list as CSV and import a file, with the rows left out listed', async () => {
    const agent = await consoleAs(browser, env, DEMO_ADMIN);
    await agent.goto(`${env.serverUrl}/console/contacts`);
    await agent.getByRole('button', { name: 'Import CSV' }).click();
    await agent.getByLabel('CSV file').setInputFiles({
      name: 'people.csv',
      mimeType: 'text/csv',
      buffer: Buffer.from('email,name,attributes.plan\nimported@example.com,Imported Person,team\nnot-an-email,Broken,\n'),
    });
    await agent.getByLabel('Into widget').selectOption(env.demoWidgetId);
    await agent.getByRole('button', { name: 'Import', exact: true }).click();
    await agent.getByText('1 added, 0 updated, 1 left out.').waitFor();
    await agent.getByText('Row 3 email must be an email address').waitFor();
    expect(await axeViolations(agent), 'import result').toEqual([]);
    await agent.getByRole('link', { name: 'Imported Person' }).waitFor();

    await agent.getByLabel('Search').fill('imported');
    await agent.getByRole('button', { name: 'Apply' }).click();
    // As above: the filtered list arrives after the click (read at once, the list before it).
    await expect.poll(() => agent.locator('table.contact-table tbody tr').count(), { timeout: 20_000 }).toBe(1);
    const download = agent.waitForEvent('download');
    await agent.getByRole('link', { name: 'Export CSV' }).click();
    const file = await (await download).path();
    const lines = readFileSync(file, 'utf8').trim().split('\r\n');
    expect(lines[0]).toMatch(/^id,widget_id,external_id,name,email,phone,/);
    expect(lines).toHaveLength(2);
    expect(lines[1]).toContain('Imported Person,imported@example.com');
  });
});
