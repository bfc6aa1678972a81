import { expect, it } from 'vitest';
import { createBotAndWidget } from '../testing/fixtures.js';
import { describeEachStore, type TestServer } from '../testing/test-server.js';

async function openSession(server: TestServer, attachments: boolean) {
  const { widgetId } = await createBotAndWidget(server, { attachments });
  const created = await server.request('POST', `/v1/widgets/${widgetId}/sessions`, { auth: 'none', body: {} });
  return { token: created.json.token as string, conversationId: created.json.conversationId as string };
}

function upload(server: TestServer, session: { token: string; conversationId: string }, body: string, query = '?name=notes.txt') {
  return server.request('POST', `/v1/conversations/${session.conversationId}/files${query}`, {
    auth: session.token,
    rawBody: body,
    headers: { 'content-type': 'application/octet-stream' },
  });
}

describeEachStore('visitor file uploads', (server) => {
  it('stores an upload as a file message and serves it back with its sniffed type, under an unguessable id', async () => {
    const session = await openSession(server(), true);
    const response = await upload(server(), session, 'Order 1234, please check.\n', '?name=notes.txt&clientId=upload-000001');
    expect(response.status).toBe(201);
    const message = response.json.message;
    expect(message).toMatchObject({
      type: 'file',
      author: { role: 'visitor' },
      payload: { name: 'notes.txt', mimeType: 'text/plain', size: 26 },
    });
    expect(message.payload.url).toMatch(/\/files\/[A-Za-z0-9_-]{24}$/);
    const again = await upload(server(), session, 'Order 1234, please check.\n', '?name=notes.txt&clientId=upload-000001');
    expect(again.status).toBe(200);
    expect(again.json.message.id).toBe(message.id);
    const served = await server().request('GET', new URL(message.payload.url).pathname, { auth: 'none' });
    expect(served.status).toBe(200);
    expect(served.body).toBe('Order 1234, please check.\n');
    expect(served.headers['content-type']).toBe('text/plain; charset=utf-8');
    expect(served.headers['x-content-type-options']).toBe('nosniff');
    expect(String(served.headers['content-security-policy'])).toContain('sandbox');
  });

  it('refuses markup whatever its name, and says which types are accepted', async () => {
    const session = await openSession(server(), true);
    const response = await upload(server(), session, '<script>alert(1)</script>', '?name=cat.png');
    expect(response.status).toBe(415);
    expect(response.json.error.code).toBe('PARLEY_ERR_FILE_TYPE_NOT_ALLOWED');
  });

  it('refuses a file over the size limit with the limit in the message', async () => {
    const session = await openSession(server(), true);
    const response = await upload(server(), session, 'a'.repeat(10 * 1024 * 1024 + 1));
    expect(response.status).toBe(413);
    expect(response.json.error.code).toBe('PARLEY_ERR_FILE_TOO_LARGE');
    expect(response.json.error.message).toContain('10485760');
  });

  it('refuses uploads when the widget has attachments off, and tokens of other conversations', async () => {
    const off = await openSession(server(), false);
    expect((await upload(server(), off, 'hello')).json.error.code).toBe('PARLEY_ERR_FILE_UPLOADS_DISABLED');
    const on = await openSession(server(), true);
    const crossed = await upload(server(), { token: off.token, conversationId: on.conversationId }, 'hello');
    expect(crossed.status).toBe(403);
    expect((await server().request('GET', '/files/doesnotexist000000000000', { auth: 'none' })).status).toBe(404);
  });
});
