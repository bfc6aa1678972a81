import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Browser } from 'playwright-core';
import { launchBrowser, startWidgetEnv, widget, type WidgetEnv } from '@parley/testkit';

// Real Chromium against a real server on a shared machine: generous time, never a timed assertion.
describe('the demo page of a started server', { timeout: 60_000 }, () => {
  let env: WidgetEnv;
  let browser: Browser;
  beforeAll(async () => {
    [env, browser] = await Promise.all([startWidgetEnv(), launchBrowser()]);
  });
  afterAll(async () => {
    await browser?.close();
    await env?.close();
  });

  it('shows the floating widget talking to the built-in bot, under the page strict CSP, without errors', async () => {
    const page = await browser.newPage();
    const problems: string[] = [];
    page.on('pageerror', (error) => problems.push(error.message));
    page.on('console', (message) => {
      if (message.type() === 'error' && !message.text().includes('favicon')) problems.push(message.text());
    });
    await page.goto(`${env.serverUrl}/`);
    const ui = widget(page);
    await ui.launcher().click();
    await expect(ui.window().isVisible()).resolves.toBe(true);
    await ui.send('pricing?');
    await ui.log().getByText('free to self-host').waitFor();
    await ui.log().getByText('Hello! How can I help you today?').waitFor();
    // The only failed request allowed is the page's favicon (the demo page has none).
    expect(problems.filter((text) => !text.includes('404'))).toEqual([]);
    await page.close();
  });

  it('downloads only the loader and the core for a chat; an extra such as the emoji picker comes when first used', async () => {
    const page = await browser.newPage();
    const scripts: string[] = [];
    page.on('request', (request) => {
      if (request.resourceType() === 'script') scripts.push(new URL(request.url()).pathname);
    });
    await page.goto(`${env.serverUrl}/`);
    await widget(page).launcher().click();
    await widget(page).send('pricing?');
    await widget(page).log().getByText('free to self-host').waitFor();
    // The loader, the app and its shared chunks; no extra (emoji, math, voice, rich content, uploads, desk, direct,
    // iframe, the SSE/poll fallback) — except the chrome extra: the demo widget offers export and restart, whose header
    // buttons it draws once there is a conversation to export (8600d20 moved them out of the core).
    // Chunks live in the build's directory (/widget/<build hash>/app.js); shared ones are numbered (chunk-1.js).
    const names = scripts.map((path) => path.replace(/^\/widget\/[0-9a-f]{16}\/(.+?)(-\d+)?\.js$/, '/widget/$1'));
    expect(names).toContain('/widget.js');
    expect(names).toContain('/widget/app');
    expect(names.filter((name) => !['/widget.js', '/widget/app', '/widget/chunk', '/widget/chrome'].includes(name))).toEqual([]);
    await page.getByRole('button', { name: 'Insert emoji' }).click();
    await page.getByRole('button', { name: '👍' }).click();
    await expect(widget(page).composer().inputValue()).resolves.toBe('👍');
    expect(scripts.some((path) => /^\/widget\/[0-9a-f]{16}\/emoji\.js$/.test(path))).toBe(true);
    await page.close();
  });
});
