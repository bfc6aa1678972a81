import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { BrowserContext, Locator, Page } from 'playwright-core';
import type { Browser } from 'playwright-core';
import {
  axeViolations,
  CONSOLE_ADMIN_ENV,
  DEMO_ADMIN,
  openConsole,
  continueInBrowser,
  launchBrowser,
  NO_VOLUME_LIMITS,
  seedLongConversation,
  startWidgetEnv,
  widget,
  type LongConversation,
  type WidgetEnv,
} from '@parley/testkit';

const HISTORY = 1000;
/** The widget renders the newest 50 messages; a few more nodes (outbox, typing) may join them. */
const ROW_BOUND = 60;
/** Rows the widget and the console put in per task while a window fills (their STEP): the newest first, the rest after each paint. */
const STEP = 12;
/** Messages the widget applies (stores, renders, shares with its other tabs) per task when a backlog arrives: its window. */
const WINDOW = 50;

/**
 * Counts the DOM commits that added rows (elements matching `selector`), and how many rows each added: a
 * MutationObserver calls back once per task that changed what it watches — the document, and the widget's
 * shadow root — so one render per arriving message would count each, and a window mounted whole in one
 * task shows as one big commit.
 */
function countRowCommits(selector: string): void {
  const counter = { commits: 0, added: [] as number[] };
  Object.assign(window, { parleyRowCommits: counter });
  // A row is counted once, in the commit that put it in, even when its parent's record lists it again.
  const counted = new WeakSet<Element>();
  const count = (records: MutationRecord[]) => {
    let rows = 0;
    for (const record of records) {
      for (const node of record.addedNodes) {
        if (!(node instanceof HTMLElement)) continue;
        for (const row of [...(node.matches(selector) ? [node] : []), ...node.querySelectorAll(selector)]) {
          if (counted.has(row)) continue;
          counted.add(row);
          rows++;
        }
      }
    }
    if (rows > 0) {
      counter.commits++;
      counter.added.push(rows);
    }
  };
  new MutationObserver(count).observe(document, { childList: true, subtree: true });
  const attach = Element.prototype.attachShadow;
  Element.prototype.attachShadow = function (init) {
    const root = attach.call(this, init);
    new MutationObserver(count).observe(root, { childList: true, subtree: true });
    return root;
  };
}

/**
 * Records the `messages` the widget's leading tab shares with the other tabs over its BroadcastChannel (`name`): the
 * same slices it stores and renders, in the order it passes them on (a page's own channel hears the widget's).
 */
function recordShared(name: string): void {
  const slices: number[][] = [];
  Object.assign(window, { parleyShared: slices });
  new BroadcastChannel(name).onmessage = ({ data }: MessageEvent<{ k?: string; e?: string; p?: { seq: number }[] }>) => {
    if (data.k === 'ev' && data.e === 'messages' && data.p !== undefined) slices.push(data.p.map((message) => message.seq));
  };
}
const sharedSlices = (page: Page): Promise<number[][]> =>
  page.evaluate(() => (window as unknown as { parleyShared: number[][] }).parleyShared);

const rowCommits = (page: Page): Promise<number> =>
  page.evaluate(() => (window as unknown as { parleyRowCommits: { commits: number } }).parleyRowCommits.commits);
/** The rows each commit added, in order. */
const rowsPerCommit = (page: Page): Promise<number[]> =>
  page.evaluate(() => (window as unknown as { parleyRowCommits: { added: number[] } }).parleyRowCommits.added);
const rows = (page: Page): Promise<number> => widget(page).log().locator('.row').count();

/** Where the first entry visible in a scrolled element is, and its text: to check it stays put while earlier ones go in above. */
async function firstVisible(scroller: Locator, rowSelector: string): Promise<{ text: string; offset: number }> {
  return scroller.evaluate((element, selector) => {
    const top = element.getBoundingClientRect().top;
    const row = [...element.querySelectorAll(selector)].find((candidate) => candidate.getBoundingClientRect().top >= top);
    return { text: row?.textContent ?? '', offset: (row?.getBoundingClientRect().top ?? 0) - top };
  }, rowSelector);
}

async function offsetOf(scroller: Locator, rowSelector: string, text: string): Promise<number> {
  return scroller.evaluate(
    (element, [selector, wanted]) => {
      const row = [...element.querySelectorAll(selector ?? '')].find((candidate) => candidate.textContent === wanted);
      return (row?.getBoundingClientRect().top ?? NaN) - element.getBoundingClientRect().top;
    },
    [rowSelector, text],
  );
}

/** The few fields of a Chromium trace event these tests read. */
interface TraceEvent {
  readonly name: string;
  readonly ph: string;
  readonly ts: number;
  readonly dur?: number;
  readonly tid: number;
  readonly args?: {
    readonly data?: { readonly type?: string };
    readonly beginData?: { readonly stackTrace?: readonly { readonly url?: string }[] };
  };
}

/**
 * The layouts the widget's own script forced while `action` ran: a Layout whose stack is the widget's, outside
 * an animation frame and a scroll event (where the frame lays the page out anyway, or has just done so). A
 * forced layout inside a render joins the whole window's layout to that render's task.
 */
async function forcedLayouts(page: Page, action: () => Promise<void>): Promise<number> {
  const cdp = await page.context().newCDPSession(page);
  const events: TraceEvent[] = [];
  // Typed as string maps by Playwright's CDP types; they are Chromium's JSON trace events.
  cdp.on('Tracing.dataCollected', ({ value }) => events.push(...(value as unknown as TraceEvent[])));
  const categories = ['devtools.timeline', 'disabled-by-default-devtools.timeline', 'disabled-by-default-devtools.timeline.stack'];
  await cdp.send('Tracing.start', { categories: categories.join(','), transferMode: 'ReportEvents' });
  try {
    await action();
  } finally {
    const complete = new Promise((resolve) => cdp.once('Tracing.tracingComplete', resolve));
    await cdp.send('Tracing.end');
    await complete;
    await cdp.detach();
  }
  const within = (outer: TraceEvent, inner: TraceEvent) =>
    outer.tid === inner.tid && outer.ts <= inner.ts && inner.ts <= outer.ts + (outer.dur ?? 0);
  const frames = events.filter(
    (event) =>
      event.ph === 'X' && (event.name === 'FireAnimationFrame' || (event.name === 'EventDispatch' && event.args?.data?.type === 'scroll')),
  );
  return events.filter(
    (event) =>
      event.name === 'Layout' &&
      (event.args?.beginData?.stackTrace ?? []).some((frame) => /\/widget[/.]/.test(frame.url ?? '')) &&
      !frames.some((frame) => within(frame, event)),
  ).length;
}

// One server and one seeded history for the widget and the console. Real Chromium against a real
// server on a shared machine: generous time, never a timed assertion.
let env: WidgetEnv;
let browser: Browser;
let conversation: LongConversation;
beforeAll(async () => {
  [env, browser] = await Promise.all([startWidgetEnv({ ...CONSOLE_ADMIN_ENV, ...NO_VOLUME_LIMITS }), launchBrowser()]);
  conversation = await seedLongConversation(env.serverUrl, env.widgetId, HISTORY, DEMO_ADMIN);
}, 120_000);
afterAll(async () => {
  await browser?.close();
  await env?.close();
});

/** The conversation's newest seq as the server has it now: tests before (a second tab's new message) add to it. */
async function lastSeqOnServer(): Promise<number> {
  const newest = await fetch(
    `${env.serverUrl}/v1/conversations/${conversation.conversationId}/messages?before=${Number.MAX_SAFE_INTEGER}&limit=1`,
    { headers: { authorization: `Bearer ${conversation.token}` } },
  );
  const { items } = (await newest.json()) as { items: { seq: number }[] };
  return items.at(-1)?.seq ?? 0;
}

describe('a long conversation in the widget', { timeout: 120_000 }, () => {
  let context: BrowserContext;
  let page: Page;
  beforeAll(async () => {
    // axe is injected as an inline script, which the host pages' CSP would refuse.
    context = await browser.newContext({ bypassCSP: true });
    await context.addInitScript(countRowCommits, '.row');
    await context.addInitScript(recordShared, `parley:v1:${env.widgetId}`);
    await continueInBrowser(context, env.widgetId, conversation);
    page = await context.newPage();
  });
  afterAll(() => context?.close());

  it('receives a backlog of a thousand messages in a few renders and keeps a bounded number of them in the DOM', async () => {
    await page.goto(`${env.hostUrl}/script-tag.html`);
    await widget(page).log().getByText(conversation.newestText).waitFor();
    // Batches of at most 200 messages: five commits for the backlog, plus filling the window step by step and settling.
    expect(await rowCommits(page)).toBeLessThanOrEqual(HISTORY / 200 + 10 + ROW_BOUND / STEP);
    expect(await rows(page)).toBeLessThanOrEqual(ROW_BOUND);
  });

  it('applies a backlog newest first, a window of it per task, so its first task is that of a short conversation', async () => {
    // The previous test opened the page: the whole history came over the link, and the widget passes it on in slices.
    await expect.poll(async () => (await sharedSlices(page)).flat().length).toBeGreaterThanOrEqual(HISTORY);
    const slices = await sharedSlices(page);
    expect(slices[0]?.at(-1), 'the first slice ends at the newest message').toBe(conversation.lastSeq);
    expect(Math.max(...slices.map((slice) => slice.length))).toBeLessThanOrEqual(WINDOW);
    // Each slice is older than the one before, in order within: what a tab holds is always the newest run, every message once.
    for (const [index, slice] of slices.entries()) {
      expect(slice, `slice ${index}`).toEqual([...slice].sort((a, b) => a - b));
      if (index > 0) expect(slice.at(-1), `slice ${index}`).toBeLessThan(slices[index - 1]?.[0] ?? 0);
    }
    expect(new Set(slices.flat()).size).toBe(slices.flat().length);
  });

  it('paints the newest rows first and fills the window a step per task, on first open and after a reload', async () => {
    // The previous test opened the page: its commits are those of a first open with the whole backlog over the link.
    await expect.poll(() => rows(page)).toBeGreaterThan(2 * STEP);
    for (const when of ['first open', 'reload']) {
      if (when === 'reload') {
        await page.reload();
        await widget(page).log().getByText(conversation.newestText).waitFor();
        await expect.poll(() => rows(page)).toBeGreaterThan(2 * STEP);
      }
      const added = await rowsPerCommit(page);
      // No task mounts a whole window: the newest step shows first (with the newest message), the rest after each paint.
      expect(Math.max(...added), `${when}: ${added.join(', ')}`).toBeLessThanOrEqual(STEP);
      expect(added.length, `${when}: ${added.join(', ')}`).toBeGreaterThan(2);
    }
  });

  it('loads earlier messages on scrolling up, keeping the one read in place', async () => {
    const log = widget(page).log();
    const before = await rows(page);
    // Read somewhere below the top, then ask for earlier ones (the button; a scroll to the top does the same).
    await log.evaluate((element) => (element.scrollTop = 400));
    const read = await firstVisible(log, '.row');
    await log.getByRole('button', { name: /Earlier messages/ }).evaluate((button) => (button as HTMLButtonElement).click());
    await expect.poll(() => rows(page)).toBeGreaterThan(before);
    expect(Math.abs((await offsetOf(log, '.row', read.text)) - read.offset)).toBeLessThan(2);
    // Scrolling to the top loads more again.
    const more = await rows(page);
    await log.evaluate((element) => (element.scrollTop = 0));
    await expect.poll(() => rows(page)).toBeGreaterThan(more);
    expect(await axeViolations(page), 'long conversation scrolled up').toEqual([]);
  });

  it('reopens after a reload from storage, still bounded, and reaches the very first message by scrolling up, from the server past what is stored', async () => {
    await page.reload();
    await widget(page).log().getByText(conversation.newestText).waitFor();
    expect(await rows(page)).toBeLessThanOrEqual(ROW_BOUND);
    const log = widget(page).log();
    // Storage keeps the newest 300; the rest comes from the server, a page per scroll.
    for (let step = 0; step < 40 && (await log.getByText(conversation.oldestText).count()) === 0; step++) {
      const count = await rows(page);
      await log.evaluate((element) => (element.scrollTop = 0));
      await expect.poll(() => rows(page).then((now) => now > count || now >= HISTORY)).toBe(true);
    }
    await log.getByText(conversation.oldestText).waitFor();
    await expect(log.getByRole('button', { name: /Earlier messages/ }).count()).resolves.toBe(0);
    // Back at the bottom, the window shrinks to the newest again.
    await log.evaluate((element) => (element.scrollTop = element.scrollHeight));
    await expect.poll(() => rows(page)).toBeLessThanOrEqual(ROW_BOUND);
  });

  it('shares the long conversation with a second tab, bounded there too, and a new message reaches both', async () => {
    const second = await context.newPage();
    await second.goto(`${env.hostUrl}/script-tag.html`);
    await widget(second).log().getByText(conversation.newestText).waitFor();
    expect(await rows(second)).toBeLessThanOrEqual(ROW_BOUND);
    await widget(second).send('one more question');
    for (const tab of [page, second]) await widget(tab).log().getByText('one more question').waitFor();
    expect(await rows(second)).toBeLessThanOrEqual(ROW_BOUND);
    await second.close();
  });

  it('opens without forcing a layout inside its renders: the window is laid out and scrolled in the browser frames', async () => {
    const forced = await forcedLayouts(page, async () => {
      await page.reload();
      await widget(page).log().getByText(conversation.newestText).waitFor();
      // The window filled step by step, up to its fourth step at least (some messages are not rows: events).
      await expect.poll(() => rows(page)).toBeGreaterThan(3 * STEP);
    });
    // Before the frame-aligned scrolls a reopen forced 5; on a busy machine (two test files at a time) one
    // occasionally still shows up in the trace (CI: 1 in 1 of 4 runs), so the bound is 1, which 5 still fails.
    expect(forced).toBeLessThanOrEqual(1);
    // …and it still ends at the bottom, on the newest message.
    await expect
      .poll(() =>
        widget(page)
          .log()
          .evaluate((element) => element.scrollHeight - element.scrollTop - element.clientHeight),
      )
      .toBeLessThan(2);
  });
});

describe('a long conversation over the HTTP transports', { timeout: 120_000 }, () => {
  for (const transport of ['sse', 'poll'] as const) {
    it(`receives the backlog in batches over ${transport} too, every message once`, async () => {
      const context = await browser.newContext();
      await context.addInitScript(countRowCommits, '.row');
      await continueInBrowser(context, env.widgetId, conversation);
      const page = await context.newPage();
      const asked: string[] = [];
      page.on('request', (request) => {
        if (request.url().includes(`/v1/realtime/${transport}?`)) asked.push(request.url());
      });
      env.fill.set('TRANSPORT', transport);
      await page.goto(`${env.hostUrl}/transport.html`);
      await widget(page).log().getByText(conversation.newestText).waitFor();
      expect(asked[0]).toContain('batch=1');
      expect(await rowCommits(page)).toBeLessThanOrEqual(HISTORY / 200 + 10);
      expect(await rows(page)).toBeLessThanOrEqual(ROW_BOUND);
      // What was stored for the next page load: the newest 300, each once, in order, up to the conversation's end
      // (the backlog is stored a slice per task, newest first: the last of those 300 may come after the newest shows).
      const storedSeqs = () =>
        page.evaluate(
          (key) =>
            (JSON.parse(localStorage.getItem(key) ?? '{}') as { messages: { seq: number }[] }).messages.map((message) => message.seq),
          `parley:v1:${env.widgetId}`,
        );
      await expect.poll(async () => (await storedSeqs()).length).toBe(300);
      const seqs = await storedSeqs();
      expect(seqs.at(-1)).toBe(await lastSeqOnServer());
      expect(seqs).toEqual([...seqs].sort((a, b) => a - b));
      expect(new Set(seqs).size).toBe(seqs.length);
      await context.close();
    });
  }
});

describe('a long conversation in the console', { timeout: 120_000 }, () => {
  it('opens on its newest page with a bounded timeline, and scrolling up reads earlier pages without moving what the agent reads', async () => {
    const page = await openConsole(browser, { baseUrl: env.serverUrl, adminEmail: DEMO_ADMIN.email, adminPassword: DEMO_ADMIN.password });
    await page.context().addInitScript(countRowCommits, '.bubble-row');
    await page.goto(`${env.serverUrl}/console/inbox/${conversation.conversationId}`);
    const timeline = page.getByRole('log', { name: 'Messages' });
    await timeline.getByText(conversation.newestText).waitFor();
    const entries = () => timeline.locator('.bubble-row').count();
    // The page goes in a step per task, the newest first: no task mounts the whole page.
    await expect.poll(entries).toBeGreaterThan(2 * STEP);
    const added = await rowsPerCommit(page);
    expect(Math.max(...added), added.join(', ')).toBeLessThanOrEqual(STEP);
    expect(await entries()).toBeLessThanOrEqual(ROW_BOUND);
    const before = await entries();
    await timeline.evaluate((element) => (element.scrollTop = 400));
    const read = await firstVisible(timeline, '.bubble-row');
    await timeline.getByRole('button', { name: 'Load earlier messages' }).evaluate((button) => (button as HTMLButtonElement).click());
    await expect.poll(entries).toBeGreaterThan(before);
    expect(Math.abs((await offsetOf(timeline, '.bubble-row', read.text)) - read.offset)).toBeLessThan(2);
    const more = await entries();
    await timeline.evaluate((element) => (element.scrollTop = 0));
    await expect.poll(entries).toBeGreaterThan(more);
    expect(await axeViolations(page), 'console timeline scrolled up').toEqual([]);
    await page.context().close();
  });
});
