import { readFile } from 'node:fs/promises';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { Connection, type WebSocketConstructor } from '@parley/client';
import type { Message, ServerFrame } from '@parley/protocol';
import {
  axeViolations,
  loginThroughForm,
  openConsole,
  startConsoleE2e,
  type ConsoleDemo,
  type ConsoleE2e,
  type FreshServer,
} from '@parley/testkit';
import type { Browser, Locator, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import WebSocket from 'ws';

/** A 1×1 PNG. */
const PIXEL_PNG = 'iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNkYPhfDwAChwGA60e6kgAAAABJRU5ErkJggg==';

/** Whether an element's box lies inside its container's visible box: nothing cut off or scrolled away. */
async function boxInside(inner: Locator, outer: Locator): Promise<boolean> {
  const [a, b] = await Promise.all([inner.boundingBox(), outer.boundingBox()]);
  if (a === null || b === null) return false;
  return a.x >= b.x - 0.5 && a.y >= b.y - 0.5 && a.x + a.width <= b.x + b.width + 0.5 && a.y + a.height <= b.y + b.height + 0.5;
}

/** The tops of the toolbar's buttons: one value when they sit in one row. */
async function toolbarRows(page: Page): Promise<number> {
  const buttons = page.getByRole('toolbar', { name: 'Conversation actions' }).locator(':scope > * > button, :scope > button');
  const tops = new Set<number>();
  for (const box of await Promise.all((await buttons.all()).map((button) => button.boundingBox())))
    if (box !== null) tops.add(Math.round(box.y));
  return tops.size;
}

describe('agent console inbox: a visitor and an agent in the console (real Chromium, built server)', () => {
  let server: FreshServer;
  let browser: Browser;
  let demo: ConsoleDemo;
  let baseUrl: string;
  let visitor: Connection;
  const visitorMessages: Message[] = [];
  const visitorFrames: ServerFrame[] = [];

  let e2e: ConsoleE2e | undefined;

  beforeAll(async () => {
    ({ server, browser, demo } = e2e = await startConsoleE2e());
    baseUrl = server.url;
    // The visitor: the same headless realtime client the widget uses, over a real WebSocket.
    visitor = new Connection({
      baseUrl,
      token: demo.visitorToken,
      WebSocket: WebSocket as unknown as WebSocketConstructor,
      transports: ['ws'],
    });
    visitor.on('message', (message) => visitorMessages.push(message));
    visitor.on('typing', (frame) => visitorFrames.push(frame));
    visitor.on('read', (frame) => visitorFrames.push(frame));
    visitor.on('frame', (frame) => visitorFrames.push(frame));
    visitor.connect();
    await new Promise<void>((done) => visitor.on('ready', () => done()));
  });
  afterAll(async () => {
    visitor?.close();
    await e2e?.close();
  });

  it('lists the conversation, opens it with its history, and the reply reaches the visitor; typing and read receipts go both ways; a note never reaches the visitor; resolve', async () => {
    const page = await openConsole(browser, demo);
    await page.goto(`${baseUrl}/console/inbox`);
    // The bot is handling Ada's conversation: it is in the "pending" list, with its preview and the bot badge.
    await page.getByLabel('Status', { exact: true }).selectOption('pending');
    const item = page.getByTestId('conversation-list').getByRole('link', { name: /Ada Lovelace/ });
    await item.waitFor();
    expect(await item.textContent()).toContain('free to self-host'); // The bot's answer is the last message.
    expect(await axeViolations(page), 'inbox with conversations').toEqual([]);
    await item.click();
    await page.getByText('live (ws)').waitFor();
    // The whole history: the visitor's words and the bot's answers.
    const timeline = page.getByRole('log', { name: 'Messages' });
    await timeline.getByText('What does it cost?').waitFor();
    await timeline.locator('.from-bot').first().waitFor();

    // Agent → visitor: the reply (Markdown) arrives over the visitor's realtime link.
    await page.getByLabel('Reply to the visitor').fill('Hi Ada, **Sam** here. It is free to self-host.');
    await page.keyboard.press('Enter');
    await expect
      .poll(() => visitorMessages.find((m) => m.author.role === 'agent')?.text)
      .toBe('Hi Ada, **Sam** here. It is free to self-host.');
    await timeline.locator('strong', { hasText: 'Sam' }).waitFor();

    // Visitor typing shows in the console; the agent's typing reaches the visitor.
    visitor.typing(true);
    await page.getByText('The visitor is typing').first().waitFor({ state: 'attached' });
    await page.getByLabel('Reply to the visitor').fill('Let me check');
    await expect.poll(() => visitorFrames.some((f) => f.type === 'typing' && f.author.role === 'agent' && f.active)).toBe(true);
    await page.getByLabel('Reply to the visitor').fill('');

    // Read receipts: the visitor reads the reply → "Seen"; the agent has read the visitor's message → the visitor gets a read frame.
    const reply = visitorMessages.find((m) => m.author.role === 'agent');
    // A short window, so that the timeline is full and the receipt would fall below its edge.
    await page.setViewportSize({ width: 1280, height: 480 });
    visitor.markRead(reply?.seq ?? 0);
    await page.getByText('Seen by the visitor').waitFor();
    // …and it is in view, not cut off under the timeline's edge (it arrives after the reply it is under).
    await expect.poll(() => boxInside(page.getByText('Seen by the visitor'), timeline)).toBe(true);
    await page.setViewportSize({ width: 1280, height: 800 });
    await expect.poll(() => visitorFrames.some((f) => f.type === 'read' && f.reader.role === 'agent')).toBe(true);

    // Visitor → agent, live.
    visitor.send('Great, thanks!');
    await timeline.getByText('Great, thanks!').waitFor();

    // Notifications: the tab title counts the unread visitor messages of the agent's conversations
    // (routing may have given the admin Grace's queued conversation too, so the count comes from the API).
    const titleFor = async (base: string): Promise<string> => {
      const mine = await (await page.request.get(`${baseUrl}/v1/inbox?view=mine&status=open`)).json();
      const unread = mine.items.reduce((sum: number, item: { unread: number }) => sum + item.unread, 0);
      return unread > 0 ? `(${unread}) ${base}` : base;
    };
    await page.getByRole('link', { name: 'Widgets' }).click();
    visitor.send('Are you still there?');
    await expect
      .poll(async () => (await page.title()) === (await titleFor('Widgets · Parley')) && (await page.title()).startsWith('('), {
        timeout: 10_000,
      })
      .toBe(true);
    const away = Number(/^\((\d+)\)/.exec(await page.title())?.[1]);
    await page.goBack();
    await timeline.getByText('Are you still there?').waitFor();
    // Reading the conversation takes its messages off the count (the read is stored once the live link
    // is open, so wait for the lower count, not only for the title to agree with the server).
    const titleCount = async () => Number(/^\((\d+)\)/.exec(await page.title())?.[1] ?? 0);
    await expect
      .poll(async () => (await page.title()) === (await titleFor('Inbox · Parley')) && (await titleCount()) < away, { timeout: 10_000 })
      .toBe(true);

    // Keyboard: ? lists the shortcuts, Escape closes the list.
    await page.getByRole('log', { name: 'Messages' }).focus();
    await page.keyboard.press('?');
    await page.getByRole('dialog', { name: 'Keyboard shortcuts' }).waitFor();
    await page.keyboard.press('Escape');
    await page.getByRole('dialog', { name: 'Keyboard shortcuts' }).waitFor({ state: 'detached' });

    // Transfer to another agent, then hand back to the bot: the visitor's link follows each owner change.
    await page
      .getByRole('toolbar', { name: 'Conversation actions' })
      .getByRole('button', { name: /Assign/ })
      .click();
    await page.getByRole('menuitemradio', { name: /^Sam Rivera/ }).click();
    await expect
      .poll(() => visitorFrames.some((f) => f.type === 'status' && f.owner === 'human' && f.assignee?.name === 'Sam Rivera'))
      .toBe(true);
    await page.getByText('With an agent · Sam Rivera').waitFor();
    await page.getByRole('button', { name: 'More actions' }).click();
    await page.getByRole('menuitem', { name: 'Hand back to the bot' }).click();
    await expect.poll(() => visitorFrames.filter((f) => f.type === 'status').at(-1)).toMatchObject({ owner: 'bot' });

    // A private note: shown to agents as a note, never to the visitor.
    await page.getByRole('button', { name: 'Private note' }).click();
    await page.getByLabel('Private note (only agents see it)').fill('VIP customer, offer onboarding call');
    await page.keyboard.press('Enter');
    await timeline.locator('[data-kind="note"]', { hasText: 'VIP customer' }).waitFor();
    expect(await axeViolations(page), 'conversation view').toEqual([]);

    // Resolve: the visitor's link says so.
    await page.getByRole('button', { name: 'Resolve' }).click();
    await expect.poll(() => visitorFrames.some((f) => f.type === 'status' && f.owner === 'resolved')).toBe(true);
    await page.getByRole('button', { name: 'Reopen' }).waitFor();
    const history = await fetch(`${baseUrl}/v1/conversations/${demo.conversationId}/messages`, {
      headers: { authorization: `Bearer ${demo.visitorToken}` },
    });
    expect(JSON.stringify(await history.json())).not.toContain('VIP customer');
    expect(visitorMessages.some((m) => m.text.includes('VIP customer'))).toBe(false);
    await page.context().close();
  }, 180_000);

  it('shows a conversation as its own view at 375 px, with a way back to the list', async () => {
    const context = await browser.newContext({ bypassCSP: true, viewport: { width: 375, height: 812 } });
    const page = await context.newPage();
    await loginThroughForm(page, demo);
    await page.goto(`${baseUrl}/console/inbox/${demo.conversationId}`);
    await page.getByRole('log', { name: 'Messages' }).getByText('What does it cost?').waitFor();
    expect(await page.getByRole('region', { name: 'Conversations' }).isVisible()).toBe(false);
    expect(await axeViolations(page), 'conversation at 375 px').toEqual([]);
    await page.getByRole('button', { name: /Back/ }).click();
    await page.getByRole('region', { name: 'Conversations' }).waitFor();
    await context.close();
  }, 120_000);

  it('moves through the list with j and k, twice in a row from where the last key left off', async () => {
    const page = await openConsole(browser, demo);
    await page.goto(`${baseUrl}/console/inbox`);
    const links = page.getByTestId('conversation-list').getByRole('link');
    await links.first().waitFor();
    const hrefs = await links.evaluateAll((anchors) => anchors.map((a) => new URL((a as HTMLAnchorElement).href).pathname));
    expect(hrefs.length).toBeGreaterThanOrEqual(2);
    await links.first().click();
    await page.waitForURL((url) => url.pathname === hrefs[0]);
    await page.getByRole('log', { name: 'Messages' }).focus();
    await page.keyboard.press('j');
    await page.waitForURL((url) => url.pathname === hrefs[1]);
    await page.keyboard.press('k');
    await page.waitForURL((url) => url.pathname === hrefs[0]);
    await page.context().close();
  }, 120_000);

  it('opens the live link in a second tab, where only the HttpOnly cookie knows the session, and sends a file from there', async () => {
    const first = await openConsole(browser, demo);
    const second = await first.context().newPage();
    await second.goto(`${baseUrl}/console/inbox/${demo.conversationId}`);
    await second.getByText('live (ws)').waitFor();
    expect(await second.evaluate(() => sessionStorage.getItem('parley.console.token'))).toBeNull();
    await second.getByTestId('attach-input').setInputFiles({ name: 'from-tab-2.txt', mimeType: 'text/plain', buffer: Buffer.from('hi') });
    await expect
      .poll(() => visitorMessages.find((m) => m.payload?.['name'] === 'from-tab-2.txt')?.author.role, { timeout: 20_000 })
      .toBe('agent');
    await first.context().close();
  }, 120_000);

  it('expands a /shortcut into the team’s canned response (old browser lists moved to the server once), inserts emoji, and snoozes a conversation out of the open list', async () => {
    const page = await openConsole(browser, demo);
    // Grace asked for a human when the demo was seeded: her conversation is open.
    const before = await (await page.request.get(`${baseUrl}/v1/inbox?view=all&status=open`)).json();
    const grace: string = before.items.find((item: { contact: { name: string | null } }) => item.contact.name === 'Grace Hopper')
      .conversation.id;
    await page.goto(`${baseUrl}/console/inbox/${grace}`);
    await page.getByText('live (ws)').waitFor();
    // Responses this browser kept before the server had them move to the team's list once, then the browser forgets them;
    // a shortcut the team already has keeps the team's text.
    await page.evaluate(() =>
      localStorage.setItem(
        'parley.console.canned',
        JSON.stringify([
          { shortcut: 'thanks', text: 'An old local thanks' },
          { shortcut: 'legacy', text: 'Kept in this browser before.' },
        ]),
      ),
    );
    // A canned response added on the Canned responses page is offered in the composer, from the server.
    await page.getByRole('link', { name: 'Canned responses', exact: true }).click();
    await page.getByText('/legacy').waitFor();
    expect(await page.evaluate(() => localStorage.getItem('parley.console.canned'))).toBeNull();
    await page.getByLabel('Shortcut').fill('refund');
    await page.getByLabel('Text', { exact: true }).fill('Your refund is on its way.');
    await page.getByRole('button', { name: 'Add', exact: true }).click();
    await page.getByText('/refund').waitFor();
    const shared = await (await page.request.get(`${baseUrl}/v1/canned-responses`)).json();
    expect(shared.items.map((item: { shortcut: string }) => item.shortcut)).toEqual(expect.arrayContaining(['refund', 'legacy', 'thanks']));
    // A taken shortcut is refused with the server's words.
    await page.getByLabel('Shortcut').fill('refund');
    await page.getByLabel('Text', { exact: true }).fill('Again');
    await page.getByRole('button', { name: 'Add', exact: true }).click();
    await page.getByText('Another canned response already has the shortcut /refund.').waitFor();
    expect(await axeViolations(page), 'canned responses with an error').toEqual([]);
    await page.goBack();
    await page.getByText('live (ws)').waitFor();
    const draft = page.getByLabel('Reply to the visitor');
    await draft.fill('/ref');
    await draft.press('Enter');
    await expect.poll(() => draft.inputValue()).toBe('Your refund is on its way.');
    await draft.fill('/tha');
    await page.getByRole('option', { name: /thanks/ }).waitFor();
    await draft.press('Enter');
    await expect.poll(() => draft.inputValue()).toBe('Thank you for your patience!');
    await page.getByRole('button', { name: 'Insert emoji' }).click();
    await page.getByRole('button', { name: 'Insert 👍' }).click();
    await expect.poll(() => draft.inputValue()).toContain('👍');
    await draft.fill('');

    await page.getByRole('button', { name: 'Snooze' }).click();
    await page.getByRole('menuitem', { name: /^1 hour/ }).click();
    await page.getByLabel('Status', { exact: true }).selectOption('snoozed');
    await page
      .getByTestId('conversation-list')
      .getByRole('link', { name: /Grace Hopper/ })
      .waitFor();
    const open = await (await page.request.get(`${baseUrl}/v1/inbox?view=all&status=open`)).json();
    expect(open.items.map((item: { conversation: { id: string } }) => item.conversation.id)).not.toContain(grace);
    await page.context().close();
  }, 120_000);

  it('shows when each row last moved, the visitor’s browser in words, the bot’s carousel and form as the visitor saw them, and assignments, snoozes and resolves as timeline lines; actions are one toolbar row', async () => {
    // 375 px first: the 1280 px pass resolves and reopens, which adds lines.
    for (const width of [375, 1280]) {
      const page = await openConsole(browser, demo, { width });
      await page.goto(`${baseUrl}/console/inbox`);
      // Each row has the time of its last message, with the exact time in its title.
      const row = page.getByTestId('conversation-list').getByRole('link', { name: /Leo Park/ });
      const time = row.locator('time.conversation-time');
      expect(await time.textContent()).toMatch(/^(now|\d+m|\d+h)$/);
      expect(await time.getAttribute('title')).toMatch(/\d{4}/);
      expect(await boxInside(time, row)).toBe(true);
      await row.click();
      await page.getByText('live (ws)').waitFor();
      const timeline = page.getByRole('log', { name: 'Messages' });
      // The carousel and the form, as the visitor saw them: every card's title and button, every field.
      const carousel = timeline.getByRole('group', { name: 'Carousel of 3 cards' });
      for (const text of ['Basic', 'Pro', 'Team', 'Choose Basic', 'Talk to sales'])
        await carousel.getByText(text, { exact: true }).waitFor();
      expect(await carousel.getByRole('link', { name: /Read more/ }).getAttribute('href')).toBe('https://example.com/pro');
      // Every card whole, inside the carousel and its bubble: the cards wrap, none is cut at an edge.
      const bubble = timeline.locator('.bubble:has(.rich-carousel)');
      for (const card of await carousel.locator('.rich-card').all()) {
        expect(await boxInside(card, carousel)).toBe(true);
        expect(await boxInside(card, bubble)).toBe(true);
      }
      const form = timeline.getByRole('group', { name: 'Form shown to the visitor' });
      for (const text of ['Email', 'Team size', 'Sign up']) await form.getByText(text, { exact: false }).first().waitFor();
      // What happened, in order, between the messages.
      const lines = timeline.locator('[data-activity]');
      await expect
        .poll(() => lines.allTextContents())
        .toEqual([
          expect.stringContaining('You moved the conversation to the Support queue'),
          expect.stringContaining('You assigned the conversation to Sam Rivera'),
          expect.stringContaining('You snoozed the conversation until'),
          expect.stringContaining('Snooze ended: a new message came in'),
        ]);
      // The actions are one row, inside the header, at both widths.
      const head = page.locator('.conversation-head');
      expect(await toolbarRows(page)).toBe(1);
      expect(await boxInside(page.getByRole('toolbar', { name: 'Conversation actions' }), head)).toBe(true);
      if (width === 1280) {
        // The visitor's browser in words: the server keeps browser, system and device class only, never the raw User-Agent (issue 18).
        const sidebar = page.getByRole('complementary', { name: 'Visitor' });
        for (const text of ['Safari', 'iOS', 'Mobile']) await sidebar.getByText(text, { exact: true }).waitFor();
        expect(await sidebar.getByText(/Mozilla\/5\.0/).count()).toBe(0);
        // The Assign menu: keyboard to open, the assignee checked, axe clean while open, Escape closes.
        const assign = page.getByRole('button', { name: 'Assigned to Sam Rivera: transfer' });
        await assign.focus();
        await page.keyboard.press('ArrowDown');
        const menu = page.getByRole('menu');
        expect(await menu.getByRole('menuitemradio', { name: /Sam Rivera/ }).getAttribute('aria-checked')).toBe('true');
        expect(await boxInside(menu, page.locator('.conversation-main'))).toBe(true);
        expect(await axeViolations(page), 'conversation with rich messages and the Assign menu open').toEqual([]);
        await page.keyboard.press('Escape');
        await menu.waitFor({ state: 'detached' });
        expect(await assign.evaluate((element) => element === document.activeElement)).toBe(true);
        // Resolving and reopening add their lines live.
        await page.getByRole('button', { name: 'Resolve' }).click();
        await lines.filter({ hasText: 'You resolved the conversation' }).waitFor();
        await page.getByRole('button', { name: 'Reopen' }).click();
        await lines.filter({ hasText: 'You reopened the conversation' }).waitFor();
      }
      await page.context().close();
    }
  }, 120_000);

  it('exports a conversation from the sidebar: a printable page in a new tab, a text file with private notes only when asked', async () => {
    const page = await openConsole(browser, demo);
    await page.goto(`${baseUrl}/console/inbox/${demo.richConversationId}`);
    const sidebar = page.getByRole('complementary', { name: 'Visitor' });
    const [printView] = await Promise.all([page.waitForEvent('popup'), sidebar.getByRole('link', { name: 'Print view' }).click()]);
    await printView.waitForLoadState();
    expect(await printView.title()).toMatch(/^Conversation with /);
    await printView.getByText('Exported').waitFor();
    expect(await printView.locator('.note').count()).toBe(0);
    expect(await axeViolations(printView), 'printable transcript').toEqual([]);
    const download = async () => {
      const [file] = await Promise.all([page.waitForEvent('download'), sidebar.getByRole('link', { name: 'Text' }).click()]);
      expect(file.suggestedFilename()).toBe(`conversation-${demo.richConversationId}.txt`);
      return readFile(await file.path(), 'utf8');
    };
    expect(await download()).not.toContain('(private note)');
    await sidebar.getByLabel('Include private notes').check();
    expect(await download()).toMatch(/\(private note\): /);
    // This server sends no mail: the form says so in the server's words instead of pretending.
    await sidebar.getByLabel('Email it to').fill('lead@example.org');
    await sidebar.getByRole('button', { name: 'Send' }).click();
    await sidebar.getByRole('status').filter({ hasText: 'PARLEY_SMTP_URL' }).waitFor();
    expect(await axeViolations(page), 'sidebar with the transcript controls').toEqual([]);
    await page.context().close();
  }, 60_000);

  it('offers one status per question: Open and With the bot do not overlap, and Mine is not offered with the bot', async () => {
    // Ada's conversation goes back to the bot.
    const back = await fetch(`${baseUrl}/v1/inbox/${demo.conversationId}/handback`, {
      method: 'POST',
      headers: { authorization: `Bearer ${demo.token}`, 'content-type': 'application/json' },
      body: '{}',
    });
    expect([200, 409]).toContain(back.status); // 409: it was the bot's already.
    const page = await openConsole(browser, demo);
    await page.goto(`${baseUrl}/console/inbox`);
    const list = page.getByTestId('conversation-list');
    await list.getByRole('link', { name: /Leo Park/ }).waitFor();
    expect(await list.getByRole('link', { name: /Ada Lovelace/ }).count()).toBe(0);
    expect(await page.getByRole('checkbox', { name: 'With the bot' }).count()).toBe(0);
    await page.getByRole('button', { name: 'Mine' }).click();
    await page.getByLabel('Status', { exact: true }).selectOption('pending');
    // Mine could only be empty with the bot: the view falls back to All and Mine says why it is off.
    expect(await page.getByRole('button', { name: 'All' }).getAttribute('aria-pressed')).toBe('true');
    expect(await page.getByRole('button', { name: 'Mine' }).getAttribute('aria-disabled')).toBe('true');
    await list.getByRole('link', { name: /Ada Lovelace/ }).waitFor();
    expect(await list.getByRole('link', { name: /Leo Park/ }).count()).toBe(0);
    expect(await list.locator('.owner:not(.owner-bot)').count()).toBe(0);
    expect(await axeViolations(page), 'inbox with the bot’s conversations').toEqual([]);
    await page.context().close();
  }, 60_000);

  it('sends files picked, dropped or pasted in the composer: the visitor gets them, images show inline and other files as links; a wrong type or a too-large file says why', async () => {
    const page = await openConsole(browser, demo);
    await page.goto(`${baseUrl}/console/inbox/${demo.conversationId}`);
    await page.getByText('live (ws)').waitFor();
    const timeline = page.getByRole('log', { name: 'Messages' });
    const attach = page.getByTestId('attach-input');
    const fileFor = (name: string) => visitorMessages.find((m) => m.type === 'file' && m.payload?.['name'] === name);

    // Picked with the attach button: an image, shown inline once loaded.
    await attach.setInputFiles({ name: 'pixel.png', mimeType: 'image/png', buffer: Buffer.from(PIXEL_PNG, 'base64') });
    await expect.poll(() => fileFor('pixel.png')?.author.role).toBe('agent');
    const image = timeline.getByRole('img', { name: 'pixel.png' });
    await expect.poll(() => image.evaluate((img: HTMLImageElement) => img.complete && img.naturalWidth)).toBe(1);

    // Dropped on the composer, and pasted into the text box: other files are download links with name and size.
    await page.locator('form.composer').evaluate((form) => {
      const transfer = new DataTransfer();
      transfer.items.add(new File(['Invoice 42\n'], 'invoice.txt', { type: 'text/plain' }));
      form.dispatchEvent(new DragEvent('drop', { dataTransfer: transfer, bubbles: true, cancelable: true }));
    });
    await page.getByLabel('Reply to the visitor').evaluate((area) => {
      const transfer = new DataTransfer();
      transfer.items.add(new File(['%PDF-1.4\n%%EOF\n'], 'terms.pdf', { type: 'application/pdf' }));
      area.dispatchEvent(new ClipboardEvent('paste', { clipboardData: transfer, bubbles: true, cancelable: true }));
    });
    await expect
      .poll(() => [fileFor('invoice.txt')?.payload?.['mimeType'], fileFor('terms.pdf')?.payload?.['mimeType']])
      .toEqual(['text/plain', 'application/pdf']);
    expect(await timeline.getByRole('link', { name: /invoice\.txt/ }).textContent()).toContain('11 B');
    await timeline.getByRole('link', { name: /terms\.pdf/ }).waitFor();
    expect(await page.getByLabel('Reply to the visitor').inputValue()).toBe(''); // A pasted file is not pasted as text.
    // Dropped beside the composer: nothing is sent, and the browser does not open the file in place of the console.
    const dropOnTimeline = await timeline.evaluate((log) => {
      const transfer = new DataTransfer();
      transfer.items.add(new File(['stray'], 'stray.txt', { type: 'text/plain' }));
      const drop = new DragEvent('drop', { dataTransfer: transfer, bubbles: true, cancelable: true });
      log.dispatchEvent(drop);
      return drop.defaultPrevented;
    });
    expect(dropOnTimeline).toBe(true);

    // Refused: markup named .png (the server's message), and a file over 10 MB (said before sending it).
    await attach.setInputFiles({ name: 'logo.png', mimeType: 'image/png', buffer: Buffer.from('<svg onload="alert(1)"/>') });
    await page.getByText('logo.png is not an image, a PDF or plain text.').waitFor();
    await attach.setInputFiles({ name: 'huge.txt', mimeType: 'text/plain', buffer: Buffer.alloc(10 * 1024 * 1024 + 1, 97) });
    await page.getByText('huge.txt was not sent: the file has 10485761 bytes; at most 10485760 (10 MB) are accepted.').waitFor();
    expect(await axeViolations(page), 'conversation with files and upload errors').toEqual([]);
    await page.getByRole('button', { name: 'Dismiss the error about logo.png' }).click();
    await expect.poll(() => page.getByText('logo.png is not an image').count()).toBe(0);
    expect(visitorMessages.some((m) => ['logo.png', 'huge.txt', 'stray.txt'].includes(String(m.payload?.['name'])))).toBe(false);

    // A note cannot carry a file: in note mode the composer says so and sends nothing.
    await page.getByRole('button', { name: 'Private note' }).click();
    await attach.setInputFiles({ name: 'secret.txt', mimeType: 'text/plain', buffer: Buffer.from('internal') });
    await page.getByText('Files are sent to the visitor, never as a note').waitFor();
    expect(fileFor('secret.txt')).toBeUndefined();
    await page.context().close();
  }, 120_000);

  it("shows a bot's streamed reply live while it is generated, then the stored message", async () => {
    // A fake n8n Chat Trigger that streams NDJSON: the first words at once, the rest when the test says so.
    let release: () => void = () => {};
    const released = new Promise<void>((done) => (release = done));
    const meta = { nodeId: 'agent', runIndex: 0 };
    const n8n: Server = createServer((request, response) => {
      request.resume();
      response.writeHead(200, { 'content-type': 'text/plain' });
      response.write(
        `${JSON.stringify({ type: 'begin', metadata: meta })}\n${JSON.stringify({ type: 'item', content: 'Our hours are ', metadata: meta })}\n`,
      );
      void released.then(() =>
        response.end(
          `${JSON.stringify({ type: 'item', content: '9 to 5.', metadata: meta })}\n${JSON.stringify({ type: 'end', metadata: meta })}\n`,
        ),
      );
    });
    await new Promise<void>((done) => n8n.listen(0, '127.0.0.1', done));
    const api = async <T>(method: string, path: string, body?: unknown): Promise<T> => {
      const response = await fetch(`${baseUrl}${path}`, {
        method,
        headers: { authorization: `Bearer ${demo.token}`, 'content-type': 'application/json' },
        body: JSON.stringify(body ?? {}),
      });
      expect(response.ok, `${method} ${path}`).toBe(true);
      return (await response.json()) as T;
    };
    const bot = await api<{ id: string }>('POST', '/v1/bots', {
      kind: 'webhook',
      name: 'Streaming n8n',
      config: {
        url: `http://127.0.0.1:${(n8n.address() as AddressInfo).port}/webhook/chat`,
        flavor: 'n8n',
        stream: true,
        allowPrivateNetwork: true,
      },
    });
    const widget = await api<{ id: string }>('POST', '/v1/widgets', { name: 'Streaming', botId: bot.id });
    const session = await api<{ token: string; conversationId: string }>('POST', `/v1/widgets/${widget.id}/sessions`, {
      contact: { name: 'Lin Streams' },
    });
    const streamer = new Connection({
      baseUrl,
      token: session.token,
      WebSocket: WebSocket as unknown as WebSocketConstructor,
      transports: ['ws'],
    });
    streamer.connect();
    await new Promise<void>((done) => streamer.on('ready', () => done()));

    const page = await openConsole(browser, demo);
    await page.goto(`${baseUrl}/console/inbox/${session.conversationId}`);
    await page.getByText('live (ws)').waitFor();
    streamer.send('When are you open?');
    const timeline = page.getByRole('log', { name: 'Messages' });
    await timeline.locator('[data-kind="stream"]', { hasText: 'Our hours are' }).waitFor();
    release();
    await timeline.locator('[data-kind="message"].from-bot', { hasText: 'Our hours are 9 to 5.' }).waitFor();
    await timeline.locator('[data-kind="stream"]').waitFor({ state: 'detached' });
    streamer.close();
    await page.context().close();
    await new Promise<void>((done) => n8n.close(() => done()));
  }, 120_000);
});
