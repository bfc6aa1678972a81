import { join } from 'node:path';
import type { Browser } from 'playwright-core';
import { consolePages, loginThroughForm, seedConsoleDemo, type ConsoleDemo } from './console-demo.js';
import { shootRoutingStates } from './console-routing-screenshots.js';
import { shootEditorStates, waitForPreview } from './console-editor-screenshots.js';
import { seedReportsDemo } from './console-reports-demo.js';
import { shootReportsStates } from './console-reports-screenshots.js';
import { shootPrivacyStates } from './console-privacy-screenshots.js';
import { seedEngagementDemo, shootEngagementStates, type EngagementDemo } from './console-engagement-screenshots.js';
import { shootWholeConsolePage } from './console-page-shot.js';

const WIDTHS = [
  { width: 1280, height: 800 },
  { width: 375, height: 812 },
] as const;

/**
 * Seeds the server at `baseUrl` (started with CONSOLE_ADMIN_ENV) with a few conversations, agents and
 * keys, and writes every console page at 1280 px and 375 px wide to `out`/console-<page>-<width>.png, and
 * with the OS in dark mode (the console follows it) to console-<page>-<width>-dark.png. Returns how many
 * pictures it wrote.
 */
export async function shootConsolePages(
  baseUrl: string,
  browser: Browser,
  out: string,
  schemes: readonly ('light' | 'dark')[] = ['light', 'dark'],
): Promise<number> {
  const demo = await seedConsoleDemo(baseUrl);
  await seedReportsDemo(demo);
  const engagement = await seedEngagementDemo(demo);
  let count = 0;
  for (const colorScheme of schemes)
    for (const viewport of WIDTHS) count += await shootAt(baseUrl, browser, out, demo, engagement, viewport, colorScheme);
  return count;
}

async function shootAt(
  baseUrl: string,
  browser: Browser,
  out: string,
  demo: ConsoleDemo,
  engagement: EngagementDemo,
  viewport: (typeof WIDTHS)[number],
  colorScheme: 'light' | 'dark',
): Promise<number> {
  let count = 0;
  const label = colorScheme === 'dark' ? `${viewport.width}-dark` : `${viewport.width}`;
  const context = await browser.newContext({ viewport, deviceScaleFactor: 1, colorScheme });
  const page = await context.newPage();
  await page.goto(`${baseUrl}/console/`);
  await page.getByLabel('Email').waitFor();
  await page.screenshot({ path: join(out, `console-login-${label}.png`) });
  count++;
  await loginThroughForm(page, demo);
  for (const target of consolePages(demo)) {
    await page.goto(`${baseUrl}${target.path}`);
    // A page whose data never shows is still pictured (that is what to look at), with a warning.
    await page
      .getByText(target.ready, { exact: false })
      .first()
      .waitFor({ timeout: 8_000 })
      .catch(() => process.stderr.write(`warning: ${target.name} at ${viewport.width} px never showed "${target.ready}"\n`));
    await page.waitForTimeout(400); // Let lists that load in a second request settle before the picture.
    // The widget editor's preview is a frame that loads the widget: picture it once the widget is in it.
    if (target.name === 'widget-editor') await waitForPreview(page);
    const shot = join(out, `console-${target.name}-${label}.png`);
    // The inbox and a conversation fill the window by design; the other pages are pictured whole.
    if (target.name.startsWith('inbox') || target.name.startsWith('conversation')) await page.screenshot({ path: shot });
    else await shootWholeConsolePage(page, shot);
    count++;
  }
  count += await shootEditorStates(page, demo, label, out);
  count += await shootRoutingStates(page, demo, label, out);
  count += await shootReportsStates(page, demo, label, out);
  count += await shootPrivacyStates(page, demo, label, out);
  count += await shootEngagementStates(page, demo, engagement, label, out);
  await context.close();
  return count;
}
