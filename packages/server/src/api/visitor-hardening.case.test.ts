import { expect, it } from 'vitest';
import { createBotAndWidget } from '../testing/fixtures.js';
import { describeEachStore, type TestServer } from '../testing/test-server.js';

const SHOP = 'https://shop.example.com';
const EVIL = 'https://evil.example.net';

async function openSession(server: TestServer): Promise<{ token: string; conversationId: string; widgetId: string }> {
  const { widgetId } = await createBotAndWidget(server, { origin: [SHOP] });
  const created = await server.request('POST', `/v1/widgets/${widgetId}/sessions`, { auth: 'none', body: {}, headers: { origin: SHOP } });
  if (created.status !== 201) throw new Error(`session creation failed: ${created.body}`);
  return { token: created.json.token, conversationId: created.json.conversationId, widgetId };
}

describeEachStore('visitor REST endpoints: origins and NUL characters', (server) => {
  it('refuses a visitor call from an origin the widget does not allow, as realtime does; no Origin (a server) passes', async () => {
    const session = await openSession(server());
    const path = `/v1/conversations/${session.conversationId}`;
    const from = (origin?: string) => ({ auth: session.token, ...(origin === undefined ? {} : { headers: { origin } }) });
    for (const [method, suffix, body] of [
      ['POST', '/messages', { text: 'hello', clientId: 'c-evil-0001' }],
      ['GET', '/messages', undefined],
      ['POST', '/contact', { email: 'ana@example.com' }],
    ] as const) {
      const refused = await server().request(method, `${path}${suffix}`, { ...from(EVIL), ...(body === undefined ? {} : { body }) });
      expect(refused.status, `${method} ${suffix}`).toBe(403);
      expect(refused.json.error.code).toBe('PARLEY_ERR_AUTH_ORIGIN_NOT_ALLOWED');
    }
    expect(
      (await server().request('POST', `${path}/messages`, { ...from(SHOP), body: { text: 'hi', clientId: 'c-shop-0001' } })).status,
    ).toBe(201);
    expect((await server().request('POST', `${path}/messages`, { ...from(), body: { text: 'hi', clientId: 'c-server-01' } })).status).toBe(
      201,
    );
    const read = await server().request('GET', `${path}/messages`, from());
    expect(read.json.items.map((m: { text: string }) => m.text)).not.toContain('hello');
  });

  it('refuses NUL characters in a message, a contact name and session meta with the same 400 on both databases', async () => {
    const session = await openSession(server());
    const path = `/v1/conversations/${session.conversationId}`;
    const message = await server().request('POST', `${path}/messages`, {
      auth: session.token,
      body: { text: 'a\u0000b', clientId: 'c-nul-00001' },
    });
    expect(message.status).toBe(400);
    expect(message.json.error).toMatchObject({ code: 'PARLEY_ERR_REQUEST_VALIDATION', field: 'text' });
    expect(message.json.error.message).toMatch(/NUL/);
    const contact = await server().request('POST', `${path}/contact`, {
      auth: session.token,
      body: { email: 'ana@example.com', name: 'An\u0000a' },
    });
    expect(contact.status).toBe(400);
    expect(contact.json.error).toMatchObject({ code: 'PARLEY_ERR_REQUEST_VALIDATION', field: 'name' });
    const meta = await server().request('POST', `/v1/widgets/${session.widgetId}/sessions`, {
      auth: 'none',
      headers: { origin: SHOP },
      body: { meta: { plan: 'pro\u0000' } },
    });
    expect(meta.status).toBe(400);
    expect(meta.json.error).toMatchObject({ code: 'PARLEY_ERR_REQUEST_VALIDATION', field: 'meta.plan' });
    const stored = await server().request('GET', `${path}/messages`, { auth: session.token });
    expect(stored.status).toBe(200);
    expect(JSON.stringify(stored.json)).not.toContain('\\u0000');
  });

  it('answers a NUL in a path the same way on both databases', async () => {
    const response = await server().request('GET', '/v1/widgets/wgt_%00');
    expect(response.status).toBe(400);
    expect(response.json.error.code).toBe('PARLEY_ERR_REQUEST_VALIDATION');
  });
});
