import { expect, it } from 'vitest';
import WebSocket from 'ws';
import { TEST_ADMIN_KEY } from '../testing/test-server.js';
import { describeEachStoreListening } from './testing/realtime-server.js';

/** Opens a WebSocket and reports how the server closed it. */
function closeOf(url: string): Promise<{ code: number; reason: string }> {
  return new Promise((resolve, reject) => {
    const ws = new WebSocket(url);
    ws.on('error', reject);
    ws.on('close', (code, reason) => resolve({ code, reason: reason.toString() }));
  });
}

describeEachStoreListening('a WebSocket connect naming a conversation with a NUL', (server) => {
  it('is refused as invalid on both databases, where PostgreSQL failed the lookup', async () => {
    const base = server().baseUrl.replace(/^http/, 'ws');
    const closed = await closeOf(`${base}/v1/realtime/ws?token=${TEST_ADMIN_KEY}&conversationId=conv_%00`);
    expect(closed.reason).toBe('PARLEY_ERR_REQUEST_VALIDATION');
  });
});
