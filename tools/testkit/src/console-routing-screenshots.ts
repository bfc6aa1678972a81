import { join } from 'node:path';
import type { Page } from 'playwright-core';
import type { ConsoleDemo } from './console-demo.js';

/**
 * The widget editor's routing rules at one width (nothing is saved; the console has one colour scheme): a rule
 * sending refund questions to the Support team with a high priority and the dry run's answer, and a
 * second rule whose regex is refused inline. Returns how many pictures it wrote.
 */
export async function shootRoutingStates(page: Page, demo: ConsoleDemo, width: number | string, out: string): Promise<number> {
  await page.goto(`${demo.baseUrl}/console/widgets/${demo.widgetId}`);
  const rules = page.getByRole('group', { name: 'Routing rules' });
  await rules.getByRole('button', { name: 'Add a rule' }).click();
  const first = rules.getByRole('group', { name: /^Rule 1/ });
  await first.getByLabel('Name', { exact: true }).fill('refunds');
  await first.getByLabel('Add a condition').selectOption({ label: 'Message contains any of' });
  await first.getByRole('textbox', { name: 'Message contains any of' }).fill('refund, money back');
  await first.getByLabel('Route to team').selectOption({ label: 'Support' });
  await first.getByLabel('Priority').selectOption('high');
  // The dry run before the second rule exists: a refused regex would make the server refuse the test.
  await rules.getByLabel('Visitor’s first message').fill('Can I get a refund?');
  await rules.getByRole('button', { name: 'Test', exact: true }).click();
  await rules.getByRole('status').getByText('Matches rule 1').waitFor();
  await rules.getByRole('button', { name: 'Add a rule' }).click();
  const second = rules.getByRole('group', { name: /^Rule 2/ });
  await second.getByLabel('Name', { exact: true }).fill('outages');
  await second.getByLabel('Add a condition').selectOption({ label: 'Message matches regex' });
  await second.getByRole('textbox', { name: 'Message matches regex' }).fill('(down+)+');
  await second.getByLabel('Who answers').selectOption('human');
  // The editor scrolls inside the main column: a window as tall as the rules shows them whole.
  const viewport = page.viewportSize();
  const box = await rules.boundingBox();
  if (viewport !== null && box !== null) await page.setViewportSize({ width: viewport.width, height: Math.ceil(box.y + box.height + 200) });
  await rules.scrollIntoViewIfNeeded();
  await rules.screenshot({ path: join(out, `console-widget-routing-rules-${width}.png`) });
  if (viewport !== null) await page.setViewportSize(viewport);
  return 1;
}
