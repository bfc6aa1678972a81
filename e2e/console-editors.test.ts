import { existsSync } from 'node:fs';
import { resolve } from 'node:path';
import {
  CONSOLE_ADMIN_ENV,
  launchBrowser,
  openConsole,
  SERVER_MAIN,
  seedConsoleDemo,
  startFreshServer,
  type ConsoleDemo,
  type FreshServer,
} from '@parley/testkit';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

const CONSOLE_BUILD = resolve(import.meta.dirname, '../packages/console/dist-browser/index.html');

describe('console editors: the real widget as preview, and tools, hours and FAQ rules without JSON (real Chromium)', () => {
  let server: FreshServer;
  let browser: Browser;
  let demo: ConsoleDemo;
  let page: Page;

  beforeAll(async () => {
    expect(existsSync(SERVER_MAIN) && existsSync(CONSOLE_BUILD), 'run `npm run build` first (npm test does)').toBe(true);
    [server, browser] = await Promise.all([startFreshServer(CONSOLE_ADMIN_ENV), launchBrowser()]);
    demo = await seedConsoleDemo(server.url);
    page = await openConsole(browser, demo, { bypassCSP: false });
  }, 120_000);
  afterAll(async () => {
    await browser?.close();
    await server?.close();
  });

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
  }, 60_000);
});
