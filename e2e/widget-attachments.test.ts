import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Browser } from 'playwright-core';
import { launchBrowser, startWidgetEnv, widget, type WidgetEnv } from '@parley/testkit';

/** The smallest valid PNG: one transparent pixel. */
const PIXEL = Buffer.from('iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAQAAAC1HAwCAAAAC0lEQVR42mNkYAAAAAYAAjCB0C8AAAAASUVORK5CYII=', 'base64');

// Real Chromium against a real server on a shared machine: generous time, never a timed assertion.
describe('attachments in the widget', { timeout: 60_000 }, () => {
  let env: WidgetEnv;
  let browser: Browser;
  beforeAll(async () => {
    [env, browser] = await Promise.all([startWidgetEnv(), launchBrowser()]);
    const demo = await env.admin('GET', `/v1/widgets/${env.widgetId}`);
    const files = await env.admin('POST', '/v1/widgets', { name: 'Files', botId: demo['botId'], attachments: true });
    env.fill.set('WIDGET', files.id);
  });
  afterAll(async () => {
    await browser?.close();
    await env?.close();
  });

  it('uploads a picked image into the conversation and shows it inline, before any message was typed', async () => {
    const page = await browser.newPage();
    await page.goto(`${env.hostUrl}/script-tag.html`);
    await widget(page).launcher().click();
    await widget(page).fileInput().setInputFiles({ name: 'pixel.png', mimeType: 'image/png', buffer: PIXEL });
    const image = widget(page).log().getByRole('img', { name: 'pixel.png' });
    await image.waitFor();
    await expect(image.getAttribute('src')).resolves.toMatch(new RegExp(`^${env.serverUrl}/files/`));
    await expect.poll(() => image.evaluate((element) => (element as HTMLImageElement).naturalWidth)).toBe(1);
    await page.close();
  });

  it('says clearly when a file is too large or of a type that cannot be sent, and sends nothing', async () => {
    const page = await browser.newPage();
    await page.goto(`${env.hostUrl}/script-tag.html`);
    await widget(page).launcher().click();
    const input = widget(page).fileInput();
    await input.setInputFiles({ name: 'big.pdf', mimeType: 'application/pdf', buffer: Buffer.alloc(11 * 1024 * 1024, 1) });
    await widget(page).log().getByText('This file is too large (at most 10 MB).').waitFor();
    await input.setInputFiles({ name: 'tool.exe', mimeType: 'application/x-msdownload', buffer: Buffer.from('MZ') });
    await widget(page).log().getByText('This type of file cannot be sent.').waitFor();
    await expect(widget(page).log().locator('img').count()).resolves.toBe(0);
    await page.close();
  });

  it('lets the server have the last word on the type: a PNG name on a text of markup is refused', async () => {
    const page = await browser.newPage();
    await page.goto(`${env.hostUrl}/script-tag.html`);
    await widget(page).launcher().click();
    await widget(page)
      .fileInput()
      .setInputFiles({ name: 'cat.png', mimeType: 'image/png', buffer: Buffer.from('<svg onload=alert(1)>') });
    await widget(page).log().getByText('This type of file cannot be sent.').waitFor();
    await page.close();
  });
});
