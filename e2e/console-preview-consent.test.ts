import { axeViolations, openConsole, startConsoleE2e, type ConsoleDemo, type ConsoleE2e, type FreshServer } from '@parley/testkit';
import type { Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

const CONSENT_TEXT = 'This chat stores your messages and the details you give us so that we can answer you. Do you agree?';

// Real Chromium against the built server and console; never a timed assertion.
describe('the console’s live preview of a widget that asks for consent (issue 18)', { timeout: 180_000 }, () => {
  let server: FreshServer;
  let browser: Browser;
  let demo: ConsoleDemo;
  let e2e: ConsoleE2e | undefined;

  beforeAll(async () => {
    ({ server, browser, demo } = e2e = await startConsoleE2e());
    const patched = await fetch(`${server.url}/v1/widgets/${demo.widgetId}`, {
      method: 'PATCH',
      headers: { authorization: `Bearer ${demo.token}`, 'content-type': 'application/json' },
      body: JSON.stringify({ privacy: { consent: true, consentVersion: 'preview-1' } }),
    });
    expect(patched.status).toBe(200);
  }, 120_000);
  afterAll(() => e2e?.close());

  for (const { width, scheme } of [
    { width: 1280, scheme: 'light' },
    { width: 375, scheme: 'dark' },
  ] as const) {
    it(`accepts in the preview without recording a consent on the server, then shows the sample chat (${width} px, ${scheme})`, async () => {
      const page = await openConsole(browser, demo, { width });
      await page.emulateMedia({ colorScheme: scheme });
      const toServer: string[] = [];
      page.on('request', (request) => {
        if (/\/consent|\/sessions/.test(request.url())) toServer.push(`${request.method()} ${request.url()}`);
      });
      await page.goto(`${server.url}/console/widgets/${demo.widgetId}`);
      const frame = page.frameLocator('iframe[title="Widget preview (unsaved settings)"]');
      // The preview shows the gate, as a visitor would see it.
      await frame.getByText(CONSENT_TEXT).waitFor();
      expect(await frame.getByText('Do you ship to Canada?').count()).toBe(0);
      await page.locator('iframe[title="Widget preview (unsaved settings)"]').scrollIntoViewIfNeeded();

      // By keyboard: the preview frame is scaled into its column, where a pointer click's coordinates may miss.
      await frame.getByRole('button', { name: 'Accept' }).press('Enter');
      // Accept opens the sample conversation; no failure note (before, the record was posted from the frame's
      // 'null' origin and refused, and the gate stayed with "could not…").
      await frame.getByText('Do you ship to Canada?').waitFor();
      expect(await frame.getByText(CONSENT_TEXT).count()).toBe(0);
      expect(await frame.getByRole('alert').count()).toBe(0);
      await frame.getByRole('textbox').first().waitFor();
      // A preview is nobody's consent: nothing was recorded, and no session was opened.
      expect(toServer).toEqual([]);
      expect(await axeViolations(page), `editor with the accepted preview, ${width} px ${scheme}`).toEqual([]);
      await page.close();
    });
  }
});
