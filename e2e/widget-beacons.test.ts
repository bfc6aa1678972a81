import { launchBrowser, startWidgetEnv, widget, type WidgetEnv } from '@parley/testkit';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

interface Figures {
  readonly widgetLoads: number;
  readonly widgetOpens: number;
}

// Real Chromium against the built server on a shared machine: generous time, never a timed assertion.
describe('the reports count widget loads and opens as they happen (issue 16)', { timeout: 120_000 }, () => {
  let env: WidgetEnv;
  let browser: Browser;
  beforeAll(async () => {
    [env, browser] = await Promise.all([startWidgetEnv(), launchBrowser()]);
  });
  afterAll(async () => {
    await browser?.close();
    await env?.close();
  });

  const figures = async (widgetId: string): Promise<Figures> => {
    const today = new Date().toISOString().slice(0, 10);
    const summary = await env.admin('GET', `/v1/reports/summary?from=${today}&to=${today}&widgetId=${widgetId}`);
    return { widgetLoads: Number(summary['widgetLoads']), widgetOpens: Number(summary['widgetOpens']) };
  };

  /** A tab of the visitor's browser (one context: the tabs share the chat), with the HTTP cache off so each page view asks the server. */
  const tab = async (context: BrowserContext, widgetId: string): Promise<{ page: Page; beacons: string[] }> => {
    const page = await context.newPage();
    const cdp = await context.newCDPSession(page);
    await cdp.send('Network.enable');
    await cdp.send('Network.setCacheDisabled', { cacheDisabled: true });
    const beacons: string[] = [];
    page.on('request', (request) => {
      if (request.url().endsWith(`/v1/widgets/${widgetId}/events`)) beacons.push(request.postData() ?? '');
    });
    await page.goto(`${env.hostUrl}/script-tag.html?widget=${widgetId}`);
    await widget(page).launcher().waitFor();
    return { page, beacons };
  };

  /** Lets the page run what a render scheduled (Preact runs effects after the next frame). */
  const settle = (page: Page): Promise<void> =>
    page.evaluate(() => new Promise<void>((done) => requestAnimationFrame(() => setTimeout(() => requestAnimationFrame(() => done())))));

  it('a page view is one load, an opening by the visitor one open; a tab following the open counts nothing', async () => {
    const demo = await env.admin('GET', `/v1/widgets/${env.widgetId}`);
    // Two languages: the header's language picker (the chrome extra, where the open beacon lives) shows in every open window.
    const { id: widgetId } = await env.admin('POST', '/v1/widgets', { name: 'Beacons', botId: demo['botId'], languages: ['en', 'fr'] });
    const context = await browser.newContext();

    const first = await tab(context, widgetId);
    await expect.poll(() => figures(widgetId)).toEqual({ widgetLoads: 1, widgetOpens: 0 });
    const second = await tab(context, widgetId);
    await expect.poll(() => figures(widgetId)).toEqual({ widgetLoads: 2, widgetOpens: 0 });
    // As a visitor has it: the first tab in front and focused, the second behind it (Playwright makes every page
    // look focused unless told not to).
    await (await context.newCDPSession(second.page)).send('Emulation.setFocusEmulationEnabled', { enabled: false });
    await first.page.bringToFront();

    // The visitor opens the chat in the first tab: the second follows it open, and only the first tells the server.
    await widget(first.page).launcher().click();
    await first.page.getByRole('combobox', { name: 'Language' }).waitFor();
    await second.page.getByRole('combobox', { name: 'Language' }).waitFor();
    await settle(second.page);
    await expect.poll(() => figures(widgetId)).toEqual({ widgetLoads: 2, widgetOpens: 1 });
    expect(first.beacons).toEqual(['{"type":"widget_opened"}']);
    expect(second.beacons).toEqual([]);

    // Closed and opened again: one more open, still none from the tab that follows.
    await first.page.getByRole('button', { name: 'Close chat' }).first().click();
    await second.page.getByRole('dialog').waitFor({ state: 'detached' });
    await widget(first.page).launcher().click();
    await second.page.getByRole('combobox', { name: 'Language' }).waitFor();
    await settle(second.page);
    await expect.poll(() => figures(widgetId)).toEqual({ widgetLoads: 2, widgetOpens: 2 });
    expect(first.beacons).toHaveLength(2);
    expect(second.beacons).toEqual([]);

    await context.close();
  });
});
