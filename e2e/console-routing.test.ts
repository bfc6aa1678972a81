import { existsSync } from 'node:fs';
import { resolve } from 'node:path';
import {
  axeViolations,
  CONSOLE_ADMIN_ENV,
  DEMO_ADMIN,
  launchBrowser,
  openConsole,
  SERVER_MAIN,
  startFreshServer,
  type FreshServer,
} from '@parley/testkit';
import type { Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

const CONSOLE_BUILD = resolve(import.meta.dirname, '../packages/console/dist-browser/index.html');

// Real Chromium against the built server: a routing rule built in the console routes a visitor's first message.
describe('widget routing rules from the console', { timeout: 120_000 }, () => {
  let server: FreshServer;
  let browser: Browser;
  let token: string;
  const api = async <T = Record<string, unknown>>(method: string, path: string, body?: unknown, bearer = token): Promise<T> => {
    const response = await fetch(`${server.url}${path}`, {
      method,
      headers: { authorization: `Bearer ${bearer}`, ...(body === undefined ? {} : { 'content-type': 'application/json' }) },
      ...(body === undefined ? {} : { body: JSON.stringify(body) }),
    });
    const text = await response.text();
    if (!response.ok) throw new Error(`${method} ${path}: ${response.status} ${text}`);
    return (text === '' ? undefined : JSON.parse(text)) as T;
  };

  beforeAll(async () => {
    expect(existsSync(SERVER_MAIN) && existsSync(CONSOLE_BUILD), 'run `npm run build` first').toBe(true);
    [server, browser] = await Promise.all([startFreshServer(CONSOLE_ADMIN_ENV), launchBrowser()]);
    token = (await api<{ token: string }>('POST', '/v1/auth/login', DEMO_ADMIN, '')).token;
  }, 60_000);
  afterAll(async () => {
    await browser?.close();
    await server?.close();
  });

  it('builds a rule in the widget editor, tests it, saves it; "I want a refund" then lands in Billing with the timeline line', async () => {
    const billing = await api<{ id: string }>('POST', '/v1/teams', { name: 'Billing' });
    const page = await openConsole(browser, { baseUrl: server.url, adminEmail: DEMO_ADMIN.email, adminPassword: DEMO_ADMIN.password });
    await page.goto(`${server.url}/console/widgets/${server.demoWidgetId}`);
    const rules = page.getByRole('group', { name: 'Routing rules' });
    await rules.getByRole('button', { name: 'Add a rule' }).click();
    const rule = rules.getByRole('group', { name: /^Rule 1/ });
    await rule.getByLabel('Name', { exact: true }).fill('refunds');
    await rule.getByLabel('Add a condition').selectOption({ label: 'Message contains any of' });
    await rule.getByRole('textbox', { name: 'Message contains any of' }).fill('refund, money back');
    await rule.getByLabel('Route to team').selectOption({ label: 'Billing' });
    await rule.getByLabel('Priority').selectOption('high');
    // An invalid regex is refused inline, by the protocol's own schema, before anything is sent.
    await rule.getByLabel('Add a condition').selectOption({ label: 'Message matches regex' });
    await rule.getByRole('textbox', { name: 'Message matches regex' }).fill('(a+)+');
    await rule.getByText('must not repeat a group that holds a repetition').waitFor();
    expect(await axeViolations(page), 'routing rules editor with an error').toEqual([]);
    await rule.getByRole('button', { name: 'Remove condition: Message matches regex' }).click();

    // The dry run tries the rules on screen before they are saved.
    await rules.getByLabel('Visitor’s first message').fill('I want a refund');
    await rules.getByRole('button', { name: 'Test', exact: true }).click();
    // Polled as text, so that a failure says what the tester answered instead (twice it timed out on a loaded CI machine).
    await expect
      .poll(() => rules.getByRole('status').textContent(), { timeout: 60_000 })
      .toBe('Matches rule 1 “refunds”: team Billing, priority high, the bot answers.');
    expect(await axeViolations(page), 'routing rules editor with a test answer').toEqual([]);
    await page.getByRole('button', { name: 'Save changes' }).click();
    await page.getByText('Saved.').waitFor();
    const saved = await api<{ routingRules: unknown[] }>('GET', `/v1/widgets/${server.demoWidgetId}`);
    expect(saved.routingRules).toEqual([
      { name: 'refunds', conditions: { textContains: ['refund', 'money back'] }, action: { teamId: billing.id, priority: 'high' } },
    ]);

    // A visitor's first message: the conversation joins Billing, and its timeline says which rule did it.
    const session = await api<{ token: string; conversationId: string }>('POST', `/v1/widgets/${server.demoWidgetId}/sessions`, {}, '');
    await api('POST', `/v1/conversations/${session.conversationId}/messages`, { text: 'I want a refund' }, session.token);
    await expect
      .poll(
        async () =>
          (await api<{ conversation: { teamId: string | null } }>('GET', `/v1/inbox/${session.conversationId}`)).conversation.teamId,
      )
      .toBe(billing.id);
    await page.goto(`${server.url}/console/inbox/${session.conversationId}`);
    await page.getByText('Routed to Billing by rule “refunds” (priority high)').waitFor();
    // Its row in the list (the bot still has it: pending) says it is high priority.
    await page.getByLabel('Status', { exact: true }).selectOption('pending');
    await page.locator(`a[href$="/inbox/${session.conversationId}"]`).getByText('High priority').waitFor();
  });
});
