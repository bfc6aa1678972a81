import { readFileSync } from 'node:fs';
import { strFromU8, unzipSync } from 'fflate';
import { axeViolations, DEMO_ADMIN } from '@parley/testkit';
import type { Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startDeskE2e, type DeskE2e, type DeskEnv } from './support/desk-env.js';
import { consoleAs } from './support/desk-people.js';

/** A visitor session with a contact and one message, over the API (what the console shows is what matters here). */
async function contactWithConversation(env: DeskEnv, name: string, email: string): Promise<{ contactId: string; conversationId: string }> {
  const session = await env.api<{ token: string; conversationId: string }>('POST', `/v1/widgets/${env.demoWidgetId}/sessions`, {
    contact: { name, email },
  });
  await env.api('POST', `/v1/conversations/${session.conversationId}/messages`, { text: `hello from ${name}` }, session.token);
  const detail = await env.api<{ contact: { id: string } }>('GET', `/v1/inbox/${session.conversationId}`);
  return { contactId: detail.contact.id, conversationId: session.conversationId };
}

// Real Chromium against the built server; never a timed assertion.
describe('privacy in the console: export and erase a contact', { timeout: 180_000 }, () => {
  let env: DeskEnv;
  let browser: Browser;
  let desk: DeskE2e | undefined;
  beforeAll(async () => {
    ({ env, browser } = desk = await startDeskE2e());
  }, 60_000);
  afterAll(() => desk?.close());

  it('Export data downloads a zip with data.json; Erase contact asks for the email, then the contact is gone from the list', async () => {
    const { contactId, conversationId } = await contactWithConversation(env, 'Petra Private', 'petra.private@example.com');
    const agent = await consoleAs(browser, env, DEMO_ADMIN);
    await agent.goto(`${env.serverUrl}/console/contacts/${contactId}`);
    await agent.getByRole('heading', { name: 'Petra Private', level: 1 }).waitFor();
    expect(await axeViolations(agent), 'contact page with the privacy buttons').toEqual([]);

    const download = agent.waitForEvent('download');
    await agent.getByRole('link', { name: 'Export data' }).click();
    const archive = unzipSync(new Uint8Array(readFileSync(await (await download).path())));
    const data = JSON.parse(strFromU8(archive['data.json'] ?? new Uint8Array()));
    expect(data.contact).toMatchObject({ id: contactId, name: 'Petra Private', email: 'petra.private@example.com' });
    expect(data.conversations.map((c: { id: string }) => c.id)).toEqual([conversationId]);

    await agent.getByRole('button', { name: 'Erase contact' }).click();
    const dialog = agent.getByRole('dialog', { name: 'Erase contact' });
    await dialog.waitFor();
    const confirm = dialog.getByRole('button', { name: 'Erase contact' });
    expect(await confirm.isDisabled()).toBe(true);
    await dialog.getByLabel(/Type their email/).fill('someone.else@example.com');
    expect(await confirm.isDisabled()).toBe(true);
    expect(await axeViolations(agent), 'erase dialog').toEqual([]);
    // Escape closes it and nothing is erased.
    await agent.keyboard.press('Escape');
    await dialog.waitFor({ state: 'detached' });
    expect((await env.api<{ id: string }>('GET', `/v1/contacts/${contactId}`)).id).toBe(contactId);

    await agent.getByRole('button', { name: 'Erase contact' }).click();
    await dialog.getByLabel(/Type their email/).fill('PETRA.private@example.com');
    await confirm.click();
    await agent.waitForURL(`${env.serverUrl}/console/contacts`);
    await agent
      .getByRole('status')
      .getByText(/^Contact erased: 1 conversation, \d+ messages and 0 files deleted\.$/)
      .waitFor();
    await agent.getByRole('heading', { name: 'Contacts', level: 1 }).waitFor();
    await expect.poll(() => agent.locator('table.contact-table').getByText('Petra Private').count()).toBe(0);
    expect(await axeViolations(agent), 'contacts list after an erasure').toEqual([]);
    await expect(env.api('GET', `/v1/contacts/${contactId}`)).rejects.toThrow(/404/);
  });

  it('the erase dialog accepts ERASE, and is axe-clean in the dark theme at 375 px', async () => {
    const { contactId } = await contactWithConversation(env, 'Dora Dark', 'dora.dark@example.com');
    const agent = await consoleAs(browser, env, DEMO_ADMIN);
    await agent.setViewportSize({ width: 375, height: 800 });
    await agent.emulateMedia({ colorScheme: 'dark' });
    await agent.goto(`${env.serverUrl}/console/contacts/${contactId}`);
    await agent.getByRole('heading', { name: 'Dora Dark', level: 1 }).waitFor();
    expect(await axeViolations(agent), 'contact page, dark, 375 px').toEqual([]);
    await agent.getByRole('button', { name: 'Erase contact' }).click();
    const dialog = agent.getByRole('dialog', { name: 'Erase contact' });
    await dialog.getByLabel(/Type their email/).fill('ERASE');
    expect(await axeViolations(agent), 'erase dialog, dark, 375 px').toEqual([]);
    await dialog.getByRole('button', { name: 'Erase contact' }).click();
    await agent.waitForURL(`${env.serverUrl}/console/contacts`);
    await expect(env.api('GET', `/v1/contacts/${contactId}`)).rejects.toThrow(/404/);
  });

  it('agents see no privacy buttons', async () => {
    const { contactId } = await contactWithConversation(env, 'Nora Agentview', 'nora.agentview@example.com');
    const password = 'agent-password-privacy-1';
    await env.api('POST', '/v1/agents', { email: 'privacy.agent@example.com', password, name: 'Priv Agent', role: 'agent' });
    const agent = await consoleAs(browser, env, { email: 'privacy.agent@example.com', password });
    await agent.goto(`${env.serverUrl}/console/contacts/${contactId}`);
    await agent.getByRole('heading', { name: 'Nora Agentview', level: 1 }).waitFor();
    expect(await agent.getByRole('button', { name: 'Erase contact' }).count()).toBe(0);
    expect(await agent.getByRole('link', { name: 'Export data' }).count()).toBe(0);
  });
});
