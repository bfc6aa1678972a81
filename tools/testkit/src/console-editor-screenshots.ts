import { join } from 'node:path';
import type { Page } from 'playwright-core';
import type { ConsoleDemo } from './console-demo.js';
import { addSaturdayHours, addTool } from './console-editor-steps.js';

/** Waits (up to 10 s, then warns) for the widget editor's preview frame to show the widget's sample conversation. */
export async function waitForPreview(page: Page): Promise<void> {
  await page
    .frameLocator('iframe[title="Widget preview (unsaved settings)"]')
    .locator('.head')
    .first()
    .waitFor({ timeout: 10_000 })
    .catch(() => process.stderr.write('warning: the widget editor preview never showed the widget\n'));
  await page.waitForTimeout(300); // The sample conversation's entrance animation.
}

/**
 * The widget editor's states beyond the page itself, pictured element by element at one width (nothing
 * is saved, so the other pictures are not affected): the preview (the real widget with unsaved
 * settings) light, dark, right-to-left and at phone size; the tools and business-hours rows with an inline error; the
 * built-in bot's FAQ rules with the "test a question" answer. Returns how many pictures it wrote.
 */
export async function shootEditorStates(page: Page, demo: ConsoleDemo, width: number | string, out: string): Promise<number> {
  // The console scrolls inside its main column: a window taller than the element shows all of it.
  const shot = async (name: string, target: ReturnType<Page['locator']>) => {
    const viewport = page.viewportSize();
    const box = await target.boundingBox();
    if (viewport !== null && box !== null)
      await page.setViewportSize({ width: viewport.width, height: Math.max(viewport.height, Math.ceil(box.height) + 160) });
    await target.scrollIntoViewIfNeeded();
    await target.screenshot({ path: join(out, `console-${name}-${width}.png`) });
    if (viewport !== null) await page.setViewportSize(viewport);
  };
  const frame = page.frameLocator('iframe[title="Widget preview (unsaved settings)"]');
  const preview = page.locator('.preview-card');
  await page.goto(`${demo.baseUrl}/console/widgets/${demo.widgetId}`);
  await page.getByLabel('Title', { exact: true }).fill('ACME support');
  await frame.getByText('ACME support').first().waitFor();
  await page.waitForTimeout(300); // The sample conversation's entrance animation.
  await shot('widget-preview-light', preview);
  await preview.getByRole('button', { name: 'Phone' }).click();
  await page.waitForTimeout(300);
  await shot('widget-preview-phone', preview);
  await preview.getByRole('button', { name: 'Desktop' }).click();
  await page.getByLabel('Mode').selectOption('dark');
  await frame.locator('.root.dark').waitFor({ state: 'attached' });
  await page.waitForTimeout(300);
  await shot('widget-preview-dark', preview);
  await page.getByLabel('Mode').selectOption('light');
  await page.getByLabel('Title', { exact: true }).fill('خدمة العملاء');
  await page.getByLabel('Language', { exact: true }).fill('ar');
  await frame.locator('.root[dir="rtl"]').waitFor({ state: 'attached' });
  await page.waitForTimeout(300);
  await shot('widget-preview-rtl', preview);

  const tools = page.getByRole('group', { name: 'Tools the bot may call' });
  await addTool(tools, { name: 'lookup_order', url: 'http://tools.example.com/order', description: 'Looks up an order by its number' });
  await tools.getByText('must be an https:// URL').waitFor();
  await shot('widget-editor-tools', tools);
  const hours = page.getByRole('group', { name: 'Business hours' });
  await addSaturdayHours(hours);
  await shot('widget-editor-hours', hours);

  // The "New bot" form (a built-in bot by default): an hours rule that lists "open", a licence rule for
  // "open source", and the question that the licence rule answers although the hours rule comes first.
  await page.goto(`${demo.baseUrl}/console/bots`);
  const form = page.getByRole('region', { name: 'New bot' });
  const rules = form.getByRole('group', { name: 'FAQ rules' });
  for (const [keywords, answer] of [
    ['hours, open, opening times', 'We are open **9:00–17:00**, Monday to Friday.'],
    ['open source, licence, license', 'Yes: Parley is open source under the MIT licence.'],
  ] as const) {
    await rules.getByRole('button', { name: 'Add a rule' }).click();
    await rules.getByLabel('Keywords (comma-separated)').last().fill(keywords);
    await rules.getByLabel('Answer (Markdown)').last().fill(answer);
  }
  await rules.getByLabel('Test a question').fill('Is this open source?');
  await rules.getByRole('status').filter({ hasText: 'answers' }).waitFor();
  await shot('bot-faq-rules', rules);
  return 7;
}
