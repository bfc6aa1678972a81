import { mkdtempSync, rmSync } from 'node:fs';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildApp, loadConfig, type Parley } from '@parley/server';
import { launchBrowser } from '@parley/testkit';

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
    const violations: string[] = [];
    page.on('console', (message) => {
      if (/Content Security Policy/i.test(message.text())) violations.push(message.text());
    });
    await page.goto(`${baseUrl}/docs`);
    await page.locator('.info .title', { hasText: 'Parley API' }).waitFor({ timeout: 15_000 });
    await page.locator('.opblock').first().waitFor({ timeout: 15_000 });
    expect(await page.locator('.opblock').count()).toBeGreaterThan(20);
    expect(violations).toEqual([]);
    await page.close();
  }, 60_000);
});
