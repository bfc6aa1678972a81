import { join } from 'node:path';
import type { Page } from 'playwright-core';
import type { ConsoleDemo } from './console-demo.js';
import { shootWholeConsolePage } from './console-page-shot.js';

/** A week long before the server existed: nothing happened in it. */
const QUIET = 'period=custom&from=2025-01-06&to=2025-01-12&tz=UTC';
const isReport = (url: URL) => url.pathname.startsWith('/v1/reports/');
const isSummary = (url: URL) => url.pathname === '/v1/reports/summary';

/**
 * The Reports page in each of its states at one width and colour scheme (the demo must have been given
 * seedReportsDemo): the last 7 days with figures, a quiet week (nothing happened), the first load (the
 * answers held back), and one report failing (the page says so once, with Try again). Each picture is the
 * whole page. Returns how many pictures it wrote.
 */
export async function shootReportsStates(page: Page, demo: ConsoleDemo, label: string, out: string): Promise<number> {
  const shoot = async (state: string, ready: () => Promise<unknown>) => {
    await ready();
    await page.waitForTimeout(300); // Let the last answer's render settle.
    await shootWholeConsolePage(page, join(out, `console-reports-${state}-${label}.png`));
  };
  const settled = async () => {
    await page.getByRole('heading', { name: 'Busiest hours' }).waitFor();
    await page.locator('[aria-busy="true"]').first().waitFor({ state: 'detached' });
  };

  await page.goto(`${demo.baseUrl}/console/reports?period=7d&tz=UTC`);
  await shoot('data', async () => {
    await settled();
    await page.getByRole('table', { name: 'Ratings by score' }).waitFor();
  });
  await page.goto(`${demo.baseUrl}/console/reports?${QUIET}`);
  await shoot('empty', async () => {
    await settled();
    await page.getByText('Nothing happened in this period.').waitFor();
  });
  // The first load: every answer held until the picture is taken.
  const held: (() => void)[] = [];
  await page.route(isReport, (route) => {
    // Released once pictured; a request the next navigation cancelled has nothing left to continue.
    held.push(() => void route.continue().catch(() => undefined));
  });
  await page.goto(`${demo.baseUrl}/console/reports?period=7d&tz=UTC`);
  await shoot('loading', () => page.getByText('Loading…').first().waitFor());
  held.forEach((release) => release());
  await page.unroute(isReport);
  await page.route(isSummary, (route) =>
    route.fulfill({
      status: 503,
      contentType: 'application/json',
      body: JSON.stringify({ error: { code: 'PARLEY_ERR_UNAVAILABLE', message: 'The server is busy: try again in a moment.' } }),
    }),
  );
  await page.goto(`${demo.baseUrl}/console/reports?period=7d&tz=UTC`);
  await shoot('error', async () => {
    await page.getByText('Some reports did not load').waitFor();
    await page.getByRole('table', { name: 'Ratings by score' }).waitFor();
  });
  await page.unroute(isSummary);
  return 4;
}
