import { expect, it } from 'vitest';
import { createAgent, type TestAgent } from '../testing/agent-fixtures.js';
import { createBotAndWidget } from '../testing/fixtures.js';
import { describeEachStore, type TestServer } from '../testing/test-server.js';

async function visitor(server: TestServer) {
  const { widgetId } = await createBotAndWidget(server, { attachments: true });
  const created = await server.request('POST', `/v1/widgets/${widgetId}/sessions`, { auth: 'none', body: {} });
  if (created.status !== 201) throw new Error(created.body);
  return { token: created.json.token as string, conversationId: created.json.conversationId as string };
}

function send(server: TestServer, agent: TestAgent | string, conversationId: string, body: string, query = '?name=invoice.txt') {
  return server.request('POST', `/v1/inbox/${conversationId}/files${query}`, {
    auth: typeof agent === 'string' ? agent : agent.token,
    rawBody: body,
    headers: { 'content-type': 'application/octet-stream' },
  });
}

describeEachStore('agents’ attachments', (server) => {
  it('stores an agent’s file as a file message the visitor reads over REST, and serves it back', async () => {
    const agent = await createAgent(server(), { name: 'Grace' });
    const v = await visitor(server());
    const response = await send(server(), agent, v.conversationId, 'Your invoice: 42 EUR\n', '?name=invoice.txt&clientId=agent-file-0001');
    expect(response.status).toBe(201);
    expect(response.json.message).toMatchObject({
      type: 'file',
      author: { role: 'agent', id: agent.id, name: 'Grace' },
      payload: { name: 'invoice.txt', mimeType: 'text/plain', size: 21 },
    });
    const again = await send(server(), agent, v.conversationId, 'Your invoice: 42 EUR\n', '?name=invoice.txt&clientId=agent-file-0001');
    expect(again.status).toBe(200);
    expect(again.json.message.id).toBe(response.json.message.id);

    const seen = await server().request('GET', `/v1/conversations/${v.conversationId}/messages`, { auth: v.token });
    const files = (seen.json.items as { type: string; author: { role: string }; payload: { url: string } }[]).filter(
      (m) => m.type === 'file',
    );
    expect(files).toHaveLength(1);
    expect(files[0]?.author.role).toBe('agent');
    const served = await server().request('GET', new URL(files[0]?.payload.url ?? '').pathname, { auth: 'none' });
    expect(served.body).toBe('Your invoice: 42 EUR\n');
  });

  it('accepts an image sniffed from its bytes and takes the conversation like a reply', async () => {
    const agent = await createAgent(server());
    const v = await visitor(server());
    const response = await send(server(), agent, v.conversationId, 'GIF89a\u0001\u0000\u0001\u0000', '?name=pixel');
    expect(response.status).toBe(201);
    expect(response.json.message.payload.mimeType).toBe('image/gif');
    await server().services.desk.idle();
    const item = await server().request('GET', `/v1/inbox/${v.conversationId}`, { auth: agent.token });
    expect(item.json.conversation).toMatchObject({ owner: 'human', assignee: { id: agent.id } });
  });

  it('refuses markup whatever its name, with the accepted types in the error', async () => {
    const agent = await createAgent(server());
    const v = await visitor(server());
    const response = await send(server(), agent, v.conversationId, '<svg onload="alert(1)"></svg>', '?name=logo.png');
    expect(response.status).toBe(415);
    expect(response.json.error).toMatchObject({
      code: 'PARLEY_ERR_FILE_TYPE_NOT_ALLOWED',
      message: 'logo.png is not an image, a PDF or plain text.',
    });
  });

  it('refuses a file over the size limit with the limit in the message', async () => {
    const agent = await createAgent(server());
    const v = await visitor(server());
    const response = await send(server(), agent, v.conversationId, 'a'.repeat(10 * 1024 * 1024 + 1));
    expect(response.status).toBe(413);
    expect(response.json.error.code).toBe('PARLEY_ERR_FILE_TOO_LARGE');
    expect(response.json.error.message).toContain('10485760');
  });

  it('refuses visitors’ session tokens, a cookie without the JSON content type, and unknown conversations', async () => {
    const agent = await createAgent(server());
    const v = await visitor(server());
    // Agents may see every conversation (there is no per-agent visibility rule), so "no access" means not an agent.
    expect((await send(server(), v.token, v.conversationId, 'hello')).status).toBe(401);
    const withCookie = await server().request('POST', `/v1/inbox/${v.conversationId}/files?name=a.txt`, {
      auth: 'none',
      rawBody: 'hello',
      headers: { cookie: agent.cookie, 'content-type': 'text/plain' },
    });
    expect(withCookie.json.error.code).toBe('PARLEY_ERR_AUTH_CSRF');
    // A tab without the login token sends the cookie with the JSON content type (no cross-site form can); the bytes still decide the type.
    const cookieJson = await server().request('POST', `/v1/inbox/${v.conversationId}/files?name=a.txt`, {
      auth: 'none',
      rawBody: 'hello',
      headers: { cookie: agent.cookie, 'content-type': 'application/json' },
    });
    expect(cookieJson.status).toBe(201);
    expect(cookieJson.json.message.payload).toMatchObject({ name: 'a.txt', mimeType: 'text/plain' });
    const unknown = await send(server(), agent, 'conv_doesnotexist', 'hello');
    expect(unknown.status).toBe(404);
    expect(unknown.json.error.code).toBe('PARLEY_ERR_CONVERSATION_NOT_FOUND');
  });
});
