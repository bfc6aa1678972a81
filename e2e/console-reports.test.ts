import { readFileSync } from 'node:fs';
import type { BusiestHoursReport, CsatReport, SummaryReport } from '@parley/protocol';
import { axeViolations, openConsole, seedReportsDemo, startConsoleE2e, type ConsoleE2e, type ReportsDemo } from '@parley/testkit';
import type { Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

const WIDTHS = [1280, 375] as const;
const DAY = 86_400_000;

/** The last 7 days in UTC, as the page's custom range and the API's query (fixed once, so a run over midnight agrees with itself). */
const TO = new Date().toISOString().slice(0, 10);
const FROM = new Date(Date.now() - 6 * DAY).toISOString().slice(0, 10);
const WEEK = `period=custom&from=${FROM}&to=${TO}&tz=UTC`;
const QUERY = `from=${FROM}&to=${TO}&timeZone=UTC`;
/** A week long before the server existed: nothing happened in it. */
const QUIET = 'period=custom&from=2025-01-06&to=2025-01-12&tz=UTC';

/** Each CSV link of the page, the report it downloads and the first line of the server's file. */
const DOWNLOADS = [
  { link: 'CSV of Conversations', report: 'summary', header: 'date,conversations,resolved_by_bot,handed_to_human,messages' },
  {
    link: 'CSV of Response and resolution times',
    report: 'response-times',
    header: 'measure,clock,count,median_seconds,p90_seconds,average_seconds',
  },
  { link: 'CSV of Satisfaction (CSAT)', report: 'csat', header: 'score,count' },
  { link: 'CSV of CSAT comments', report: 'csat/comments', header: 'rated_at,conversation_id,widget_id,score,comment' },
  { link: 'CSV of Busiest hours', report: 'busiest-hours', header: 'weekday,' },
  {
    link: 'CSV of unanswered conversations',
    report: 'unanswered',
    header: 'conversation_id,widget_id,team_id,started_at,handoff_at,last_visitor_message_at,resolved_at,abandoned',
  },
  {
    link: 'CSV of abandoned conversations',
    report: 'abandoned',
    header: 'conversation_id,widget_id,team_id,started_at,handoff_at,last_visitor_message_at,resolved_at,abandoned',
  },
  { link: 'CSV of Proactive messages', report: 'campaigns', header: 'campaign_id,widget_id,name,shown,opened,replied,reply_rate' },
] as const;

describe('console Reports page (real Chromium, built server, figures from /v1/reports)', () => {
  let e2e: ConsoleE2e;
  let seeded: ReportsDemo;

  beforeAll(async () => {
    e2e = await startConsoleE2e();
    seeded = await seedReportsDemo(e2e.demo);
  }, 120_000);
  afterAll(() => e2e?.close());

  /** The Reports page at `width` for the period in `query`, once every report has answered. */
  const openReports = async (width: number, query: string): Promise<Page> => {
    const page = await openConsole(e2e.browser, e2e.demo, { width });
    await page.goto(`${e2e.server.url}/console/reports?${query}`);
    await settled(page);
    return page;
  };
  const settled = async (page: Page) => {
    await page.getByRole('heading', { name: 'Busiest hours' }).waitFor();
    await expect.poll(() => page.getByText('Loading…').count()).toBe(0);
    await expect.poll(() => page.locator('[aria-busy="true"]').count()).toBe(0);
  };
  const report = async <T>(page: Page, name: string): Promise<T> => {
    const response = await page.request.get(`${e2e.server.url}/v1/reports/${name}?${QUERY}`);
    expect(response.status()).toBe(200);
    return (await response.json()) as T;
  };

  it('charts every report with the API’s figures, each chart with its numbers in a table, at 1280 and 375 px, light and dark, axe clean', async () => {
    for (const width of WIDTHS) {
      const page = await openReports(width, WEEK);
      const summary = await report<SummaryReport>(page, 'summary');
      const csat = await report<CsatReport>(page, 'csat');
      const hours = await report<BusiestHoursReport>(page, 'busiest-hours');
      expect(summary.conversations).toBeGreaterThan(0);
      expect(summary.resolvedByBot).toBeGreaterThanOrEqual(2);

      // Conversations: the figures, the bot's share of ALL conversations, and the days as a table.
      const conversations = page.getByRole('region', { name: 'Conversations' });
      const tiles = await conversations.locator('.stat-tiles').innerText();
      expect(tiles).toContain(`Conversations\n${summary.conversations}`);
      expect(tiles).toContain(`Messages\n${summary.messages}`);
      const share = Math.round((summary.resolvedByBot / summary.conversations) * 100);
      expect(await conversations.locator('.headline').innerText()).toMatch(new RegExp(`^${share}%\\s+resolved by the bot alone`));
      const legend = conversations.getByRole('list', { name: 'Conversations by who resolved them' });
      expect(await legend.getByRole('listitem').filter({ hasText: 'Resolved by the bot alone' }).innerText()).toContain(
        `(${summary.resolvedByBot})`,
      );
      expect(await legend.getByRole('listitem').filter({ hasText: 'Handed to a human' }).innerText()).toContain(
        `(${summary.handedToHuman})`,
      );
      const byDay = page.getByRole('table', { name: 'Conversations and messages by day' });
      await expect.poll(() => byDay.locator('tbody tr').count()).toBe(7);
      const today = summary.days.find((day) => day.date === TO);
      expect(await byDay.locator(`tbody tr:has(time[datetime="${TO}"])`).innerText()).toContain(String(today?.conversations));

      // Response and resolution times: median and p90 as figures and in a table.
      await page.getByRole('table', { name: 'Response and resolution times' }).waitFor();

      // CSAT: average, the 1–5 distribution as a table, the comments.
      expect(csat.count).toBe(3);
      const satisfaction = page.getByRole('region', { name: 'Satisfaction (CSAT)' });
      expect(await satisfaction.locator('.stat-tiles').innerText()).toContain(`Ratings\n${csat.count}`);
      const distribution = page.getByRole('table', { name: 'Ratings by score' });
      expect(await distribution.locator('tbody tr').allInnerTexts()).toEqual(
        [5, 4, 3, 2, 1].map((score) =>
          expect.stringMatching(new RegExp(`^${score} out of 5\\s+${csat.distribution[score - 1]?.count}\\s`)),
        ),
      );
      for (const comment of seeded.comments) await satisfaction.getByText(comment).waitFor();

      // Busiest hours: exactly one heat map table shows at each width (weekdays across at 375 px), and it holds every conversation.
      const heat = page.getByRole('table', { name: /^Conversations started by weekday and hour/ });
      expect(await heat.count()).toBe(1);
      expect(await heat.locator('tbody tr').count()).toBe(width === 375 ? 24 : 7);
      const written = (await heat.locator('td.heat').allInnerTexts()).map((text) => Number(text) || 0);
      expect(written.reduce((sum, count) => sum + count, 0)).toBe(hours.total);
      expect(hours.total).toBeGreaterThan(0);

      // Unanswered: the demo's conversations waiting for a human, each a link into the inbox.
      if (summary.unanswered > 0) {
        const waiting = page.getByRole('table', { name: 'Unanswered conversations, oldest handoff first' });
        expect(await waiting.getByRole('link', { name: /^Open/ }).count()).toBeGreaterThan(0);
      }

      // Nothing sticks out sideways at this width.
      expect(await page.evaluate(() => document.querySelector('#main')!.scrollWidth <= document.querySelector('#main')!.clientWidth)).toBe(
        true,
      );
      expect(await axeViolations(page), `reports with data at ${width}px`).toEqual([]);
      await page.emulateMedia({ colorScheme: 'dark' });
      expect(await axeViolations(page), `reports with data at ${width}px, dark`).toEqual([]);
      await page.context().close();
    }
  }, 240_000);

  it('says plainly that nothing happened in a quiet period, every report in its place, at 1280 and 375 px, axe clean', async () => {
    for (const width of WIDTHS) {
      const page = await openReports(width, QUIET);
      await page.getByRole('status').filter({ hasText: 'Nothing happened in this period.' }).waitFor();
      for (const text of [
        'No conversations started in this period.',
        'Nothing to chart by day.',
        'No times to measure in this period.',
        'No ratings in this period.',
        'No conversation handed over in this period is waiting for a human answer.',
        'No visitor gave up waiting for a human in this period.',
      ])
        await page.getByText(text).first().waitFor();
      expect(await page.getByRole('table').count()).toBe(0);
      expect(await page.getByRole('region', { name: 'Conversations' }).locator('.stat-tiles').innerText()).toContain('Conversations\n0');
      expect(await axeViolations(page), `reports without data at ${width}px`).toEqual([]);
      // The way out: the last 30 days, which hold the demo's conversations.
      await page.getByRole('button', { name: 'Show the last 30 days' }).click();
      await settled(page);
      await page.getByRole('table', { name: 'Conversations and messages by day' }).waitFor();
      expect(new URL(page.url()).searchParams.get('period')).toBe('30d');
      await page.context().close();
    }
  }, 180_000);

  it('shows where each report will be while they load, says once, aloud, when one fails, and Try again asks for it again', async () => {
    for (const width of WIDTHS) {
      const page = await openConsole(e2e.browser, e2e.demo, { width });
      const summaryUrl = (url: URL) => url.pathname === '/v1/reports/summary';
      await page.route(summaryUrl, (route) =>
        route.fulfill({
          status: 503,
          contentType: 'application/json',
          body: JSON.stringify({ error: { code: 'PARLEY_ERR_UNAVAILABLE', message: 'The server is busy: try again in a moment.' } }),
        }),
      );
      // First every answer is held: the page shows where each report will be, and is still axe clean.
      const held: (() => void)[] = [];
      const anyReport = (url: URL) => url.pathname.startsWith('/v1/reports/');
      await page.route(anyReport, (route) => {
        held.push(() => void route.fallback().catch(() => undefined));
      });
      await page.goto(`${e2e.server.url}/console/reports?${WEEK}`);
      await expect.poll(() => page.getByText('Loading…').count()).toBe(7);
      expect(await page.locator('[aria-busy="true"]').count()).toBe(6);
      expect(await axeViolations(page), `reports loading at ${width}px`).toEqual([]);
      held.forEach((release) => release());
      await page.unroute(anyReport);
      const alert = page.getByRole('alert').filter({ hasText: 'Some reports did not load' });
      await alert.waitFor();
      expect(await alert.innerText()).toContain('The server is busy: try again in a moment.');
      await page.getByRole('region', { name: 'Conversations' }).getByText('Not loaded.').waitFor();
      await page.getByRole('table', { name: 'Ratings by score' }).waitFor(); // The others loaded.
      expect(await axeViolations(page), `reports failing at ${width}px`).toEqual([]);
      await page.unroute(summaryUrl);
      await page.getByRole('button', { name: 'Try again' }).click();
      await page.getByRole('table', { name: 'Conversations and messages by day' }).waitFor();
      expect(await alert.count()).toBe(0);
      await page.context().close();
    }
  }, 120_000);

  it('downloads each report as the server’s CSV file, under the console’s Content-Security-Policy without a violation', async () => {
    const page = await openConsole(e2e.browser, e2e.demo, { bypassCSP: false });
    const refused: string[] = [];
    page.on('console', (message) => {
      if (/Content Security Policy|Refused to/i.test(message.text())) refused.push(message.text());
    });
    await page.goto(`${e2e.server.url}/console/reports?${WEEK}`);
    await settled(page);
    expect(await page.getByRole('link', { name: /^CSV of / }).count()).toBe(DOWNLOADS.length);
    for (const download of DOWNLOADS) {
      const [file] = await Promise.all([
        page.waitForEvent('download'),
        page.getByRole('link', { name: download.link, exact: true }).click(),
      ]);
      expect(file.suggestedFilename()).toBe(`parley-${download.report.replace('/', '-')}-${FROM}-${TO}.csv`);
      const path = await file.path();
      const text = readFileSync(path, 'utf8');
      expect(text.split('\r\n')[0]).toMatch(new RegExp(`^${download.header}`));
      // The very file the API gives for the same period and filters.
      const direct = await page.request.get(`${e2e.server.url}/v1/reports/${download.report}?${QUERY}&format=csv`);
      expect(text).toBe(await direct.text());
      if (download.report === 'csat/comments') for (const comment of seeded.comments) expect(text).toContain(comment);
    }
    expect(refused).toEqual([]);
    await page.context().close();
  }, 120_000);

  it('keeps the period, zone and filters in the address, and says what is wrong with a custom range in the wrong order', async () => {
    const page = await openReports(1280, WEEK);
    await page.getByLabel('Widget', { exact: true }).selectOption(e2e.demo.widgetId);
    await page.getByLabel('Time zone', { exact: true }).selectOption('Asia/Tokyo');
    await expect.poll(() => new URL(page.url()).searchParams.get('widget')).toBe(e2e.demo.widgetId);
    await expect.poll(() => new URL(page.url()).searchParams.get('tz')).toBe('Asia/Tokyo');
    await settled(page);
    // The figures asked for are the widget's, in Tokyo's days.
    const asked = page.waitForRequest((request) => request.url().includes('/v1/reports/summary?'));
    await page.getByLabel('Period', { exact: true }).selectOption('today');
    const url = new URL((await asked).url());
    expect(url.searchParams.get('widgetId')).toBe(e2e.demo.widgetId);
    expect(url.searchParams.get('timeZone')).toBe('Asia/Tokyo');
    expect(url.searchParams.get('from')).toBe(url.searchParams.get('to'));
    await settled(page);
    await page.reload();
    await settled(page);
    expect(await page.getByLabel('Period', { exact: true }).inputValue()).toBe('today');
    expect(await page.getByLabel('Widget', { exact: true }).inputValue()).toBe(e2e.demo.widgetId);
    await page.getByLabel('Period', { exact: true }).selectOption('custom');
    await page.getByLabel('First day', { exact: true }).fill('2026-03-10');
    await page.getByLabel('Last day', { exact: true }).fill('2026-03-01');
    await page.getByRole('alert').filter({ hasText: 'The first day is after the last day: swap them.' }).waitFor();
    expect(await page.getByLabel('First day', { exact: true }).getAttribute('aria-invalid')).toBe('true');
    await page.getByRole('button', { name: 'Show all widgets, teams and agents' }).click();
    await expect.poll(() => new URL(page.url()).searchParams.get('widget')).toBe(null);
    await page.context().close();
  }, 120_000);
});
