import { mkdtempSync, rmSync } from 'node:fs';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildApp, loadConfig, type Parley } from '@parley/server';
import { axeViolations, launchBrowser } from '@parley/testkit';

/**
 * Opens /docs and waits until Swagger UI drew the operations; returns the Content-Security-Policy
 * violations the page reports, which keep coming in (the caller reads them after its checks).
 */
async function openDocs(page: Page, baseUrl: string): Promise<string[]> {
  const violations: string[] = [];
  page.on('console', (message) => {
    if (/Content Security Policy/i.test(message.text())) violations.push(message.text());
  });
  await page.goto(`${baseUrl}/docs`);
  await page.locator('.info .title', { hasText: 'Parley API' }).waitFor({ timeout: 60_000 });
  await page.locator('.opblock').first().waitFor({ timeout: 60_000 });
  return violations;
}

describe('the API reference at /docs', () => {
  const dataDir = mkdtempSync(join(tmpdir(), 'parley-docs-'));
  let parley: Parley;
  let browser: Browser;
  let baseUrl: string;
  beforeAll(async () => {
    parley = await buildApp(loadConfig({ PARLEY_DATA_DIR: dataDir, PARLEY_LOG_LEVEL: 'silent' }), { logger: false });
    await parley.app.listen({ port: 0, host: '127.0.0.1' });
    baseUrl = `http://127.0.0.1:${(parley.app.server.address() as AddressInfo).port}`;
    browser = await launchBrowser();
  });
  afterAll(async () => {
    await browser?.close();
    await parley?.app.close();
    rmSync(dataDir, { recursive: true, force: true });
  });

  it('is served with a Content-Security-Policy that allows no inline script', async () => {
    const response = await fetch(`${baseUrl}/docs`);
    expect(response.headers.get('content-type')).toContain('text/html');
    const policy = response.headers.get('content-security-policy') ?? '';
    expect(policy).toContain("script-src 'self'");
    expect(policy).toContain("frame-ancestors 'none'");
    expect(policy).not.toMatch(/script-src[^;]*'unsafe-inline'/);
  });

  it('still renders the operations in Chromium, with no policy violation', async () => {
    const page = await browser.newPage();
    const violations = await openDocs(page, baseUrl);
    expect(await page.locator('.opblock').count()).toBeGreaterThan(20);
    expect(violations).toEqual([]);
    await page.close();
  }, 180_000);

  it('reads on a phone at its width, opens on widgets, visitor sessions and bots, and wears Parley’s name and colours', async () => {
    // isMobile: Chromium lays a page without a viewport tag out at 980 px and shrinks it (about 8 px text).
    const context = await browser.newContext({ viewport: { width: 375, height: 800 }, isMobile: true, hasTouch: true });
    const page = await context.newPage();
    const violations = await openDocs(page, baseUrl);
    expect(await page.evaluate(() => window.innerWidth)).toBe(375);
    const fontSize = await page
      .locator('.opblock-summary-description')
      .first()
      .evaluate((element) => parseFloat(getComputedStyle(element).fontSize));
    expect(fontSize).toBeGreaterThanOrEqual(13);
    // The sections a site owner needs first come first.
    const tags = await page.locator('.opblock-tag').evaluateAll((elements) => elements.map((element) => element.getAttribute('data-tag')));
    expect(tags.slice(0, 4)).toEqual(['widgets', 'widget versions', 'visitor', 'bots']);
    expect(tags.at(-1)).toBe('operations');
    expect(await page.title()).toBe('Parley API reference');
    const topbar = await page.locator('.swagger-ui .topbar').evaluate((element) => getComputedStyle(element).backgroundColor);
    expect(topbar).toBe('rgb(20, 26, 35)');
    // Swagger UI's dark-mode switch shares the bar's one row with the Parley mark (it had a row of its own).
    const [mark, toggle, bar] = await Promise.all(
      ['.topbar a.link', '.topbar .dark-mode-toggle', '.swagger-ui .topbar'].map((selector) => page.locator(selector).boundingBox()),
    );
    expect(toggle!.y).toBeLessThan(mark!.y + mark!.height);
    expect(toggle!.x).toBeGreaterThanOrEqual(mark!.x + mark!.width);
    expect(bar!.height).toBeLessThanOrEqual(64);
    // Nothing runs off the right edge of the phone.
    expect(await page.evaluate(() => document.documentElement.scrollWidth)).toBeLessThanOrEqual(375);
    expect(violations).toEqual([]);
    await context.close();
  }, 180_000);

  it('names the dark-mode switch and says whether it is on, names the logo, with no axe violation in the top bar', async () => {
    const page = await browser.newPage();
    const violations = await openDocs(page, baseUrl);
    const toggle = page.getByRole('button', { name: 'Dark mode' });
    await expect.poll(() => toggle.getAttribute('aria-pressed')).toBe('false');
    await toggle.click();
    await expect.poll(() => toggle.getAttribute('aria-pressed')).toBe('true');
    expect(await page.evaluate(() => document.documentElement.classList.contains('dark-mode'))).toBe(true);
    await page.getByRole('img', { name: 'Parley API' }).waitFor();
    expect(violations).toEqual([]);
    await page.close();
    // axe runs as an inline script, which the page's policy refuses: a context that bypasses it.
    const audit = await browser.newContext({ bypassCSP: true });
    const audited = await audit.newPage();
    await openDocs(audited, baseUrl);
    await audited.getByRole('button', { name: 'Dark mode' }).waitFor();
    expect(await axeViolations(audited, '.swagger-ui .topbar')).toEqual([]);
    await audit.close();
  }, 180_000);
});
