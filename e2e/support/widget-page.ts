import type { Page } from 'playwright-core';

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

/** Every realtime WebSocket a page opens, in order: its URL and the frames the page sent on it. */
export function recordRealtimeSockets(page: Page): { readonly url: URL; readonly sent: string[] }[] {
  const sockets: { url: URL; sent: string[] }[] = [];
  page.on('websocket', (socket) => {
    if (!socket.url().includes('/v1/realtime/ws')) return;
    const seen = { url: new URL(socket.url()), sent: [] as string[] };
    sockets.push(seen);
    socket.on('framesent', ({ payload }) => seen.sent.push(String(payload)));
  });
  return sockets;
}
