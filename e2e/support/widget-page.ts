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

/** Counts realtime WebSocket links opened by every page of a context (each still open at the end is one connection). */
export function countRealtimeSockets(page: Page, into: { open: number; total: number }): void {
  let mine = 0;
  page.on('websocket', (socket) => {
    if (!socket.url().includes('/v1/realtime/ws')) return;
    into.open++;
    into.total++;
    mine++;
    socket.on('close', () => {
      into.open--;
      mine--;
    });
  });
  // A closed page reports no more socket events: its links are gone with it.
  page.on('close', () => {
    into.open -= mine;
    mine = 0;
  });
}
