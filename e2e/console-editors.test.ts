import {
  addSaturdayHours,
  addTool,
  axeViolations,
  openConsole,
  startConsoleE2e,
  type ConsoleDemo,
  type ConsoleE2e,
  type FreshServer,
} from '@parley/testkit';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

describe('console editors: the real widget as preview, and tools, hours and FAQ rules without JSON (real Chromium)', () => {
  let server: FreshServer;
  let browser: Browser;
  let demo: ConsoleDemo;
  /** Under the console's real Content-Security-Policy. */
  let page: Page;
  /** The same admin, CSP bypassed so that axe-core can be injected. */
  let audited: Page;
  let e2e: ConsoleE2e | undefined;

  beforeAll(async () => {
    ({ server, browser, demo } = e2e = await startConsoleE2e());
    [page, audited] = await Promise.all([openConsole(browser, demo, { bypassCSP: false }), openConsole(browser, demo)]);
  }, 120_000);
  afterAll(() => e2e?.close());

  const widget = async () =>
    (await (await page.request.get(`${server.url}/v1/widgets/${demo.widgetId}`)).json()) as Record<string, unknown>;

  it('previews the real widget with an unsaved title and colour, without a session or a CSP violation', async () => {
    const refused: string[] = [];
    page.on('console', (message) => {
      if (/Content Security Policy|Refused to/i.test(message.text())) refused.push(message.text());
    });
    const sessions: string[] = [];
    page.on('request', (request) => {
      if (/\/sessions|\/config/.test(request.url())) sessions.push(request.url());
    });
    await page.goto(`${server.url}/console/widgets/${demo.widgetId}`);
    await page.getByLabel('Title', { exact: true }).fill('Preview of ACME');
    await page.getByLabel('Primary color', { exact: true }).fill('#b91c1c');
    const frame = page.frameLocator('iframe[title="Widget preview (unsaved settings)"]');
    await frame.getByText('Preview of ACME').first().waitFor();
    await frame.getByText('Do you ship to Canada?').waitFor();
    // The widget's header is painted with the unsaved primary colour.
    const header = frame.locator('.head').first();
    await expect.poll(() => header.evaluate((element) => getComputedStyle(element).backgroundColor)).toBe('rgb(185, 28, 28)');
    expect(sessions).toEqual([]);
    expect(refused).toEqual([]);
    expect((await widget())['title']).not.toBe('Preview of ACME');
  }, 120_000);

  it('edits tools and business hours in rows, refuses an invalid URL inline, saves, and shows the values after a reload', async () => {
    await page.goto(`${server.url}/console/widgets/${demo.widgetId}`);
    const tools = page.getByRole('group', { name: 'Tools the bot may call' });
    await addTool(tools, { name: 'lookup_order', url: 'http://tools.example.com/order', description: 'Looks up an order by its number' });
    await tools.getByText('must be an https:// URL').waitFor();
    await page.getByRole('button', { name: 'Save changes' }).click();
    await page.getByText('Some options are not valid').waitFor();
    expect((await widget())['tools']).toBeUndefined();
    await tools.getByLabel('URL').fill('https://tools.example.com/order');

    const hours = page.getByRole('group', { name: 'Business hours' });
    await addSaturdayHours(hours);
    await hours.getByRole('button', { name: 'Move opening range 2 up' }).click();
    // The JSON is the same value, and editing it moves the rows.
    await hours.getByText('Edit as JSON').click();
    await expect.poll(() => hours.getByLabel('JSON').inputValue()).toContain('"Europe/Paris"');
    const json = JSON.parse(await hours.getByLabel('JSON').inputValue()) as { hours: { from: string }[] };
    expect(json.hours.map((range) => range.from)).toEqual(['10:00', '09:00']);

    // A cap that may be off is a number field (empty: no cap), not a JSON box holding null.
    await page.getByLabel('Per conversation').fill('50');
    await page.getByRole('button', { name: 'Save changes' }).click();
    await page.getByText('Saved.').waitFor();
    const saved = await widget();
    expect(saved['botTurnLimit']).toMatchObject({ perConversation: 50 });
    expect(saved['tools']).toEqual([
      { name: 'lookup_order', description: 'Looks up an order by its number', url: 'https://tools.example.com/order' },
    ]);
    expect(saved['businessHours']).toEqual({
      timezone: 'Europe/Paris',
      hours: [
        { days: ['sat'], from: '10:00', to: '14:00' },
        { days: ['mon', 'tue', 'wed', 'thu', 'fri'], from: '09:00', to: '17:00' },
      ],
    });
    // Loaded again (in the other page, which also runs axe on it): the rows show what was saved.
    await audited.goto(`${server.url}/console/widgets/${demo.widgetId}`);
    const hoursAgain = audited.getByRole('group', { name: 'Business hours' });
    await expect
      .poll(() => audited.getByRole('group', { name: 'Tools the bot may call' }).getByLabel('Name').inputValue())
      .toBe('lookup_order');
    await expect.poll(() => hoursAgain.getByLabel('Time zone').inputValue()).toBe('Europe/Paris');
    await expect.poll(() => hoursAgain.getByLabel('Opens').first().inputValue()).toBe('10:00');
    expect(await axeViolations(audited), 'widget editor with rows').toEqual([]);
  }, 120_000);

  it("edits the built-in bot's FAQ rules, tests a question with the bot's own matching, refuses an empty answer, and saves", async () => {
    // The demo bot's row (the "New bot" form below holds a rules editor of its own).
    const demoBot = (on: Page) => on.locator('li.list-row').filter({ hasText: 'Built-in FAQ bot' }).first();
    await page.goto(`${server.url}/console/bots`);
    await demoBot(page).getByRole('button', { name: 'Edit' }).click();
    const rules = demoBot(page).getByRole('group', { name: 'FAQ rules' });
    const test = rules.getByLabel('Test a question');
    await test.fill('Is this open source?');
    // The demo FAQ's licence rule answers, not its opening-hours rule that lists "open".
    await expect.poll(() => rules.getByRole('status').textContent()).toMatch(/^Rule \d+ answers: .*(MIT|licen|open source)/i);
    const count = await rules.getByRole('button', { name: /^Remove rule/ }).count();
    await rules.getByRole('button', { name: 'Add a rule' }).click();
    await rules.getByLabel('Keywords (comma-separated)').last().fill('refund, money back');
    await rules.getByText('must not be empty').waitFor();
    await page.getByRole('button', { name: 'Save bot' }).click();
    await page.getByText('Not saved').waitFor();
    await rules.getByLabel('Answer (Markdown)').last().fill('**Refunds** take 5 days.');
    await test.fill('Can I get my money back?');
    await expect.poll(() => rules.getByRole('status').textContent()).toBe(`Rule ${count + 1} answers: “**Refunds** take 5 days.”`);
    await rules.getByRole('button', { name: `Move rule ${count + 1} up` }).click();
    await expect.poll(() => rules.getByRole('status').textContent()).toBe(`Rule ${count} answers: “**Refunds** take 5 days.”`);
    await page.getByRole('button', { name: 'Save bot' }).click();
    await page.getByText('Saved.').waitFor();

    // Loaded again (in the other page, which also runs axe on it): the rule is there, in its place.
    await audited.goto(`${server.url}/console/bots`);
    await demoBot(audited).getByRole('button', { name: 'Edit' }).click();
    const reloaded = demoBot(audited).getByRole('group', { name: 'FAQ rules' });
    const keywords = reloaded.getByLabel('Keywords (comma-separated)').nth(count - 1);
    await expect.poll(() => keywords.inputValue()).toBe('refund, money back');
    await reloaded.getByText('Edit as JSON').click();
    await expect.poll(() => reloaded.getByLabel('JSON').inputValue()).toContain('"**Refunds** take 5 days."');
    await reloaded.getByLabel('Test a question').fill('hours?');
    expect(await axeViolations(audited), 'bot form with FAQ rules').toEqual([]);
  }, 120_000);
});
