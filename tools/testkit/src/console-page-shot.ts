import type { Page } from 'playwright-core';

/**
 * Pictures a console page whole. Its pages scroll inside the app's main column, not the document, so
 * Playwright's fullPage would cut them at the window: the window grows to the column's content (at most
 * 6,000 px) for the picture, then returns to its size.
 */
export async function shootWholeConsolePage(page: Page, path: string): Promise<void> {
  const viewport = page.viewportSize();
  // A string: this package has no DOM types, and the expression runs in the page.
  const height = Number(
    await page.evaluate(
      "(() => { const m = document.querySelector('#main'); return m ? m.scrollHeight + m.getBoundingClientRect().top : 0; })()",
    ),
  );
  if (viewport !== null)
    await page.setViewportSize({ width: viewport.width, height: Math.min(6000, Math.max(viewport.height, Math.ceil(height))) });
  await page.screenshot({ path });
  if (viewport !== null) await page.setViewportSize(viewport);
}
