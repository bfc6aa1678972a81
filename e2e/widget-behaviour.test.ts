import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Browser, Page } from 'playwright-core';
import { launchBrowser, startWidgetEnv, widget, type WidgetEnv } from '@parley/testkit';

/** Which realtime endpoints a page talked to. */
function transportsUsed(page: Page): Set<string> {
  const used = new Set<string>();
  page.on('request', (request) => {
    const match = /\/v1\/realtime\/(sse|poll)\b/.exec(request.url());
    if (match?.[1] !== undefined) used.add(match[1]);
  });
  page.on('websocket', (socket) => {
    if (socket.url().includes('/v1/realtime/ws')) used.add('ws');
  });
  return used;
}

// Real Chromium against a real server on a shared machine: generous time, never a timed assertion.
describe('conversation behaviour in the browser', { timeout: 60_000 }, () => {
  let env: WidgetEnv;
  let browser: Browser;
  beforeAll(async () => {
    [env, browser] = await Promise.all([startWidgetEnv(), launchBrowser()]);
  });
  afterAll(async () => {
    await browser?.close();
    await env?.close();
  });

  for (const transport of ['sse', 'poll'] as const) {
    it(`chats over ${transport} when that transport is forced`, async () => {
      const page = await browser.newPage();
      const used = transportsUsed(page);
      env.fill.set('TRANSPORT', transport);
      await page.goto(`${env.hostUrl}/transport.html`);
      await widget(page).launcher().click();
      await widget(page).send('pricing?');
      await widget(page).log().getByText('free to self-host').waitFor();
      await widget(page).send('what are your hours?');
      await widget(page).log().getByText('Monday to Friday').waitFor();
      expect([...used]).toEqual([transport]);
      await page.close();
    });
  }

  it('falls back from a refused WebSocket to Server-Sent Events and keeps chatting', async () => {
    const page = await browser.newPage();
    const used = transportsUsed(page);
    await page.routeWebSocket(/\/v1\/realtime\/ws/, (socket) => socket.close());
    await page.goto(`${env.hostUrl}/script-tag.html`);
    await widget(page).launcher().click();
    await widget(page).send('pricing?');
    await widget(page).log().getByText('free to self-host').waitFor();
    expect(used.has('sse')).toBe(true);
    await page.close();
  });

  it('keeps messages typed offline and delivers each once when the network returns', async () => {
    const context = await browser.newContext();
    const page = await context.newPage();
    await page.goto(`${env.hostUrl}/script-tag.html`);
    await widget(page).launcher().click();
    await widget(page).send('hello');
    await widget(page).log().getByText('Ask me about pricing').waitFor();
    await context.setOffline(true);
    await page.getByText('You are offline').waitFor();
    await widget(page).send('pricing?');
    await widget(page).log().getByText('Sending…').waitFor();
    await context.setOffline(false);
    await widget(page).log().getByText('free to self-host').waitFor();
    await expect(widget(page).log().getByText('pricing?', { exact: true }).count()).resolves.toBe(1);
    await expect(widget(page).log().getByText('Sending…').count()).resolves.toBe(0);
    await context.close();
  });

  it('creates the session by itself after the server answered 503, the first message staying "Sending…" all along', async () => {
    const page = await browser.newPage();
    let refused = 0;
    // A node restarting or its storage away: the first two session creations are answered 503.
    await page.route(/\/v1\/widgets\/[^/]+\/sessions$/, async (route) => {
      if (refused >= 2 || route.request().method() !== 'POST') return route.continue();
      refused += 1;
      const body = { error: { code: 'PARLEY_ERR_STORAGE_UNAVAILABLE', message: 'The storage takes no writes; try again.' } };
      return route.fulfill({ status: 503, contentType: 'application/json', body: JSON.stringify(body) });
    });
    let shownFailed = false;
    await page.exposeFunction('parleyTestSawFailed', () => (shownFailed = true));
    await page.goto(`${env.hostUrl}/script-tag.html`);
    await widget(page).launcher().click();
    await widget(page).composer().waitFor();
    // Watch every render from the first send to the answer: "Not sent." must never appear, not even for a frame.
    await page.evaluate(() => {
      const root = document.querySelector('[data-parley]')?.shadowRoot;
      if (root === null || root === undefined) throw new Error('no widget shadow root');
      new MutationObserver(() => {
        if (root.textContent?.includes('Not sent.') === true) (window as unknown as { parleyTestSawFailed(): void }).parleyTestSawFailed();
      }).observe(root, { subtree: true, childList: true, characterData: true });
    });
    await widget(page).send('pricing?');
    await widget(page).log().getByText('Sending…').waitFor();
    await widget(page).log().getByText('free to self-host').waitFor();
    expect(refused).toBe(2);
    expect(shownFailed).toBe(false);
    await expect(widget(page).log().getByText('pricing?', { exact: true }).count()).resolves.toBe(1);
    await page.close();
  });

  it('says it is reconnecting, not "We are online" alone, while the server keeps refusing to create the session', async () => {
    const page = await browser.newPage();
    await page.route(/\/v1\/widgets\/[^/]+\/sessions$/, (route) =>
      route.request().method() === 'POST' ? route.fulfill({ status: 503, contentType: 'application/json', body: '{}' }) : route.continue(),
    );
    await page.goto(`${env.hostUrl}/script-tag.html`);
    await widget(page).launcher().click();
    await widget(page).send('pricing?');
    await page.getByRole('status').getByText('Reconnecting…').waitFor();
    await widget(page).log().getByText('Sending…').waitFor();
    await page.close();
  });

  it('renders Markdown and never markup: HTML and javascript: links arrive as text', async () => {
    const page = await browser.newPage();
    await page.goto(`${env.hostUrl}/script-tag.html`);
    await widget(page).launcher().click();
    await widget(page).send('<img src=x onerror="window.pwned=1"> **bold** [click](javascript:window.pwned=2) [site](https://example.com)');
    await widget(page).log().getByText('did not understand').waitFor();
    const shadow = await page.evaluate(() => {
      const root = document.querySelector('[data-parley]')?.shadowRoot;
      return {
        imgs: root?.querySelectorAll('.bub img').length,
        strong: root?.querySelector('.me .bub strong')?.textContent,
        hrefs: [...(root?.querySelectorAll('.bub a') ?? [])].map((a) => a.getAttribute('href')),
        pwned: (window as unknown as { pwned?: number }).pwned,
      };
    });
    expect(shadow).toEqual({ imgs: 0, strong: 'bold', hrefs: ['https://example.com'], pwned: undefined });
    await widget(page).log().getByText('<img src=x onerror="window.pwned=1">').waitFor();
    await page.close();
  });

  it('shows an unread badge, a peek of the reply and a tab-title count while closed, and clears them on open', async () => {
    const page = await browser.newPage();
    await page.goto(`${env.hostUrl}/script-tag.html`);
    await widget(page).launcher().waitFor();
    const title = await page.title();
    await page.evaluate(`window.Parley.send('what are your hours?'); window.Parley.close();`);
    await page.getByRole('status').getByText('Monday to Friday').waitFor();
    // Unseen: the greeting the new conversation starts with, and the answer.
    await expect(page.locator('[data-parley]').locator('.badge').textContent()).resolves.toBe('2');
    await expect.poll(() => page.title()).toBe(`(2) ${title}`);
    await widget(page).launcher().click();
    await expect.poll(() => page.title()).toBe(title);
    await expect(page.locator('[data-parley]').locator('.badge').count()).resolves.toBe(0);
    await page.close();
  });

  it('restarts only after the visitor confirms, into a new conversation', async () => {
    const page = await browser.newPage();
    await page.goto(`${env.hostUrl}/script-tag.html`);
    await widget(page).launcher().click();
    await widget(page).send('pricing?');
    await widget(page).log().getByText('free to self-host').waitFor();
    const before = await page.evaluate(
      (id) => JSON.parse(localStorage.getItem(`parley:v1:${id}`) ?? '{}').session?.conversationId,
      env.widgetId,
    );
    await page.getByRole('button', { name: 'Restart' }).click();
    await page.getByRole('button', { name: 'No' }).click();
    await expect(widget(page).log().getByText('free to self-host').count()).resolves.toBe(1);
    await page.getByRole('button', { name: 'Restart' }).click();
    await page.getByRole('button', { name: 'Yes' }).click();
    await expect.poll(() => widget(page).log().getByText('free to self-host').count()).toBe(0);
    await widget(page).send('hello');
    await widget(page).log().getByText('Ask me about pricing').waitFor();
    const after = await page.evaluate(
      (id) => JSON.parse(localStorage.getItem(`parley:v1:${id}`) ?? '{}').session?.conversationId,
      env.widgetId,
    );
    expect(after).toBeTypeOf('string');
    expect(after).not.toBe(before);
    await page.close();
  });

  it('exports the transcript as a text file', async () => {
    const page = await browser.newPage();
    await page.goto(`${env.hostUrl}/script-tag.html`);
    await widget(page).launcher().click();
    await widget(page).send('pricing?');
    await widget(page).log().getByText('free to self-host').waitFor();
    const [download] = await Promise.all([page.waitForEvent('download'), page.getByRole('button', { name: 'Export' }).click()]);
    expect(download.suggestedFilename()).toMatch(/^conversation-\d{4}-\d{2}-\d{2}\.txt$/);
    const text = await new Promise<string>((done) => {
      void download.createReadStream().then((stream) => {
        let all = '';
        stream.on('data', (chunk: Buffer) => (all += chunk.toString()));
        stream.on('end', () => done(all));
      });
    });
    expect(text).toContain('pricing?');
    expect(text).toContain('Parley is open source and free to self-host.');
    await page.close();
  });

  it('asks for contact details before the chat when the widget requires them, and starts the conversation on open with startFirst', async () => {
    const demo = await env.admin('GET', `/v1/widgets/${env.widgetId}`);
    const gated = await env.admin('POST', '/v1/widgets', {
      name: 'Gated',
      botId: demo['botId'],
      startFirst: true,
      contactCollection: { when: 'before', fields: ['name', 'email'], required: true },
    });
    const page = await browser.newPage();
    await page.goto(`${env.hostUrl}/script-tag.html?widget=${gated.id}`);
    await widget(page).launcher().click();
    // startFirst: the greeting is the stored one, from the server, without the visitor writing anything.
    await expect
      .poll(() => page.evaluate((id) => localStorage.getItem(`parley:v1:${id}`)?.includes('conversationId') ?? false, gated.id))
      .toBe(true);
    // Until the form is sent, the composer's place says why the visitor cannot write yet.
    await page.getByRole('button', { name: 'Please fill in the form above to start the chat.' }).waitFor();
    await expect(widget(page).composer().count()).resolves.toBe(0);
    const form = widget(page).log().getByRole('form', { name: 'How can we reach you?' });
    await form.getByLabel('Email').fill('ada@example');
    await form.getByRole('button', { name: 'Continue' }).click();
    await form.getByText('Please enter a valid email address.').waitFor();
    await form.getByLabel('Name').fill('Ada');
    await form.getByLabel('Email').fill('ada@example.com');
    await form.getByRole('button', { name: 'Continue' }).click();
    await expect.poll(() => widget(page).composer().isDisabled()).toBe(false);
    await expect(form.count()).resolves.toBe(0);
    // The conversation had started (startFirst): the server has the contact on it, for agents to see.
    const stored = JSON.parse((await page.evaluate((id) => localStorage.getItem(`parley:v1:${id}`), gated.id)) ?? '{}') as {
      session: { conversationId: string };
    };
    await expect
      .poll(async () => JSON.stringify(await env.admin('GET', `/v1/inbox/${stored.session.conversationId}`)))
      .toContain('ada@example.com');
    await page.close();
  });

  it('starts a new conversation when the stored session has expired, without mixing in the old messages', async () => {
    const page = await browser.newPage();
    await page.goto(`${env.hostUrl}/script-tag.html`);
    await widget(page).launcher().click();
    await widget(page).send('pricing?');
    await widget(page).log().getByText('free to self-host').waitFor();
    await page.evaluate((id) => {
      const key = `parley:v1:${id}`;
      const stored = JSON.parse(localStorage.getItem(key) ?? '{}') as { session: { expiresAt: string } };
      stored.session.expiresAt = new Date(Date.now() - 1000).toISOString();
      localStorage.setItem(key, JSON.stringify(stored));
    }, env.widgetId);
    await page.reload();
    await widget(page).composer().waitFor();
    await expect(widget(page).log().getByText('free to self-host').count()).resolves.toBe(0);
    await widget(page).send('hello');
    await widget(page).log().getByText('Ask me about pricing').waitFor();
    await page.close();
  });
});
