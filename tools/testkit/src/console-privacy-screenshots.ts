import { join } from 'node:path';
import type { Page } from 'playwright-core';
import type { ConsoleDemo } from './console-demo.js';

/**
 * The contact page's privacy controls at one width (nothing is erased): the page with Export data and Erase
 * contact in its header, and the erase dialog with the contact's email typed, its button enabled. Returns how
 * many pictures it wrote.
 */
export async function shootPrivacyStates(page: Page, demo: ConsoleDemo, width: number | string, out: string): Promise<number> {
  await page.goto(`${demo.baseUrl}/console/contacts/${demo.contactId}`);
  await page.getByRole('button', { name: 'Erase contact' }).waitFor();
  await page.screenshot({ path: join(out, `console-contact-privacy-${width}.png`) });
  await page.getByRole('button', { name: 'Erase contact' }).click();
  const dialog = page.getByRole('dialog', { name: 'Erase contact' });
  await dialog.getByLabel(/Type their email/).fill('ada@example.com');
  await page.screenshot({ path: join(out, `console-contact-erase-dialog-${width}.png`) });
  await page.keyboard.press('Escape');
  await dialog.waitFor({ state: 'detached' });
  return 2;
}
