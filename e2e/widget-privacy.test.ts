import { readFile } from 'node:fs/promises';
import { axeViolations, launchBrowser, widget } from '@parley/testkit';
import type { Browser, Page, WebSocket } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startDeskEnv, type DeskEnv } from './support/desk-env.js';

const CONSENT_TEXT = 'This chat stores your messages and the details you give us so that we can answer you. Do you agree?';

interface Seen {
  readonly requests: { method: string; url: string; body: string | null }[];
  readonly sockets: WebSocket[];
}

/** Every request the page makes and every WebSocket it opens, from its first byte. */
function watch(page: Page): Seen {
  const seen: Seen = { requests: [], sockets: [] };
  page.on('request', (request) => seen.requests.push({ method: request.method(), url: request.url(), body: request.postData() }));
  page.on('websocket', (socket) => seen.sockets.push(socket));
  return seen;
}

/** What the page's origin holds: localStorage and sessionStorage keys, cookies, IndexedDB databases. */
async function stored(page: Page) {
  const inPage = await page.evaluate(async () => ({
    local: Object.keys(localStorage),
    session: Object.keys(sessionStorage),
    cookie: document.cookie,
    indexedDb: (await indexedDB.databases()).map((database) => database.name),
  }));
  return { ...inPage, cookies: await page.context().cookies() };
}

const NOTHING = { local: [], session: [], cookie: '', indexedDb: [], cookies: [] };

/** The widget's own stored state (localStorage `parley:v1:<widgetId>`), or null. */
const persisted = (page: Page, widgetId: string): Promise<Record<string, unknown> | null> =>
  page.evaluate((key) => JSON.parse(localStorage.getItem(key) ?? 'null') as Record<string, unknown> | null, `parley:v1:${widgetId}`);

// Real Chromium against a real server, the host page on another origin: generous time, never a timed assertion.
describe('the widget’s consent gate and the visitor’s privacy menu (issue 18)', { timeout: 180_000 }, () => {
  let env: DeskEnv;
  let browser: Browser;
  let hostOrigin: string;
  // bypassCSP: axe-core is injected as an inline script, which the host page's policy forbids.
  const openPage = (viewport = { width: 1280, height: 800 }) => browser.newPage({ viewport, bypassCSP: true });
  /** POST /v1/widgets/{id}/sessions as the host page's browser would send it (its Origin). */
  const session = async (widgetId: string, body: Record<string, unknown>) => {
    const response = await fetch(`${env.serverUrl}/v1/widgets/${widgetId}/sessions`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', origin: hostOrigin },
      body: JSON.stringify(body),
    });
    return { status: response.status, json: (await response.json()) as { error?: { code: string; message: string } } };
  };
  const acceptAndTalk = async (page: Page) => {
    await widget(page).window().getByRole('button', { name: 'Accept' }).click();
    await widget(page).send('How much does it cost?');
    await expect.poll(() => widget(page).log().innerText(), { timeout: 30_000 }).toContain('free to self-host');
  };
  /** Two tabs of one browser (one context, one localStorage) on the widget's page, each `watch`ed from its first byte, each showing the gate. */
  const gatedTabs = async (widgetId: string) => {
    const context = await browser.newContext({ viewport: { width: 1280, height: 800 }, bypassCSP: true });
    const pages = await Promise.all([context.newPage(), context.newPage()]);
    const seen = pages.map((page) => watch(page));
    for (const page of pages) {
      await page.goto(env.hostPage(widgetId));
      await widget(page).launcher().click();
      await widget(page).window().getByText(CONSENT_TEXT).waitFor();
    }
    return { context, pages, seen };
  };

  beforeAll(async () => {
    [env, browser] = await Promise.all([startDeskEnv(), launchBrowser()]);
    hostOrigin = new URL(env.hostPage(env.demoWidgetId)).origin;
  });
  afterAll(async () => {
    await browser?.close();
    await env?.close();
  });

  it('stores nothing and connects nowhere before Accept; after it the chat works with the recorded consent; axe clean', async () => {
    const widgetId = await env.createWidget({
      name: 'Consent first',
      privacy: { consent: true, consentVersion: '2026-12', policyUrl: 'https://shop.example/privacy' },
    });
    const page = await openPage();
    const seen = watch(page);
    await page.goto(env.hostPage(widgetId));
    await widget(page).launcher().click();
    const chat = widget(page).window();
    await chat.getByText(CONSENT_TEXT).waitFor();
    // The gate instead of the conversation: no composer, a policy link that opens apart from the page.
    expect(await chat.getByRole('textbox').count()).toBe(0);
    const policy = chat.getByRole('link', { name: 'Privacy policy' });
    expect(await policy.getAttribute('href')).toBe('https://shop.example/privacy');
    expect(await policy.getAttribute('target')).toBe('_blank');
    expect(await policy.getAttribute('rel')).toContain('noopener');
    expect(await axeViolations(page), 'consent gate').toEqual([]);

    // Nothing of Parley in the page's storage, cookies or IndexedDB, and only the config and static files asked for.
    expect(await stored(page)).toEqual(NOTHING);
    expect(seen.sockets).toEqual([]);
    const toServer = seen.requests.filter((request) => request.url.startsWith(env.serverUrl));
    expect(toServer.length).toBeGreaterThan(0);
    for (const request of toServer) {
      expect(request.method, request.url).toBe('GET');
      expect(new URL(request.url).pathname, request.url).toMatch(
        /^\/(widget\.js|widget\/[0-9a-f]{16}\/[\w-]+\.js|v1\/widgets\/wgt_\w+\/config)$/,
      );
    }
    expect(toServer.some((request) => request.url.includes('/config'))).toBe(true);

    // Accept: the acceptance is recorded, then stored, then the session carries its id and the chat works.
    await acceptAndTalk(page);
    const consent = seen.requests.find((request) => request.url.endsWith(`/v1/widgets/${widgetId}/consent`));
    expect(JSON.parse(consent?.body ?? '{}')).toEqual({ version: '2026-12', accepted: true });
    const kept = await persisted(page, widgetId);
    expect(kept?.['consent']).toBe('2026-12');
    const consentId = kept?.['consentId'];
    expect(consentId).toMatch(/^cns_/);
    const opened = seen.requests.find((request) => request.url.endsWith(`/v1/widgets/${widgetId}/sessions`));
    expect(JSON.parse(opened?.body ?? '{}')['consentId']).toBe(consentId);
    expect(await axeViolations(page), 'chat after Accept').toEqual([]);

    // The server enforces the gate: no session without an acceptance, and the one recorded counts for its version only.
    const without = await session(widgetId, {});
    expect(without.status).toBe(403);
    expect(without.json.error?.code).toBe('PARLEY_ERR_CONSENT_REQUIRED');
    expect((await session(widgetId, { consentId })).status).toBe(201);
    await env.api('PATCH', `/v1/widgets/${widgetId}`, {
      privacy: { consent: true, consentVersion: '2027-01', policyUrl: 'https://shop.example/privacy' },
    });
    const stale = await session(widgetId, { consentId });
    expect(stale.status).toBe(403);
    expect(stale.json.error?.message).toContain('"2026-12"');

    // A new version asks again (the config is cached up to 30 s: reload until the page sees it).
    await expect
      .poll(
        async () => {
          await page.reload();
          // The window's open state was stored with the acceptance: it may come back open.
          // The bubble itself (the window's own minimize button is also named "Close chat").
          const launcher = page.locator('[data-parley] button.launcher');
          await launcher.waitFor();
          if ((await launcher.getAttribute('aria-expanded')) !== 'true') await launcher.click();
          await chat.waitFor();
          return chat.getByText(CONSENT_TEXT).count();
        },
        { timeout: 60_000, interval: 2_000 },
      )
      .toBe(1);
    expect(await chat.getByRole('textbox').count()).toBe(0);
    await page.close();
  });

  it('withdraws consent from the widget menu: recorded, storage cleared, connection closed, the gate again; axe clean', async () => {
    const widgetId = await env.createWidget({ name: 'Withdraw', privacy: { consent: true, consentVersion: '7' } });
    const page = await openPage({ width: 375, height: 740 });
    const seen = watch(page);
    await page.goto(env.hostPage(widgetId));
    await widget(page).launcher().click();
    await acceptAndTalk(page);
    const consentId = (await persisted(page, widgetId))?.['consentId'];
    const before = (await persisted(page, widgetId))?.['session'] as { token: string; conversationId: string };
    const messagesWith = (token: string) =>
      fetch(`${env.serverUrl}/v1/conversations/${before.conversationId}/messages`, {
        headers: { authorization: `Bearer ${token}`, origin: hostOrigin },
      });
    expect((await messagesWith(before.token)).status).toBe(200);
    await expect.poll(() => seen.sockets.filter((socket) => !socket.isClosed()).length).toBe(1);

    const menuButton = page.getByRole('button', { name: 'Privacy' });
    await menuButton.click();
    const menu = page.getByRole('menu');
    // Focus goes to the first entry; without self-service only the withdrawal is offered.
    const withdraw = menu.getByRole('menuitem', { name: 'Withdraw consent' });
    await expect.poll(() => withdraw.evaluate((item) => item === (item.getRootNode() as ShadowRoot).activeElement)).toBe(true);
    expect(await menu.getByRole('menuitem').count()).toBe(1);
    expect(await axeViolations(page), 'privacy menu').toEqual([]);
    // Escape closes the menu only, focus back on its button.
    await page.keyboard.press('Escape');
    await expect.poll(() => menu.count()).toBe(0);
    expect(await widget(page).window().isVisible()).toBe(true);
    await menuButton.click();
    await withdraw.click();

    const chat = widget(page).window();
    await chat.getByText('Your consent was withdrawn.', { exact: false }).waitFor();
    await chat.getByText(CONSENT_TEXT).waitFor();
    expect(await chat.getByRole('textbox').count()).toBe(0);
    expect(await stored(page)).toEqual(NOTHING);
    await expect.poll(() => seen.sockets.filter((socket) => !socket.isClosed()).length, { timeout: 20_000 }).toBe(0);
    const withdrawal = seen.requests.find((request) => request.url.endsWith('/consent/withdraw'));
    expect(withdrawal?.method).toBe('POST');
    expect(await axeViolations(page), 'gate after withdrawal').toEqual([]);
    // The server no longer admits a session with the withdrawn acceptance.
    const refused = await session(widgetId, { consentId });
    expect(refused.status).toBe(403);
    expect(refused.json.error?.message).toContain('withdrawn');
    // And the session the withdrawal ended is over on the server too: its token is refused (it is not only forgotten).
    const ended = await messagesWith(before.token);
    expect(ended.status).toBe(401);
    expect(((await ended.json()) as { error: { code: string } }).error.code).toBe('PARLEY_ERR_AUTH_TOKEN_INVALID');

    // Nothing stored while the gate shows again, even after the visitor reopens the window; Accept starts afresh.
    await page.getByRole('button', { name: 'Close chat' }).first().click();
    await widget(page).launcher().click();
    expect(await stored(page)).toEqual(NOTHING);
    await acceptAndTalk(page);
    expect((await persisted(page, widgetId))?.['consentId']).not.toBe(consentId);
    await page.close();
  });

  it('follows the other tabs: an Accept opens every gated tab, a withdrawal or a deletion empties them, nothing is written back', async () => {
    const widgetId = await env.createWidget({ name: 'Two tabs', privacy: { consent: true, consentVersion: 't1', selfService: true } });
    const {
      context,
      pages: [a, b],
    } = await gatedTabs(widgetId);
    const aSockets = watch(a).sockets;

    // Accept in A: B's gate opens without a reload, and B shows the conversation A starts.
    await a.bringToFront();
    await acceptAndTalk(a);
    await b.bringToFront();
    await widget(b).window().getByRole('textbox').waitFor();
    expect(await widget(b).window().getByText(CONSENT_TEXT).count()).toBe(0);
    await expect.poll(() => widget(b).log().innerText(), { timeout: 30_000 }).toContain('free to self-host');
    // B can talk too (through the tab that holds the connection).
    await widget(b).send('Do you ship to Canada?');
    await expect.poll(() => widget(a).log().innerText(), { timeout: 30_000 }).toContain('Do you ship to Canada?');

    // Delete my conversation in A: B drops it at once; the stored state keeps the acceptance and nothing else.
    await a.bringToFront();
    await a.getByRole('button', { name: 'Privacy' }).click();
    await a.getByRole('menu').getByRole('menuitem', { name: 'Delete my conversation' }).click();
    await a.getByRole('alertdialog').getByRole('button', { name: 'Delete' }).click();
    const done = a.getByRole('dialog', { name: /^Your data was deleted\./ });
    await done.waitFor();
    await done.getByRole('button', { name: 'Close' }).click();
    await expect.poll(() => widget(b).log().innerText()).not.toContain('Do you ship to Canada?');
    // B's own activity (closing and opening its window, typing a draft) writes no conversation back.
    await b.bringToFront();
    await b.getByRole('button', { name: 'Close chat' }).first().click();
    await widget(b).launcher().click();
    await widget(b).window().getByRole('textbox').fill('a draft');
    await b.waitForTimeout(1_000);
    const kept = await persisted(a, widgetId);
    expect(kept?.['consent']).toBe('t1');
    expect(kept?.['session'] ?? null).toBeNull();
    expect(kept?.['messages'] ?? []).toEqual([]);

    // Talk again (A holds the connection), then withdraw in A: B shows the gate, saying why, and drops the conversation.
    await a.bringToFront();
    await widget(a).send('Is it open source?');
    await b.bringToFront();
    await expect.poll(() => widget(b).log().innerText(), { timeout: 30_000 }).toContain('Is it open source?');
    await expect.poll(async () => (await persisted(a, widgetId))?.['session'] ?? null, { timeout: 30_000 }).not.toBeNull();
    await a.bringToFront();
    await a.getByRole('button', { name: 'Privacy' }).click();
    await a.getByRole('menu').getByRole('menuitem', { name: 'Withdraw consent' }).click();
    await widget(a).window().getByText(CONSENT_TEXT).waitFor();
    await b.bringToFront();
    await widget(b).window().getByText(CONSENT_TEXT).waitFor();
    await widget(b).window().getByText('Your consent was withdrawn.', { exact: false }).waitFor();
    expect(await widget(b).window().getByRole('textbox').count()).toBe(0);
    expect(await widget(b).window().getByText('Is it open source?').count()).toBe(0);
    // Whatever either tab does now, nothing comes back into storage, and no link stays open.
    await b.getByRole('button', { name: 'Close chat' }).first().click();
    await widget(b).launcher().click();
    await b.waitForTimeout(1_000);
    for (const page of [a, b]) expect(await stored(page)).toEqual(NOTHING);
    await expect.poll(() => aSockets.filter((socket) => !socket.isClosed()).length, { timeout: 20_000 }).toBe(0);
    await context.close();
  });

  it('withdraws from the tab that does not hold the connection, right after it deleted and the other tab talked again', async () => {
    const widgetId = await env.createWidget({
      name: 'Follower withdraws',
      privacy: { consent: true, consentVersion: 'f1', selfService: true },
    });
    const { context, pages, seen } = await gatedTabs(widgetId);
    const open = (index: number) => seen[index]?.sockets.filter((socket) => !socket.isClosed()).length ?? 0;
    // Accept and talk in the first tab; whichever tab's share took the lead holds the one connection.
    await pages[0]?.bringToFront();
    await acceptAndTalk(pages[0] as Page);
    await expect.poll(() => open(0) + open(1), { timeout: 20_000 }).toBe(1);
    const leaderAt = open(0) === 1 ? 0 : 1;
    const [leader, follower] = [pages[leaderAt] as Page, pages[1 - leaderAt] as Page];
    const followerSeen = seen[1 - leaderAt] as Seen;
    await follower.bringToFront();
    await expect.poll(() => widget(follower).log().innerText(), { timeout: 30_000 }).toContain('free to self-host');

    // The follower deletes its conversation; then the leader talks again, which opens a new one.
    await follower.getByRole('button', { name: 'Privacy' }).click();
    await follower.getByRole('menu').getByRole('menuitem', { name: 'Delete my conversation' }).click();
    await follower.getByRole('alertdialog').getByRole('button', { name: 'Delete' }).click();
    const done = follower.getByRole('dialog', { name: /^Your data was deleted\./ });
    await done.waitFor();
    await done.getByRole('button', { name: 'Close' }).click();
    await leader.bringToFront();
    await widget(leader).send('Is it open source?');
    await expect.poll(() => widget(leader).log().innerText(), { timeout: 30_000 }).toContain('Is it open source?');
    await expect.poll(async () => (await persisted(leader, widgetId))?.['session'] ?? null, { timeout: 30_000 }).not.toBeNull();
    const second = (await persisted(leader, widgetId))?.['session'] as { conversationId: string; token: string };
    await follower.bringToFront();
    await expect.poll(() => widget(follower).log().innerText(), { timeout: 30_000 }).toContain('Is it open source?');

    // The follower withdraws: recorded for the new conversation, storage emptied, both tabs gated, no link left.
    await follower.getByRole('button', { name: 'Privacy' }).click();
    await follower.getByRole('menu').getByRole('menuitem', { name: 'Withdraw consent' }).click();
    await widget(follower).window().getByText(CONSENT_TEXT).waitFor();
    const withdrawal = followerSeen.requests.filter((request) => request.url.endsWith('/consent/withdraw'));
    expect(withdrawal.map((request) => request.url)).toEqual([
      `${env.serverUrl}/v1/conversations/${encodeURIComponent(second.conversationId)}/consent/withdraw`,
    ]);
    const refused = await fetch(`${env.serverUrl}/v1/conversations/${second.conversationId}/messages`, {
      headers: { authorization: `Bearer ${second.token}`, origin: hostOrigin },
    });
    expect(refused.status).toBe(401);
    await leader.bringToFront();
    await widget(leader).window().getByText(CONSENT_TEXT).waitFor();
    await widget(leader).window().getByText('Your consent was withdrawn.', { exact: false }).waitFor();
    for (const page of pages) expect(await stored(page)).toEqual(NOTHING);
    await expect.poll(() => open(0) + open(1), { timeout: 20_000 }).toBe(0);
    await context.close();
  });

  it('lets the visitor download their data and delete their conversation, then all their data, from the widget; axe clean', async () => {
    const widgetId = await env.createWidget({ name: 'Self-service', privacy: { selfService: true } });
    const page = await openPage();
    await page.goto(env.hostPage(widgetId));
    await widget(page).launcher().click();
    // No conversation yet: nothing to download or delete, so no privacy menu.
    await widget(page).window().getByRole('textbox').waitFor();
    expect(await page.getByRole('button', { name: 'Privacy' }).count()).toBe(0);
    await widget(page).send('How much does it cost? I am Ada from Leeds');
    await expect.poll(() => widget(page).log().innerText(), { timeout: 30_000 }).toContain('free to self-host');
    const first = (await persisted(page, widgetId))?.['session'] as { conversationId: string; token: string };

    // Download: a JSON file saved by the host page, holding the visitor's messages.
    await page.getByRole('button', { name: 'Privacy' }).click();
    const menu = page.getByRole('menu');
    expect(await menu.getByRole('menuitem').allInnerTexts()).toEqual(['Download my data', 'Delete my conversation', 'Delete all my data']);
    expect(await axeViolations(page), 'self-service menu').toEqual([]);
    const [download] = await Promise.all([page.waitForEvent('download'), menu.getByRole('menuitem', { name: 'Download my data' }).click()]);
    expect(download.suggestedFilename()).toMatch(/^parley-data-\d{4}-\d{2}-\d{2}\.json$/);
    const file = JSON.parse(await readFile((await download.path()) ?? '', 'utf8')) as {
      conversations: { id: string; messages: { author: { role: string }; text: string }[] }[];
    };
    const mine = file.conversations.find((conversation) => conversation.id === first.conversationId);
    expect(mine?.messages.filter((message) => message.author.role === 'visitor').map((message) => message.text)).toEqual([
      'How much does it cost? I am Ada from Leeds',
    ]);
    expect(JSON.stringify(mine?.messages)).toContain('free to self-host');

    // Delete my conversation: asked inside the widget first (Cancel focused), then done.
    await page.getByRole('button', { name: 'Privacy' }).click();
    await menu.getByRole('menuitem', { name: 'Delete my conversation' }).click();
    const question = page.getByRole('alertdialog');
    await question.getByText('Delete this conversation? It cannot be undone.').waitFor();
    const cancel = question.getByRole('button', { name: 'Cancel' });
    await expect.poll(() => cancel.evaluate((button) => button === (button.getRootNode() as ShadowRoot).activeElement)).toBe(true);
    expect(await axeViolations(page), 'delete confirmation').toEqual([]);
    await question.getByRole('button', { name: 'Delete' }).click();
    const done = page.getByRole('dialog', { name: /^Your data was deleted\./ });
    await done.waitFor();
    // Polled: the dialog's text changed in place (question → done) just now.
    await expect.poll(() => axeViolations(page), { message: 'deleted' }).toEqual([]);
    // The server no longer has the conversation, and its token is refused at once.
    const messages = await fetch(`${env.serverUrl}/v1/conversations/${first.conversationId}/messages`, {
      headers: { authorization: `Bearer ${first.token}`, origin: hostOrigin },
    });
    expect(messages.status).toBe(401);
    await expect(env.api('GET', `/v1/inbox/${first.conversationId}`)).rejects.toThrow(/404/);
    // The widget forgot it: nothing stored of it, an empty chat that can start afresh.
    expect((await persisted(page, widgetId))?.['session'] ?? null).toBeNull();
    await done.getByRole('button', { name: 'Close' }).click();
    expect(await widget(page).log().innerText()).not.toContain('Ada from Leeds');
    await widget(page).send('How much does it cost?');
    await expect.poll(() => widget(page).log().innerText(), { timeout: 30_000 }).toContain('free to self-host');
    const second = (await persisted(page, widgetId))?.['session'] as { conversationId: string; token: string };
    expect(second.conversationId).not.toBe(first.conversationId);

    // Delete all my data (no contact: this conversation), the same way.
    await page.getByRole('button', { name: 'Privacy' }).click();
    await menu.getByRole('menuitem', { name: 'Delete all my data' }).click();
    await question.getByText('Delete all your conversations and contact details?', { exact: false }).waitFor();
    await question.getByRole('button', { name: 'Delete' }).click();
    await done.waitFor();
    await expect(env.api('GET', `/v1/inbox/${second.conversationId}`)).rejects.toThrow(/404/);
    expect((await persisted(page, widgetId))?.['session'] ?? null).toBeNull();
    await page.close();
  });

  it('is axe clean dark and right to left: the gate, the menu and the delete question in a dark and in an Arabic widget', async () => {
    const privacy = { consent: true, selfService: true, policyUrl: 'https://shop.example/privacy' };
    const dark = await env.createWidget({ name: 'Privacy dark', privacy, theme: { mode: 'dark', primaryColor: '#7c3aed' } });
    const arabic = await env.createWidget({ name: 'Privacy Arabic', privacy, language: 'ar', languages: ['ar'] });
    for (const [widgetId, accept, menuName] of [
      [dark, 'Accept', 'Privacy'],
      [arabic, 'موافق', 'الخصوصية'],
    ] as const) {
      const page = await openPage({ width: 375, height: 740 });
      await page.goto(env.hostPage(widgetId));
      await page.locator('[data-parley] button.launcher').click();
      const chat = widget(page).window();
      await chat.getByRole('button', { name: accept }).waitFor();
      expect(await axeViolations(page), `${widgetId} gate`).toEqual([]);
      await chat.getByRole('button', { name: accept }).click();
      const box = chat.locator('textarea');
      await box.fill('hello');
      await box.press('Enter');
      await expect.poll(() => chat.locator('.row:not(.me) .bub').count(), { timeout: 30_000 }).toBeGreaterThan(1);
      await page.getByRole('button', { name: menuName }).click();
      await page.getByRole('menu').waitFor();
      expect(await axeViolations(page), `${widgetId} menu`).toEqual([]);
      await page.getByRole('menuitem').nth(1).click();
      await page.getByRole('alertdialog').waitFor();
      expect(await axeViolations(page), `${widgetId} delete question`).toEqual([]);
      await page.close();
    }
  });
});
