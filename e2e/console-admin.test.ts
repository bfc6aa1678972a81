import {
  axeViolations,
  consolePages,
  DEMO_ADMIN,
  loginThroughForm,
  openConsole,
  startConsoleE2e,
  type ConsoleDemo,
  type ConsoleE2e,
  type FreshServer,
} from '@parley/testkit';
import type { Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

describe('agent console: login, admin pages and accessibility (real Chromium, built server)', () => {
  let server: FreshServer;
  let browser: Browser;
  let demo: ConsoleDemo;
  let baseUrl: string;

  let e2e: ConsoleE2e | undefined;

  beforeAll(async () => {
    ({ server, browser, demo } = e2e = await startConsoleE2e());
    baseUrl = server.url;
  });
  afterAll(async () => {
    await e2e?.close();
  });

  it('says what to do when the password is wrong, then logs in with the fields labelled Email and Password', async () => {
    const context = await browser.newContext();
    const page = await context.newPage();
    await page.goto(`${baseUrl}/console/`);
    await page.getByLabel('Email').fill(DEMO_ADMIN.email);
    await page.getByLabel('Password').fill('not the password');
    await page.getByRole('button', { name: 'Log in' }).click();
    await expect.poll(() => page.getByRole('alert').textContent()).toContain('Check both and try again');
    await page.getByLabel('Password').fill(DEMO_ADMIN.password);
    await page.getByRole('button', { name: 'Log in' }).click();
    await page.getByRole('link', { name: 'Widgets' }).waitFor();
    // The session is the HttpOnly cookie: a reload stays logged in, logging out ends it.
    await page.reload();
    await page.getByRole('link', { name: 'Widgets' }).waitFor();
    await page.getByRole('button', { name: 'Log out' }).click();
    await page.getByLabel('Password').waitFor();
    expect((await page.request.get(`${baseUrl}/v1/auth/me`)).status()).toBe(401);
    await context.close();
  }, 120_000);

  it('loads under its Content-Security-Policy without a single violation', async () => {
    const page = await openConsole(browser, demo, { bypassCSP: false });
    const refused: string[] = [];
    page.on('console', (message) => {
      if (/Content Security Policy|Refused to/i.test(message.text())) refused.push(message.text());
    });
    for (const target of consolePages(demo).filter((p) => p.name !== 'conversation')) {
      await page.goto(`${baseUrl}${target.path}`);
      await page.getByText(target.ready).first().waitFor();
    }
    expect(refused).toEqual([]);
    await page.context().close();
  }, 120_000);

  it('has no axe-core violation on any console page, at 1280 px and at 375 px', async () => {
    for (const width of [1280, 375]) {
      const context = await browser.newContext({ bypassCSP: true, viewport: { width, height: 800 } });
      const page = await context.newPage();
      await page.goto(`${baseUrl}/console/`);
      await page.getByLabel('Email').waitFor();
      expect(await axeViolations(page), `login at ${width}px`).toEqual([]);
      await loginThroughForm(page, demo);
      for (const target of consolePages(demo).filter((p) => p.name !== 'conversation')) {
        await page.goto(`${baseUrl}${target.path}`);
        await page.getByText(target.ready).first().waitFor();
        expect(await axeViolations(page), `${target.name} at ${width}px`).toEqual([]);
      }
      await context.close();
    }
  }, 240_000);

  it('follows a dark OS setting without an axe violation, and keeps a theme chosen on the Account page across a reload', async () => {
    const dark = await browser.newContext({ bypassCSP: true, colorScheme: 'dark', viewport: { width: 1280, height: 800 } });
    const page = await dark.newPage();
    await page.goto(`${baseUrl}/console/`);
    await page.getByLabel('Email').waitFor();
    expect(await axeViolations(page), 'login, dark').toEqual([]);
    await loginThroughForm(page, demo);
    const background = () => page.evaluate(() => getComputedStyle(document.documentElement).backgroundColor);
    expect(await background()).toBe('rgb(15, 20, 26)');
    for (const target of consolePages(demo).filter((p) => ['conversation-rich', 'api-keys'].includes(p.name))) {
      await page.goto(`${baseUrl}${target.path}`);
      await page.getByText(target.ready).first().waitFor();
      expect(await axeViolations(page), `${target.name}, dark`).toEqual([]);
    }
    // Light chosen on a dark OS: stored in this browser, on <html> before the app renders after a reload.
    await page.goto(`${baseUrl}/console/account`);
    await page.getByRole('group', { name: 'Theme' }).getByRole('button', { name: 'Light' }).click();
    expect(await background()).toBe('rgb(245, 246, 248)');
    await page.reload();
    await page.getByRole('heading', { name: 'Appearance' }).waitFor();
    expect(await page.evaluate(() => document.documentElement.dataset['theme'])).toBe('light');
    expect(await background()).toBe('rgb(245, 246, 248)');
    await expect.poll(() => page.getByRole('button', { name: 'Light' }).getAttribute('aria-pressed')).toBe('true');
    await page.getByRole('button', { name: 'System' }).click();
    expect(await background()).toBe('rgb(15, 20, 26)');
    // System follows the OS while the page is open; a chosen theme does not.
    await page.emulateMedia({ colorScheme: 'light' });
    await expect.poll(background).toBe('rgb(245, 246, 248)');
    await page.getByRole('button', { name: 'Dark' }).click();
    expect(await background()).toBe('rgb(15, 20, 26)');
    await page.emulateMedia({ colorScheme: 'dark' });
    await page.emulateMedia({ colorScheme: 'light' });
    expect(await page.evaluate(() => document.documentElement.dataset['theme'])).toBe('dark');
    expect(await background()).toBe('rgb(15, 20, 26)');
    await dark.close();
  }, 120_000);

  it('edits a widget option from the form, saves it, and shows the embed code of each method', async () => {
    const page = await openConsole(browser, demo);
    await page.goto(`${baseUrl}/console/widgets/${demo.widgetId}`);
    await page.getByLabel('Title', { exact: true }).fill('Talk to ACME');
    await page.getByLabel('Primary color', { exact: true }).fill('#0f766e');
    await page.getByLabel('Layout').selectOption('inline');
    await page.getByLabel('Blueprint (shared options)').selectOption({ label: 'Brand defaults' });
    // The preview beside the form is the real widget with the unsaved values.
    await page.frameLocator('iframe[title="Widget preview (unsaved settings)"]').getByText('Talk to ACME').first().waitFor();
    await page.getByRole('button', { name: 'Save changes' }).click();
    await page.getByText('Saved.').waitFor();
    const widget = await (await page.request.get(`${baseUrl}/v1/widgets/${demo.widgetId}`)).json();
    expect(widget.title).toBe('Talk to ACME');
    expect(widget.layout).toBe('inline');
    expect(widget.effective.theme.primaryColor).toBe('#0f766e');
    expect(widget.blueprintId).toBe(demo.blueprintId);
    await page.getByRole('button', { name: 'Show identity secret' }).click();
    expect((await page.locator('code.secret').textContent())?.length).toBeGreaterThan(16);
    for (const method of ['Script tag', 'npm: mount()', 'iframe', 'Web component <parley-chat>']) {
      await page.getByRole('button', { name: `Copy the ${method} embed code` }).waitFor();
    }
    expect(await page.locator('.snippet pre').allTextContents()).toEqual(
      expect.arrayContaining([expect.stringContaining(`data-parley-widget="${demo.widgetId}"`), expect.stringContaining('<parley-chat')]),
    );
    // An invalid value is caught by the protocol's own schema before anything is sent.
    await page.getByLabel('Primary color', { exact: true }).fill('teal');
    await page.getByText('must be a hex color').first().waitFor();
    await page.context().close();
  }, 120_000);

  it('shows what an empty field means, says options in words, and keeps the field being edited above the save bar', async () => {
    for (const width of [1280, 375]) {
      const page = await openConsole(browser, demo, { width });
      await page.goto(`${baseUrl}/console/widgets/${demo.widgetId}`);
      // Empty texts show the built-in ones the widget will use.
      expect(await page.getByLabel('Intro', { exact: true }).getAttribute('placeholder')).toBe(
        'Hi! Ask us anything. We usually answer within minutes.',
      );
      expect(await page.getByLabel('Initial', { exact: true }).getAttribute('placeholder')).toBe('Hello! How can I help you today?');
      // Code names are said in words.
      const routing = page.getByLabel('Assign handed-off conversations');
      expect(await routing.locator('option').allTextContents()).toEqual([
        'Default (Round robin (take turns))',
        'Round robin (take turns)',
        'Least busy agent',
        'Manual (agents pick from the queue)',
      ]);
      expect(await page.locator('.editor-form').innerText()).not.toMatch(/round_robin|least_busy|\(inherit\)/);
      // The sticky save bar is a solid bar above the form: a label scrolled under it is hidden, never shows through
      // it (a see-through bar read as labels cut by a line); a field reached with the keyboard is not under it.
      const bar = page.locator('.save-bar');
      expect(await bar.evaluate((element) => getComputedStyle(element).backgroundColor)).toMatch(/^rgb\(/);
      for (const label of ['Title', 'Placeholder', 'Offset X (px)']) {
        await page.locator('#main').evaluate((main) => main.scrollTo(0, 0));
        const field = page.getByLabel(label, { exact: true });
        await field.focus();
        const labelBox = await page.locator(`label[for="${await field.getAttribute('id')}"]`).boundingBox();
        const barBox = await bar.boundingBox();
        expect(labelBox !== null && barBox !== null && labelBox.y + labelBox.height <= barBox.y, `${label} at ${width} px`).toBe(true);
      }
      await page.context().close();
    }
  }, 120_000);

  it('edits contact collection with choices, the JSON one click away', async () => {
    const page = await openConsole(browser, demo);
    await page.goto(`${baseUrl}/console/widgets/${demo.widgetId}`);
    await page.getByLabel('Ask for contact details').selectOption('before');
    await page.getByRole('group', { name: 'Fields to ask for' }).getByLabel('Name').check();
    await page.getByLabel('Required (the visitor cannot chat without them)').check();
    expect(await axeViolations(page), 'widget editor with contact collection').toEqual([]);
    const contact = page.getByRole('group', { name: 'Contact collection', exact: true });
    await contact.getByText('Edit as JSON').click();
    await expect.poll(() => contact.locator('.json-details textarea').inputValue()).toContain('"before"');
    await page.getByRole('button', { name: 'Save changes' }).click();
    await page.getByText('Saved.').waitFor();
    const widget = await (await page.request.get(`${baseUrl}/v1/widgets/${demo.widgetId}`)).json();
    expect(widget.contactCollection).toEqual({ when: 'before', fields: ['email', 'name'], required: true });
    // Back to never: the widget stores false.
    await page.getByLabel('Ask for contact details').selectOption('off');
    await page.getByRole('button', { name: 'Save changes' }).click();
    await expect
      .poll(async () => (await (await page.request.get(`${baseUrl}/v1/widgets/${demo.widgetId}`)).json()).contactCollection)
      .toBe(false);
    await page.context().close();
  }, 120_000);

  it('creates a widget and a blueprint from their list pages and opens each in the editor', async () => {
    const page = await openConsole(browser, demo);
    for (const [path, label, name] of [
      ['widgets', 'New widget name', 'Checkout help'],
      ['blueprints', 'New blueprint name', 'Dark theme'],
    ] as const) {
      await page.goto(`${baseUrl}/console/${path}`);
      await page.getByLabel(label).fill(name);
      await page.getByRole('button', { name: `Create ${path.slice(0, -1)}` }).click();
      await page.getByRole('heading', { name, level: 1 }).waitFor();
      expect(page.url()).toMatch(new RegExp(`/console/${path}/[a-z]+_`));
    }
    await page.context().close();
  }, 120_000);

  it('creates a webhook bot whose secret is write-only: the page says "set", never the value', async () => {
    const page = await openConsole(browser, demo);
    await page.goto(`${baseUrl}/console/bots`);
    await page.getByLabel('Kind').selectOption('webhook');
    await page.getByLabel('Name', { exact: true }).last().fill('Orders flow');
    await page.getByLabel('Url').fill('https://n8n.example.com/webhook/abc/chat');
    await page.getByLabel(/Signing secret/).fill('s3cret-value');
    await page.getByRole('button', { name: 'Create bot' }).click();
    await page.getByText('Orders flow').waitFor();
    const bots = await (await page.request.get(`${baseUrl}/v1/bots`)).json();
    const bot = bots.items.find((b: { name: string }) => b.name === 'Orders flow');
    expect(bot.secrets.signingSecret).toBe(true);
    await page.getByRole('listitem').filter({ hasText: 'Orders flow' }).getByRole('button', { name: 'Edit' }).click();
    await page.getByText('set', { exact: true }).first().waitFor();
    expect(await page.content()).not.toContain('s3cret-value');
    await page.context().close();
  }, 120_000);

  it('creates an API key, shows it once, and the key works against the management API', async () => {
    const page = await openConsole(browser, demo);
    await page.goto(`${baseUrl}/console/api-keys`);
    await page.getByLabel('New key name').fill('Zapier');
    await page.getByRole('button', { name: 'Create key' }).click();
    const key = (await page.getByTestId('new-key').textContent()) ?? '';
    const answer = await fetch(`${baseUrl}/v1/widgets`, { headers: { authorization: `Bearer ${key}` } });
    expect(answer.status).toBe(200);
    await page.getByRole('button', { name: 'I stored it' }).click();
    await page.reload();
    await page.getByText('Zapier').waitFor();
    expect(await page.content()).not.toContain(key);
    await page.context().close();
  }, 120_000);

  it('adds an agent and a team on the Agents & teams page', async () => {
    const page = await openConsole(browser, demo);
    await page.goto(`${baseUrl}/console/agents`);
    await page.getByLabel('New team').fill('Billing');
    await page.getByRole('button', { name: 'Add team' }).click();
    await page.getByText('Billing ·').waitFor();
    await page.getByLabel('Name', { exact: true }).fill('Lee Chen');
    await page.getByLabel('Agent email').fill('lee@example.com');
    await page.getByLabel('First password').fill('lee-password-1');
    await page.getByRole('button', { name: 'Add agent' }).click();
    await page.getByText('lee@example.com').waitFor();
    await page.getByLabel('Team of Lee Chen').selectOption({ label: 'Billing' });
    await expect
      .poll(
        async () =>
          (await (await page.request.get(`${baseUrl}/v1/agents`)).json()).items.find(
            (a: { email: string }) => a.email === 'lee@example.com',
          ).teamIds.length,
      )
      .toBe(1);
    await page.context().close();
  }, 120_000);

  it('shows an agent who is not an admin the inbox, the team’s canned responses and their account only', async () => {
    const context = await browser.newContext();
    const page = await context.newPage();
    await loginThroughForm(page, { baseUrl, adminEmail: 'sam@example.com', adminPassword: 'sam-password-1' });
    const nav = page.getByRole('navigation', { name: 'Console' });
    expect(await nav.getByRole('link').allTextContents()).toEqual(['Inbox', 'Contacts', 'Canned responses', 'Account']);
    await page.goto(`${baseUrl}/console/widgets`);
    await page.getByText('This page is for admins.').waitFor();
    await context.close();
  }, 120_000);

  it('is usable at 375 px: the menu opens the navigation and pages fit the width', async () => {
    const page = await openConsole(browser, demo, { width: 375 });
    await page.getByRole('button', { name: 'Menu' }).click();
    await page.getByRole('link', { name: 'API keys' }).click();
    await page.getByText('CRM sync').waitFor();
    const overflow = await page.evaluate(() => document.documentElement.scrollWidth - document.documentElement.clientWidth);
    expect(overflow).toBeLessThanOrEqual(0);
    await page.context().close();
  }, 120_000);
});
