import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Browser, Page } from 'playwright-core';
import { axeViolations, launchBrowser, startWidgetEnv, widget, type WidgetEnv } from '@parley/testkit';

/** The chrome extra: with attachments on, the composer's attach button is in it, so it loads when the chat opens. */
const CHROME_CHUNK = /\/widget\/[0-9a-f]{16}\/chrome\.js$/;

// A lazy chunk that does not arrive (a redeploy removed it, a flaky network): real Chromium, the request failed on purpose.
describe('a lazy extra that fails to load', { timeout: 60_000 }, () => {
  let env: WidgetEnv;
  let browser: Browser;
  beforeAll(async () => {
    [env, browser] = await Promise.all([startWidgetEnv(), launchBrowser()]);
    await env.admin('PATCH', `/v1/widgets/${env.widgetId}`, { attachments: true });
  });
  afterAll(async () => {
    await browser?.close();
    await env?.close();
  });

  /** Fails the chrome chunk's first `failures` requests, then lets them through; counts every request. */
  async function failChrome(page: Page, failures: number): Promise<{ requests: number }> {
    const seen = { requests: 0 };
    await page.route(CHROME_CHUNK, async (route) => {
      seen.requests += 1;
      if (seen.requests <= failures) await route.abort('connectionreset');
      else await route.continue();
    });
    return seen;
  }

  it('is tried again by itself, and the part shows once it arrives', async () => {
    const page = await browser.newPage();
    const seen = await failChrome(page, 1);
    await page.goto(`${env.serverUrl}/`);
    const ui = widget(page);
    await ui.launcher().click();
    await page.getByRole('button', { name: 'Attach a file' }).waitFor();
    expect(seen.requests).toBe(2);
    await expect(page.getByRole('alert').count()).resolves.toBe(0);
    await page.close();
  });

  it('says so with a Retry button after its tries, instead of a blank area, and Retry brings it', async () => {
    // axe is injected as an inline script, which the demo page's CSP refuses.
    const context = await browser.newContext({ bypassCSP: true, reducedMotion: 'reduce' });
    const page = await context.newPage();
    const seen = await failChrome(page, Infinity);
    await page.goto(`${env.serverUrl}/`);
    const ui = widget(page);
    await ui.launcher().click();
    // Each part of the extra on screen (header tools, composer tools) says it in its place; in a row of tools, as a
    // Retry chip whose name and tooltip hold the sentence.
    const lines = page.getByRole('alert').getByRole('button', { name: 'Something didn’t load. Retry' });
    await lines.first().waitFor();
    // Three tries (at once, after 1 s, after 3 s) before the line shows.
    expect(seen.requests).toBe(3);
    const shots = process.env['PARLEY_SHOT_DIR'];
    if (shots !== undefined) {
      for (const [width, scheme] of [
        [1280, 'light'],
        [375, 'dark'],
      ] as const) {
        await page.setViewportSize({ width, height: 720 });
        await page.emulateMedia({ colorScheme: scheme });
        await page.screenshot({ path: `${shots}/lazy-failed-${width}-${scheme}.png` });
      }
    }
    expect(await axeViolations(page, '[data-parley]')).toEqual([]);
    await page.unroute(CHROME_CHUNK);
    // One Retry brings the extra back for every part waiting on it.
    expect(await lines.count()).toBe(2);
    await lines.first().click();
    await page.getByRole('button', { name: 'Attach a file' }).waitFor();
    await expect(lines.count()).resolves.toBe(0);
    // The chat itself kept working throughout.
    await ui.send('pricing?');
    await ui.log().getByText('free to self-host').waitFor();
    await context.close();
  });
});
