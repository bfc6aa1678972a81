import type { Locator, Page } from 'playwright-core';

/** Handles on the widget inside its shadow root (Playwright's locators pierce open shadow roots). */
export function widget(page: Page) {
  return {
    launcher: (): Locator => page.getByRole('button', { name: /chat/i }).first(),
    window: (): Locator => page.getByRole('dialog').first(),
    composer: (): Locator => page.getByRole('textbox', { name: /message/i }).first(),
    log: (): Locator => page.getByRole('log').first(),
    async send(text: string): Promise<void> {
      const box = page.getByRole('textbox', { name: /message/i }).first();
      await box.fill(text);
      await box.press('Enter');
    },
  };
}
