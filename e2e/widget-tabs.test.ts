import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Browser } from 'playwright-core';
import { launchBrowser, startWidgetEnv, widget, type WidgetEnv } from '@parley/testkit';
import { countRealtimeSockets, recordRealtimeSockets } from './support/widget-page.js';

// Real Chromium against a real server on a shared machine: generous time, never a timed assertion.
describe('one conversation across reloads and tabs, over one realtime connection', { timeout: 60_000 }, () => {
  let env: WidgetEnv;
  let browser: Browser;
  beforeAll(async () => {
    [env, browser] = await Promise.all([startWidgetEnv(), launchBrowser()]);
  });
  afterAll(async () => {
    await browser?.close();
    await env?.close();
  });

  it('continues the conversation after a reload, its WebSocket resumed from the URL (lastSeq, no hello frame)', async () => {
    const context = await browser.newContext();
    const page = await context.newPage();
    const sockets = recordRealtimeSockets(page);
    await page.goto(`${env.hostUrl}/script-tag.html`);
    await widget(page).launcher().click();
    await widget(page).send('pricing?');
    await widget(page).log().getByText('free to self-host').waitFor();
    await page.reload();
    // The window was open: it stays open, with the conversation, without anything sent again.
    await widget(page).log().getByText('free to self-host').waitFor();
    await expect(widget(page).log().getByText('pricing?').count()).resolves.toBe(1);
    // The reloaded page may read what it holds first and open its link a moment later (tab leadership passes on).
    await expect.poll(() => sockets.length, { timeout: 30_000 }).toBeGreaterThanOrEqual(2);
    const resumedFrom = sockets.map((socket) => socket.url.searchParams.get('lastSeq'));
    expect(
      resumedFrom.every((seq) => seq !== null && /^\d+$/.test(seq)),
      resumedFrom.join(),
    ).toBe(true);
    // After the reload it resumes past what it holds (greeting, question and answer), not from the start.
    expect(Number(resumedFrom.at(-1)), resumedFrom.join()).toBeGreaterThanOrEqual(3);
    expect(sockets.flatMap((socket) => socket.sent).filter((frame) => frame.includes('"type":"hello"'))).toEqual([]);
    await context.close();
  });

  it('shares the conversation with new tabs over one connection, and a follower takes over when the leading tab closes', async () => {
    const context = await browser.newContext();
    const sockets = { open: 0, total: 0 };
    const pages = [];
    for (let i = 0; i < 3; i++) {
      const page = await context.newPage();
      countRealtimeSockets(page, sockets);
      await page.goto(`${env.hostUrl}/script-tag.html`);
      pages.push(page);
    }
    const [first, second, third] = pages as [(typeof pages)[0], (typeof pages)[0], (typeof pages)[0]];
    await widget(first).launcher().click();
    await widget(first).send('hello');
    await widget(first).log().getByText('Ask me about pricing').waitFor();
    // The other tabs mirror the open window and the messages.
    await widget(second).log().getByText('Ask me about pricing').waitFor();
    await widget(third).log().getByText('Ask me about pricing').waitFor();
    // An unsent draft follows the visitor to the other tabs.
    await widget(first).composer().fill('half a thought');
    await expect.poll(() => widget(third).composer().inputValue()).toBe('half a thought');
    await widget(first).composer().fill('');
    // A follower's message goes through the leader's connection.
    await widget(second).send('pricing?');
    for (const page of pages) await widget(page).log().getByText('free to self-host').waitFor();
    expect(sockets.open).toBe(1);

    await first.close(); // the leader, mid-conversation
    await widget(third).send('what are your hours?');
    for (const page of [second, third]) await widget(page).log().getByText('Monday to Friday').waitFor();
    await expect.poll(() => sockets.open).toBe(1);
    for (const page of [second, third]) await expect(widget(page).log().getByText('what are your hours?').count()).resolves.toBe(1);
    await context.close();
  });
});
