import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Browser, Locator, Page } from 'playwright-core';
import {
  axeViolations,
  CONSOLE_ADMIN_ENV,
  DEMO_ADMIN,
  launchBrowser,
  openConsole,
  startFreshServer,
  type FreshServer,
} from '@parley/testkit';

/** Conversations in the inbox list: its answer is stubbed (seeding 10,000 real ones takes minutes). */
const COUNT = 10_000;
/** Rows in the DOM at most: a screenful of an 800 px window and the overscan either side. */
const ROW_BOUND = 40;

/** The inbox's state as the stubbed API tells it: the conversations' order, their unread counts and last activity. */
const state = {
  order: Array.from({ length: COUNT }, (_, index) => index),
  unread: new Map<number, number>(),
  at: new Map<number, string>(),
  reads: 0,
};

/**
 * When conversation `index` last changed: fixed times a second apart, the first the newest (the server lists newest
 * activity first), so that a read of the list changes only what the test changes.
 */
const AT = Date.parse('2026-01-05T10:00:00.000Z');
const atOf = (index: number): string => new Date(AT - index * 1000).toISOString();

const idOf = (index: number): string => `cnv_window${String(index).padStart(16, '0')}`;
const nameOf = (index: number): string => `Customer ${index}`;

/** One conversation as `GET /v1/inbox` lists it (only what the list shows). */
function item(index: number, at = state.at.get(index) ?? atOf(index)) {
  return {
    conversation: {
      id: idOf(index),
      widgetId: 'wgt_window',
      owner: 'queued',
      status: 'open',
      assignee: null,
      teamId: null,
      priority: 'normal',
      createdAt: at,
      updatedAt: at,
      snoozedUntil: null,
    },
    contact: { id: null, name: nameOf(index), email: null },
    lastMessage: {
      id: `msg_window${String(index).padStart(16, '0')}`,
      conversationId: idOf(index),
      seq: 1,
      author: { role: 'visitor', id: 'visitor', name: nameOf(index) },
      type: 'text',
      text: `Question number ${index}`,
      createdAt: at,
    },
    unread: state.unread.get(index) ?? 1,
    waitingSinceMs: 60_000,
  };
}

/** Counts reads of the list: a live update is seen once the list was read again. */
async function stubInbox(page: Page): Promise<void> {
  await page.route(/\/v1\/inbox\?view=all&/, async (route) => {
    state.reads++;
    await route.fulfill({ json: { items: state.order.map((index) => item(index)), nextCursor: null } });
  });
}

/** Keeps the page's EventSources at hand, to hand the console's inbox stream an event as the server sends it. */
function captureEventSources(): void {
  const sources: EventSource[] = [];
  Object.assign(window, { parleySources: sources });
  const Native = window.EventSource;
  window.EventSource = class extends Native {
    constructor(url: string | URL, init?: EventSourceInit) {
      super(url, init);
      sources.push(this);
    }
  };
}

/** The inbox stream's event for conversation `index` as the stubbed state now tells it (its new list entry). */
async function inboxEvent(page: Page, index: number, reason: 'message' | 'read'): Promise<void> {
  const frame = JSON.stringify({ type: 'inbox', reason, item: item(index) });
  await page.evaluate((data) => {
    for (const source of (window as unknown as { parleySources: EventSource[] }).parleySources)
      if (source.url.includes('inbox=1')) source.dispatchEvent(new MessageEvent('message', { data }));
  }, frame);
}

const list = (page: Page): Locator => page.getByTestId('conversation-list');
const rowCount = (page: Page): Promise<number> => list(page).locator(':scope > li[data-key]').count();

/** The rendered rows in order: their position (aria-posinset) and the name they show. */
function renderedRows(page: Page): Promise<{ position: number; name: string; top: number }[]> {
  return list(page).evaluate((element) => {
    const top = element.getBoundingClientRect().top;
    return [...element.querySelectorAll(':scope > li[data-key]')].map((row) => ({
      position: Number(row.getAttribute('aria-posinset')),
      name: row.querySelector('.conversation-name')?.textContent ?? '',
      top: row.getBoundingClientRect().top - top,
    }));
  });
}

/** The position and name of the focused row (the link inside it holds the focus). */
function focusedRow(page: Page): Promise<{ position: number; name: string } | null> {
  return page.evaluate(() => {
    const row = document.activeElement?.closest('li[data-key]');
    return row
      ? { position: Number(row.getAttribute('aria-posinset')), name: row.querySelector('.conversation-name')?.textContent ?? '' }
      : null;
  });
}

/**
 * Records which rows the DOM changed in: any mutation inside a row, or a row put in, moved or taken out. The rows'
 * positions (aria-posinset, aria-setsize) are left out: a conversation moving to the top changes every row's
 * position, and the list writes those attributes itself without rendering the rows.
 */
function watchRows(page: Page): Promise<void> {
  return list(page).evaluate((element) => {
    const touched = new Set<string>();
    Object.assign(window, { parleyTouchedRows: touched });
    const keyOf = (node: Node | null): string | undefined =>
      (node instanceof Element ? node : node?.parentElement)?.closest<HTMLElement>('li[data-key]')?.dataset['key'];
    new MutationObserver((records) => {
      for (const record of records) {
        if (record.type === 'attributes' && /^aria-(posinset|setsize)$/.test(record.attributeName ?? '')) continue;
        if (record.target === element) {
          for (const node of [...record.addedNodes, ...record.removedNodes]) {
            const key = node instanceof HTMLElement ? node.dataset['key'] : undefined;
            if (key !== undefined) touched.add(key);
          }
        } else {
          const key = keyOf(record.target);
          if (key !== undefined) touched.add(key);
        }
      }
    }).observe(element, { childList: true, subtree: true, attributes: true, characterData: true });
  });
}
const touchedRows = (page: Page): Promise<string[]> =>
  page.evaluate(() => [...(window as unknown as { parleyTouchedRows: Set<string> }).parleyTouchedRows]);

let server: FreshServer;
let browser: Browser;
let page: Page;
beforeAll(async () => {
  [server, browser] = await Promise.all([startFreshServer(CONSOLE_ADMIN_ENV), launchBrowser()]);
  page = await openConsole(browser, { baseUrl: server.url, adminEmail: DEMO_ADMIN.email, adminPassword: DEMO_ADMIN.password });
  await stubInbox(page);
  await page.context().addInitScript(captureEventSources);
  await page.goto(`${server.url}/console/inbox`);
  await list(page).getByText(nameOf(0), { exact: true }).waitFor();
}, 120_000);
afterAll(async () => {
  await browser?.close();
  await server?.close();
});

describe('the inbox list with 10,000 conversations (windowed)', { timeout: 60_000 }, () => {
  it('holds a bounded number of rows in the DOM, each saying its place in the whole list, with the whole list’s height', async () => {
    expect(await rowCount(page)).toBeLessThanOrEqual(ROW_BOUND);
    const rows = await renderedRows(page);
    expect(rows[0]).toMatchObject({ position: 1, name: nameOf(0) });
    expect(await list(page).locator(':scope > li[data-key]').first().getAttribute('aria-setsize')).toBe(String(COUNT));
    const { scrollHeight, rowHeight } = await list(page).evaluate((element) => ({
      scrollHeight: element.scrollHeight,
      rowHeight: element.querySelector(':scope > li[data-key]')!.getBoundingClientRect().height,
    }));
    expect(Math.abs(scrollHeight - COUNT * rowHeight)).toBeLessThan(rowHeight);
    expect(await axeViolations(page), 'windowed inbox').toEqual([]);
  });

  it('shows the right rows when scrolled to the middle, in order, at their place', async () => {
    await list(page).evaluate((element) => (element.scrollTop = element.scrollHeight / 2));
    await expect.poll(async () => (await renderedRows(page)).some((row) => row.position === COUNT / 2)).toBe(true);
    const rows = await renderedRows(page);
    expect(rows.length).toBeLessThanOrEqual(ROW_BOUND);
    rows.forEach((row, index) => {
      expect(row.name).toBe(nameOf(row.position - 1));
      if (index > 0) expect(row.position).toBe(rows[index - 1]!.position + 1);
    });
    // The row at the top of the view is the one whose place in the list is there.
    const height = rows[1]!.top - rows[0]!.top;
    const atTop = rows.find((row) => row.top <= 0 && row.top + height > 0);
    expect(atTop?.position).toBe(Math.floor(COUNT / 2) + 1);
  });

  it('moves the focus across the window’s edge with the arrow keys, Tab, End and Home', async () => {
    await list(page).evaluate((element) => (element.scrollTop = 0));
    // The window follows the scroll a frame later: focus the first row once it is the one rendered first.
    await expect.poll(async () => (await renderedRows(page))[0]?.position).toBe(1);
    await list(page).getByRole('link').first().focus();
    for (let step = 0; step < 30; step++) await page.keyboard.press('ArrowDown');
    expect(await focusedRow(page)).toEqual({ position: 31, name: nameOf(30) });
    for (let step = 0; step < 25; step++) await page.keyboard.press('Tab');
    expect(await focusedRow(page)).toEqual({ position: 56, name: nameOf(55) });
    await page.keyboard.press('ArrowUp');
    expect(await focusedRow(page)).toEqual({ position: 55, name: nameOf(54) });
    await page.keyboard.press('End');
    expect(await focusedRow(page)).toEqual({ position: COUNT, name: nameOf(COUNT - 1) });
    await page.keyboard.press('Shift+Tab');
    expect(await focusedRow(page)).toEqual({ position: COUNT - 1, name: nameOf(COUNT - 2) });
    await page.keyboard.press('Home');
    expect(await focusedRow(page)).toEqual({ position: 1, name: nameOf(0) });
    expect(await rowCount(page)).toBeLessThanOrEqual(ROW_BOUND);
    // The focused row is in view.
    const box = await page.evaluate(() => document.activeElement!.getBoundingClientRect().top);
    const listBox = await list(page).boundingBox();
    expect(box).toBeGreaterThanOrEqual(listBox!.y - 1);
  });

  it('renders only the rows a live update changed: one moving to the top with new messages, one read', async () => {
    await page.evaluate(() => (document.activeElement as HTMLElement | null)?.blur());
    await list(page).evaluate((element) => (element.scrollTop = 0));
    await expect.poll(async () => (await renderedRows(page))[0]?.name).toBe(nameOf(0));
    await watchRows(page);
    const reads = state.reads;
    // Conversation 7 gets messages (to the top, 4 unread); conversation 3 is read. The server's answer says so too.
    state.order = [7, ...state.order.filter((index) => index !== 7)];
    state.at.set(7, atOf(-5));
    state.unread.set(7, 4);
    state.unread.set(3, 0);
    // The inbox stream's events carry the two entries: the list puts them in place without reading itself again.
    await inboxEvent(page, 7, 'message');
    await inboxEvent(page, 3, 'read');
    await expect.poll(async () => (await renderedRows(page))[0]?.name).toBe(nameOf(7));
    expect(state.reads).toBe(reads);
    const touched = await touchedRows(page);
    // The moved row, the read one, and at most one leaving the window's far edge.
    expect(touched.length, touched.join(', ')).toBeLessThanOrEqual(3);
    expect(touched).toEqual(expect.arrayContaining([idOf(7), idOf(3)]));
    const rows = await renderedRows(page);
    expect(rows.slice(0, 9).map((row) => row.name)).toEqual([7, 0, 1, 2, 3, 4, 5, 6, 8].map(nameOf));
    expect(rows.slice(0, 9).map((row) => row.position)).toEqual([1, 2, 3, 4, 5, 6, 7, 8, 9]);
  });

  it('does not read the list again on the watcher’s polls while the inbox stream is up', async () => {
    const reads = state.reads;
    // The watcher asks for the agent's own open conversations every 5 s (the unread count in the title).
    let polls = 0;
    const counted = (request: { url: () => string }) => void (request.url().includes('/v1/inbox?view=mine') && polls++);
    page.on('request', counted);
    await expect.poll(() => polls, { timeout: 30_000 }).toBeGreaterThanOrEqual(2);
    page.off('request', counted);
    expect(state.reads).toBe(reads);
  });

  it('keeps the row read in place when a conversation far below moves to the top', async () => {
    await list(page).evaluate((element) => (element.scrollTop = 3000));
    await expect.poll(async () => (await renderedRows(page)).some((row) => row.top >= 0 && row.top < 100)).toBe(true);
    const before = (await renderedRows(page)).find((row) => row.top >= 0)!;
    state.order = [9000, ...state.order.filter((index) => index !== 9000)];
    state.at.set(9000, atOf(-6));
    await inboxEvent(page, 9000, 'message');
    await expect.poll(async () => (await renderedRows(page)).find((row) => row.name === before.name)?.position).toBe(before.position + 1);
    const after = (await renderedRows(page)).find((row) => row.name === before.name)!;
    expect(Math.abs(after.top - before.top)).toBeLessThan(2);
  });
});
