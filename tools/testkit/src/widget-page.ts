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

/**
 * Adds `frame` (or several, in order) after the gateway's welcome on the widget's WebSocket: a state the server only
 * reaches with history (a reply time needs past handoffs, which a fresh server has not seen). Call before the widget
 * connects.
 */
export async function addAfterWelcome(page: Page, frame: object | readonly object[]): Promise<void> {
  const frames = Array.isArray(frame) ? frame : [frame];
  await page.routeWebSocket(/\/v1\/realtime\/ws/, (socket) => {
    const server = socket.connectToServer();
    socket.onMessage((message) => server.send(message));
    server.onMessage((message) => {
      socket.send(message);
      if (typeof message === 'string' && message.includes('"type":"welcome"'))
        for (const added of frames) socket.send(JSON.stringify(added));
    });
  });
}
