import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Browser } from 'playwright-core';
import { axeViolations, launchBrowser, startWidgetEnv, widget, type WidgetEnv } from '@parley/testkit';

// Real Chromium against a real server whose visitors may send two messages a minute: never a timed assertion.
describe('volume limits in the browser', { timeout: 60_000 }, () => {
  let env: WidgetEnv;
  let browser: Browser;
  beforeAll(async () => {
    [env, browser] = await Promise.all([startWidgetEnv({ PARLEY_LIMIT_MESSAGES_PER_SESSION: '2/1m' }), launchBrowser()]);
  });
  afterAll(async () => {
    await browser?.close();
    await env?.close();
  });

  it('says "You are sending messages too fast. Try again in N s." under a message the server refused for its rate, never silently', async () => {
    // axe-core is injected as an inline script, which the host page's strict CSP would refuse.
    const page = await (await browser.newContext({ bypassCSP: true, reducedMotion: 'reduce' })).newPage();
    await page.goto(`${env.hostUrl}/script-tag.html`);
    await widget(page).launcher().click();
    await widget(page).send('pricing?');
    await widget(page).log().getByText('free to self-host').waitFor();
    await widget(page).send('what are your hours?');
    await widget(page).log().getByText('Monday to Friday').waitFor();
    await widget(page).send('and the licence?');
    const notice = widget(page)
      .log()
      .getByText(/You are sending messages too fast\. Try again in \d+\ss\./);
    await notice.waitFor();
    const seconds = Number(/in (\d+)\ss/.exec((await notice.textContent()) ?? '')?.[1]);
    expect(seconds).toBeGreaterThanOrEqual(1);
    expect(seconds).toBeLessThanOrEqual(60);
    // The refused message stays in its bubble, marked failed, with Retry; the bot did not answer it.
    await expect(widget(page).log().locator('.row.me.failed').getByText('and the licence?').count()).resolves.toBe(1);
    await expect(widget(page).log().getByText('open source under the MIT licence').count()).resolves.toBe(0);
    expect(await axeViolations(page)).toEqual([]);
    await page.close();
  });
});
