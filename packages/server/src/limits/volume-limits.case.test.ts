import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildTestApp, startTestServer, TEST_ADMIN_KEY, type TestApp, type TestServer } from '../testing/test-server.js';
import { openVisitor, type RealtimeServer } from '../realtime/testing/realtime-server.js';
import { connectWs } from '../realtime/testing/ws-test-client.js';
import { startScaledNodes, type ScaledNode } from '../realtime/testing/scaled-nodes.js';

const ORIGIN = 'https://shop.example';

/** A builtin bot and a widget that allows ORIGIN. */
async function widgetOn(server: TestServer): Promise<string> {
  const bot = await server.request('POST', '/v1/bots', { body: { kind: 'builtin', name: 'FAQ', config: { rules: [], fallback: 'Hm?' } } });
  const widget = await server.request('POST', '/v1/widgets', { body: { name: 'Shop', botId: bot.json.id, origin: [ORIGIN] } });
  return String(widget.json.id);
}

const createSession = (server: TestServer, widgetId: string, remoteAddress = '203.0.113.10') =>
  server.request('POST', `/v1/widgets/${widgetId}/sessions`, { body: {}, auth: 'none', headers: { origin: ORIGIN }, remoteAddress });

describe('volume limits over REST', () => {
  let server: TestServer;
  beforeAll(async () => {
    server = await startTestServer(
      'sqlite',
      {},
      { PARLEY_LIMIT_SESSIONS_PER_ADDRESS: '3/1m', PARLEY_LIMIT_MESSAGES_PER_SESSION: '3/1m', PARLEY_LIMIT_UPLOADS_PER_SESSION: '1/1m' },
    );
  });
  afterAll(() => server.close());

  it('answers the session past the address limit 429 with Retry-After, and other addresses and the site’s own server still get theirs', async () => {
    const widgetId = await widgetOn(server);
    for (let i = 0; i < 3; i += 1) expect((await createSession(server, widgetId)).status).toBe(201);
    const refused = await createSession(server, widgetId);
    expect(refused.status).toBe(429);
    const wait = Number(refused.headers['retry-after']);
    expect(wait).toBeGreaterThanOrEqual(1);
    expect(wait).toBeLessThanOrEqual(60);
    expect(refused.json.error).toMatchObject({ code: 'PARLEY_ERR_RATE_LIMITED', details: { retryAfterSeconds: wait } });
    expect(refused.json.error.message).toContain(`${wait} s`);
    expect((await createSession(server, widgetId, '203.0.113.11')).status).toBe(201);
    // An admin key without Origin is the site's backend opening sessions for its visitors: not counted per address.
    const trusted = await server.request('POST', `/v1/widgets/${widgetId}/sessions`, { body: {}, remoteAddress: '203.0.113.10' });
    expect(trusted.status).toBe(201);
  });

  it('answers the visitor message past the session limit 429 with Retry-After and does not store it', async () => {
    const widgetId = await widgetOn(server);
    const session = await createSession(server, widgetId, '198.51.100.20');
    const { token, conversationId } = session.json;
    const send = (i: number) =>
      server.request('POST', `/v1/conversations/${conversationId}/messages`, {
        body: { text: `message ${i}`, clientId: `limited-message-${i}` },
        auth: token,
        headers: { origin: ORIGIN },
        remoteAddress: '198.51.100.20',
      });
    for (let i = 0; i < 3; i += 1) expect((await send(i)).status).toBe(201);
    const refused = await send(3);
    expect(refused.status).toBe(429);
    expect(Number(refused.headers['retry-after'])).toBeGreaterThanOrEqual(1);
    expect(refused.json.error.code).toBe('PARLEY_ERR_RATE_LIMITED');
    await server.services.botTurns.idle();
    const stored = await server.request('GET', `/v1/conversations/${conversationId}/messages`, {
      auth: token,
      headers: { origin: ORIGIN },
    });
    expect(stored.json.items.map((m: { text: string }) => m.text)).not.toContain('message 3');
  });

  it('limits uploads per session', async () => {
    const widgetId = await widgetOn(server);
    await server.request('PATCH', `/v1/widgets/${widgetId}`, { body: { attachments: true } });
    const { token, conversationId } = (await createSession(server, widgetId, '198.51.100.30')).json;
    const upload = (i: number) =>
      server.request('POST', `/v1/conversations/${conversationId}/files?name=note${i}.txt`, {
        rawBody: `hello ${i}`,
        auth: token,
        headers: { origin: ORIGIN, 'content-type': 'text/plain' },
        remoteAddress: '198.51.100.30',
      });
    expect((await upload(1)).status).toBe(201);
    const refused = await upload(2);
    expect(refused.status).toBe(429);
    expect(refused.json.error.code).toBe('PARLEY_ERR_RATE_LIMITED');
  });
});

/** A SQLite test app with these limits, listening, as the realtime test helpers use it. */
async function realtimeServerWith(env: Record<string, string>): Promise<{ built: TestApp; server: RealtimeServer }> {
  const built = await buildTestApp('sqlite', {}, env);
  const baseUrl = await built.app.listen({ host: '127.0.0.1', port: 0 });
  const server: RealtimeServer = {
    baseUrl,
    services: built.services,
    dialect: 'sqlite',
    async json(method, path, body, auth = TEST_ADMIN_KEY) {
      const response = await fetch(`${baseUrl}${path}`, {
        method,
        headers: { 'content-type': 'application/json', ...(auth === null ? {} : { authorization: `Bearer ${auth}` }) },
        ...(body === undefined ? {} : { body: JSON.stringify(body) }),
      });
      return { status: response.status, body: (await response.json()) as Record<string, unknown> };
    },
    close: () => built.dispose(),
  };
  return { built, server };
}

describe('volume limits on realtime sends', () => {
  let built: TestApp;
  let server: RealtimeServer;
  beforeAll(async () => {
    ({ built, server } = await realtimeServerWith({ PARLEY_LIMIT_MESSAGES_PER_SESSION: '2/1m' }));
  });
  afterAll(() => built.dispose());

  it('answers a WebSocket send past the limit with a rate-limited error frame naming the wait, and stores nothing', async () => {
    const { token, conversationId } = await openVisitor(server);
    const ws = await connectWs({ baseUrl: server.baseUrl, token });
    expect(await ws.send({ type: 'send', clientId: 'ws-limit-0001', text: 'one' })).toMatchObject({ type: 'ack' });
    expect(await ws.send({ type: 'send', clientId: 'ws-limit-0002', text: 'two' })).toMatchObject({ type: 'ack' });
    const refused = await ws.send({ type: 'send', clientId: 'ws-limit-0003', text: 'three' });
    expect(refused).toMatchObject({ type: 'error', code: 'PARLEY_ERR_RATE_LIMITED', clientId: 'ws-limit-0003' });
    expect(refused?.type === 'error' ? refused.retryAfterMs : 0).toBeGreaterThanOrEqual(1000);
    await ws.close();
    await built.services.botTurns.idle();
    const texts = (await built.services.engine.messagesAfter(conversationId, 0, 100)).map((m) => m.text);
    expect(texts).not.toContain('three');
  });

  it('answers an HTTP send (SSE, poll) past the limit 429 with Retry-After and the same error frame', async () => {
    const { token } = await openVisitor(server);
    const send = (i: number) =>
      fetch(`${server.baseUrl}/v1/realtime/sse/send?token=${encodeURIComponent(token)}`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ type: 'send', clientId: `http-limit-000${i}`, text: `n${i}` }),
      });
    expect((await send(1)).status).toBe(200);
    expect((await send(2)).status).toBe(200);
    const refused = await send(3);
    expect(refused.status).toBe(429);
    expect(Number(refused.headers.get('retry-after'))).toBeGreaterThanOrEqual(1);
    expect(await refused.json()).toMatchObject({ type: 'error', code: 'PARLEY_ERR_RATE_LIMITED', clientId: 'http-limit-0003' });
  });
});

describe('the bot-turn limits on realtime sends', () => {
  let built: TestApp;
  let server: RealtimeServer;
  beforeAll(async () => {
    ({ built, server } = await realtimeServerWith({ PARLEY_LIMIT_BOT_TURNS_PER_SESSION: '2/1m' }));
  });
  afterAll(() => built.dispose());

  const send = (ws: Awaited<ReturnType<typeof connectWs>>, text: string) => ws.send({ type: 'send', clientId: `turns-${text}`, text });

  it('counts a message to the bot as a bot turn: the third in a minute is refused', async () => {
    const { token } = await openVisitor(server);
    const ws = await connectWs({ baseUrl: server.baseUrl, token });
    expect(await send(ws, 'bot-1')).toMatchObject({ type: 'ack' });
    expect(await send(ws, 'bot-2')).toMatchObject({ type: 'ack' });
    expect(await send(ws, 'bot-3')).toMatchObject({ type: 'error', code: 'PARLEY_ERR_RATE_LIMITED' });
    await ws.close();
  });

  it('does not count messages to a human holding the conversation as bot turns', async () => {
    const { token, conversationId } = await openVisitor(server);
    const ws = await connectWs({ baseUrl: server.baseUrl, token });
    const agent = await server.json('POST', '/v1/agents', {
      name: 'Human',
      email: 'turns-human@example.com',
      password: 'human password 0123',
    });
    await server.json('POST', `/v1/inbox/${conversationId}/assign`, { agentId: agent.body['id'] });
    // The link hears the new owner before the visitor writes (the widget shows "You are chatting with …" then too).
    await ws.log.waitFor((f) => f.type === 'status' && f.owner === 'human');
    for (const text of ['human-1', 'human-2', 'human-3', 'human-4', 'human-5']) expect(await send(ws, text)).toMatchObject({ type: 'ack' });
    // Handed back to the bot: its turns count again.
    await server.json('POST', `/v1/inbox/${conversationId}/handback`, {});
    await ws.log.waitFor((f) => f.type === 'status' && f.owner === 'bot');
    expect(await send(ws, 'bot-again-1')).toMatchObject({ type: 'ack' });
    expect(await send(ws, 'bot-again-2')).toMatchObject({ type: 'ack' });
    expect(await send(ws, 'bot-again-3')).toMatchObject({ type: 'error', code: 'PARLEY_ERR_RATE_LIMITED' });
    await ws.close();
  });
});

describe('volume limits across two nodes sharing Redis', () => {
  const nodes: ScaledNode[] = [];
  let stop = async (): Promise<void> => undefined;
  beforeAll(async () => {
    // Per widget: a fresh widget's counter is this test's own, whatever else uses the machine's Redis.
    const started = await startScaledNodes('parley_limits', 2, {
      PARLEY_LIMIT_SESSIONS_PER_WIDGET: '4/1m',
      PARLEY_LIMIT_SESSIONS_PER_ADDRESS: 'off',
    });
    nodes.push(...started.nodes);
    stop = started.close;
  });
  afterAll(() => stop());

  it('refuses the fifth session of a widget limited to four, whichever node each lands on', async () => {
    const [a, b] = nodes;
    if (a === undefined || b === undefined) throw new Error('nodes did not start');
    const admin = { 'content-type': 'application/json', authorization: `Bearer ${TEST_ADMIN_KEY}` };
    const bot = await (
      await fetch(`${a.baseUrl}/v1/bots`, {
        method: 'POST',
        headers: admin,
        body: JSON.stringify({ kind: 'builtin', name: 'FAQ', config: { rules: [], fallback: 'Hm?' } }),
      })
    ).json();
    const widget = await (
      await fetch(`${a.baseUrl}/v1/widgets`, {
        method: 'POST',
        headers: admin,
        body: JSON.stringify({ name: 'Two nodes', botId: bot.id, origin: [ORIGIN] }),
      })
    ).json();
    // Each session follows a page load, as in a browser (a session without one may be asked for a proof of work).
    const create = async (node: ScaledNode): Promise<Response> => {
      await fetch(`${node.baseUrl}/v1/widgets/${widget.id}/config`, { headers: { origin: ORIGIN } });
      return fetch(`${node.baseUrl}/v1/widgets/${widget.id}/sessions`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', origin: ORIGIN },
        body: '{}',
      });
    };
    const statuses: number[] = [];
    for (const node of [a, b, a, b]) statuses.push((await create(node)).status);
    expect(statuses).toEqual([201, 201, 201, 201]);
    const onA = await create(a);
    const onB = await create(b);
    expect([onA.status, onB.status]).toEqual([429, 429]);
    expect(Number(onB.headers.get('retry-after'))).toBeGreaterThanOrEqual(1);
  });
});
