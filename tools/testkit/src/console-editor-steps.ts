import type { Locator } from 'playwright-core';

/**
 * Steps in the widget editor's row editors that the e2e tests and the screenshot tool both take, so
 * that what is pictured is what is tested.
 */

/** In "Tools the bot may call": a new tool row, filled in as given (an http:// URL is refused inline). */
export async function addTool(
  tools: Locator,
  tool: { readonly name: string; readonly url: string; readonly description: string },
): Promise<void> {
  await tools.getByRole('button', { name: 'Add a tool' }).click();
  await tools.getByLabel('Name').fill(tool.name);
  await tools.getByLabel('URL').fill(tool.url);
  await tools.getByLabel('Description (tells the model when to call it)').fill(tool.description);
}

/**
 * In "Business hours": the hours switched on in Europe/Paris (a first range comes with them, weekdays
 * 09:00–17:00) and a second range added under it, Saturday 10:00–14:00. Returns the second range's row.
 */
export async function addSaturdayHours(hours: Locator): Promise<Locator> {
  await hours.getByLabel('Humans answer only at these hours').check();
  await hours.getByLabel('Time zone').selectOption('Europe/Paris');
  await hours.getByRole('button', { name: 'Add an opening range' }).click();
  const second = hours.getByRole('listitem').nth(1);
  for (const day of ['Mon', 'Tue', 'Wed', 'Thu', 'Fri']) await second.getByLabel(day, { exact: true }).uncheck();
  await second.getByLabel('Sat', { exact: true }).check();
  await second.getByLabel('Opens').fill('10:00');
  await second.getByLabel('Closes').fill('14:00');
  return second;
}
