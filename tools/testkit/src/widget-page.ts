import type { Locator, Page } from 'playwright-core';

/** Handles on the widget inside its shadow root (Playwright's locators pierce open shadow roots). */
export function widget(page: Page) {
  const composer = (): Locator => page.getByRole('textbox', { name: /message/i }).first();
  return {
    launcher: (): Locator => page.getByRole('button', { name: /chat/i }).first(),
    window: (): Locator => page.getByRole('dialog').first(),
    composer,
    log: (): Locator => page.getByRole('log').first(),
    /** The hidden file picker behind the attach button (for Playwright's setInputFiles). */
    fileInput: (): Locator => page.locator('[data-parley]').locator('input[type=file]'),
    async send(text: string): Promise<void> {
      const box = composer();
      await box.fill(text);
      await box.press('Enter');
    },
  };
}
