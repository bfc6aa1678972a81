import { expect, it } from 'vitest';
import { MemoryBus } from '../bus/memory-bus.js';
import { identityHash } from '../index.js';
import { createAgent } from '../testing/agent-fixtures.js';
import { createBotAndWidget } from '../testing/fixtures.js';
import { describeEachStore, type TestServer } from '../testing/test-server.js';
import { Blocklist } from './blocklist.js';

const SHOP = 'https://shop.example.com';

interface Visitor {
  readonly token: string;
  readonly conversationId: string;
}

async function openSession(server: TestServer, widgetId: string, remoteAddress: string, body: object = {}): Promise<Visitor> {
  const created = await server.request('POST', `/v1/widgets/${widgetId}/sessions`, {
    auth: 'none',
    body,
    headers: { origin: SHOP },
    remoteAddress,
  });
  if (created.status !== 201) throw new Error(`session creation failed: ${created.body}`);
  return { token: created.json.token, conversationId: created.json.conversationId };
}

const say = (server: TestServer, visitor: Visitor, text: string, remoteAddress = '198.51.100.1') =>
  server.request('POST', `/v1/conversations/${visitor.conversationId}/messages`, {
    auth: visitor.token,
    headers: { origin: SHOP },
    body: { text, clientId: `c-${Math.random().toString(36).slice(2, 12)}` },
    remoteAddress,
  });

describeEachStore('agents block a visitor or an address', (server) => {
  it('refuses a blocked visitor everywhere with 403 PARLEY_ERR_VISITOR_BLOCKED until an agent unblocks them', async () => {
    const { widgetId } = await createBotAndWidget(server(), { origin: [SHOP] });
    const agent = await createAgent(server(), { name: 'Sam' });
    const visitor = await openSession(server(), widgetId, '198.51.100.1');
    expect((await say(server(), visitor, 'hello')).status).toBe(201);

    const blocked = await server().request('POST', `/v1/inbox/${visitor.conversationId}/block`, {
      auth: agent.token,
      body: { scope: 'visitor', duration: '7d', reason: 'spam links' },
    });
    expect(blocked.status).toBe(201);
    expect(blocked.json).toMatchObject({
      scope: 'visitor',
      widgetId,
      subject: `conv:${visitor.conversationId}`,
      createdBy: { id: agent.id, name: 'Sam' },
      reason: 'spam links',
    });
    expect(Date.parse(blocked.json.expiresAt) - Date.now()).toBeGreaterThan(6.9 * 86_400_000);

    const refused = await say(server(), visitor, 'again');
    expect(refused.status).toBe(403);
    expect(refused.json.error).toMatchObject({
      code: 'PARLEY_ERR_VISITOR_BLOCKED',
      message: 'An agent blocked this visitor from the chat.',
    });
    const path = `/v1/conversations/${visitor.conversationId}`;
    const asVisitor = { auth: visitor.token, headers: { origin: SHOP } };
    for (const [method, url, body] of [
      ['GET', `${path}/messages`, undefined],
      ['POST', `${path}/contact`, { email: 'ana@example.com' }],
      ['POST', `${path}/rating`, { score: 5 }],
      ['GET', `/v1/realtime/poll?token=${visitor.token}`, undefined],
      ['POST', `/v1/realtime/poll/send?token=${visitor.token}`, { type: 'ping' }],
    ] as const) {
      const answer = await server().request(method, url, { ...asVisitor, ...(body === undefined ? {} : { body }) });
      expect(answer.status, `${method} ${url}`).toBe(403);
      expect(answer.json.error.code, `${method} ${url}`).toBe('PARLEY_ERR_VISITOR_BLOCKED');
    }
    const upload = await server().request('POST', `${path}/files?name=notes.txt`, {
      auth: visitor.token,
      headers: { origin: SHOP, 'content-type': 'application/octet-stream' },
      rawBody: 'hello',
    });
    expect(upload.status).toBe(403);
    expect(upload.json.error.code).toBe('PARLEY_ERR_VISITOR_BLOCKED');
    // The agent's own paths are never blocked.
    const reply = await server().request('POST', `/v1/inbox/${visitor.conversationId}/messages`, {
      auth: agent.token,
      body: { text: 'We saw that.', clientId: 'c-agent-0001' },
    });
    expect(reply.status).toBe(201);
    // An anonymous visitor block names this conversation: the same address may still open another one.
    expect((await openSession(server(), widgetId, '198.51.100.1')).conversationId).not.toBe(visitor.conversationId);

    const listed = await server().request('GET', `/v1/inbox/${visitor.conversationId}/blocks`, { auth: agent.token });
    expect(listed.json.items.map((block: { id: string }) => block.id)).toEqual([blocked.json.id]);
    const unblocked = await server().request('DELETE', `/v1/inbox/${visitor.conversationId}/block`, { auth: agent.token });
    expect(unblocked.status).toBe(200);
    expect(unblocked.json.lifted).toHaveLength(1);
    expect((await say(server(), visitor, 'sorry')).status).toBe(201);

    const activity = await server().request('GET', `/v1/inbox/${visitor.conversationId}/activity`, { auth: agent.token });
    const lines = (activity.json.items as { kind: string; actor: { name: string }; scope?: string; until: string | null }[]).filter(
      (item) => item.kind === 'blocked' || item.kind === 'unblocked',
    );
    expect(lines).toMatchObject([
      { kind: 'blocked', actor: { name: 'Sam' }, scope: 'visitor', until: blocked.json.expiresAt },
      { kind: 'unblocked', actor: { name: 'Sam' }, scope: 'visitor' },
    ]);
  });

  it('blocks a verified identity in every session it opens, and no other identity', async () => {
    const { widgetId } = await createBotAndWidget(server(), { origin: [SHOP] });
    const { identitySecret } = (await server().request('GET', `/v1/widgets/${widgetId}/identity-secret`)).json;
    const identity = (userId: string) => ({ identity: { userId, userHash: identityHash(identitySecret, userId) } });
    const visitor = await openSession(server(), widgetId, '198.51.100.2', identity('user-7'));
    const agent = await createAgent(server());
    const blocked = await server().request('POST', `/v1/inbox/${visitor.conversationId}/block`, {
      auth: agent.token,
      body: { scope: 'visitor', duration: 'permanent' },
    });
    expect(blocked.json).toMatchObject({ subject: 'user:user-7', expiresAt: null, reason: null });
    const again = await server().request('POST', `/v1/widgets/${widgetId}/sessions`, {
      auth: 'none',
      body: identity('user-7'),
      headers: { origin: SHOP },
      remoteAddress: '203.0.113.9',
    });
    expect(again.status).toBe(403);
    expect(again.json.error.code).toBe('PARLEY_ERR_VISITOR_BLOCKED');
    await openSession(server(), widgetId, '198.51.100.2', identity('user-8'));
  });

  it('blocks an address (IPv6 by its /64) on sessions, messages and the n8n endpoint; trusted callers and other addresses pass', async () => {
    const { widgetId } = await createBotAndWidget(server(), { origin: [SHOP] });
    const agent = await createAgent(server());
    const visitor = await openSession(server(), widgetId, '2001:db8:1:2::5');
    const blocked = await server().request('POST', `/v1/inbox/${visitor.conversationId}/block`, {
      auth: agent.token,
      body: { scope: 'address', duration: '1d' },
    });
    expect(blocked.status).toBe(201);
    // Never the address itself (issue 18): a keyed hash of its /64 (privacy/visitor-address.ts).
    expect(blocked.json).toMatchObject({ scope: 'address', subject: expect.stringMatching(/^h:[A-Za-z0-9_-]{22}$/), widgetId });

    const session = (remoteAddress: string, auth: 'none' | 'admin' = 'none', origin: string | null = SHOP) =>
      server().request('POST', `/v1/widgets/${widgetId}/sessions`, {
        auth,
        body: {},
        headers: origin === null ? {} : { origin },
        remoteAddress,
      });
    const sameSubnet = await session('2001:db8:1:2::99');
    expect(sameSubnet.status).toBe(403);
    expect(sameSubnet.json.error).toMatchObject({
      code: 'PARLEY_ERR_VISITOR_BLOCKED',
      message: 'An agent blocked this address from the chat.',
    });
    expect((await session('2001:db8:1:3::1')).status).toBe(201);
    // A site's own server (admin key, no Origin) opens sessions for its visitors: not blocked by its address.
    expect((await session('2001:db8:1:2::99', 'admin', null)).status).toBe(201);
    // The visitor's existing session is refused from the blocked address, not from another one.
    expect((await say(server(), visitor, 'from the block', '2001:db8:1:2::7')).status).toBe(403);
    expect((await say(server(), visitor, 'from elsewhere', '192.0.2.44')).status).toBe(201);
    const n8n = await server().request('POST', `/v1/widgets/${widgetId}/n8n`, {
      auth: 'none',
      headers: { origin: SHOP },
      body: { action: 'sendMessage', sessionId: 'n8n-blocked-1', chatInput: 'hi' },
      remoteAddress: '2001:db8:1:2::8',
    });
    expect(n8n.status).toBe(403);
    expect(n8n.json.error.code).toBe('PARLEY_ERR_VISITOR_BLOCKED');
  });

  it('applies an address block on every widget only when asked to', async () => {
    const first = await createBotAndWidget(server(), { origin: [SHOP] });
    const second = await createBotAndWidget(server(), { origin: [SHOP] });
    const agent = await createAgent(server());
    const visitor = await openSession(server(), first.widgetId, '192.0.2.10');
    await server().request('POST', `/v1/inbox/${visitor.conversationId}/block`, {
      auth: agent.token,
      body: { scope: 'address', duration: '1d' },
    });
    await openSession(server(), second.widgetId, '192.0.2.10');
    const everywhere = await server().request('POST', `/v1/inbox/${visitor.conversationId}/block`, {
      auth: agent.token,
      body: { scope: 'address', duration: '1d', everyWidget: true },
    });
    expect(everywhere.json.widgetId).toBeNull();
    const refused = await server().request('POST', `/v1/widgets/${second.widgetId}/sessions`, {
      auth: 'none',
      body: {},
      headers: { origin: SHOP },
      remoteAddress: '192.0.2.10',
    });
    expect(refused.status).toBe(403);
  });

  it('lists blocks to admins a page at a time, lifts one by id, and refuses bad input with clear errors', async () => {
    const { widgetId } = await createBotAndWidget(server(), { origin: [SHOP] });
    const agent = await createAgent(server());
    const admin = await createAgent(server(), { role: 'admin' });
    const made: string[] = [];
    for (const address of ['192.0.2.21', '192.0.2.22', '192.0.2.23']) {
      const visitor = await openSession(server(), widgetId, address);
      const block = await server().request('POST', `/v1/inbox/${visitor.conversationId}/block`, {
        auth: agent.token,
        body: { scope: 'visitor', duration: '30d' },
      });
      made.push(block.json.id);
    }
    expect((await server().request('GET', '/v1/blocks', { auth: agent.token })).status).toBe(403);
    const first = await server().request('GET', '/v1/blocks?take=2', { auth: admin.token });
    expect(first.status).toBe(200);
    expect(first.json.items).toHaveLength(2);
    const second = await server().request('GET', `/v1/blocks?take=2&cursor=${first.json.nextCursor}`, { auth: admin.token });
    const seen = [...first.json.items, ...second.json.items].map((block: { id: string }) => block.id);
    for (const id of made) expect(seen).toContain(id);

    const lifted = await server().request('DELETE', `/v1/blocks/${made[0]}`, { auth: admin.token });
    expect(lifted.status).toBe(204);
    const twice = await server().request('DELETE', `/v1/blocks/${made[0]}`, { auth: admin.token });
    expect(twice.status).toBe(404);
    expect(twice.json.error.code).toBe('PARLEY_ERR_BLOCK_NOT_FOUND');

    const visitor = await openSession(server(), widgetId, '192.0.2.30');
    const bad = await server().request('POST', `/v1/inbox/${visitor.conversationId}/block`, {
      auth: agent.token,
      body: { scope: 'visitor', duration: 'forever' },
    });
    expect(bad.status).toBe(400);
    expect(bad.json.error).toMatchObject({ code: 'PARLEY_ERR_REQUEST_VALIDATION', field: 'duration' });
    // A session a server opened (admin key) has no visitor address to block.
    const trusted = await server().request('POST', `/v1/widgets/${widgetId}/sessions`, { body: {} });
    const noAddress = await server().request('POST', `/v1/inbox/${trusted.json.conversationId}/block`, {
      auth: agent.token,
      body: { scope: 'address', duration: '1d' },
    });
    expect(noAddress.status).toBe(400);
    expect(noAddress.json.error.field).toBe('scope');
  });

  it('stops applying an expired block by itself, without a database read per check', async () => {
    let clock = Date.parse('2030-01-01T00:00:00Z');
    const db = server().services.database.db;
    const blocks = new Blocklist(db, new MemoryBus(), console, () => clock);
    const { widgetId } = await createBotAndWidget(server(), { origin: [SHOP] });
    const visitor = await openSession(server(), widgetId, '192.0.2.40');
    const conversation = { id: visitor.conversationId, widget_id: widgetId, identity_user_id: null };
    await blocks.block(conversation, { scope: 'visitor', duration: '1d' }, { id: 'agt_x', name: 'Sam' });
    const who = { widgetId, visitor: `conv:${visitor.conversationId}` };
    expect(await blocks.refusal(who)).toBeDefined();
    let reads = 0;
    const counting = new Blocklist(
      db.withPlugin({
        transformQuery: (args) => {
          reads += 1;
          return args.node;
        },
        transformResult: async (args) => args.result,
      }),
      new MemoryBus(),
      console,
      () => clock,
    );
    for (let i = 0; i < 5; i++) expect(await counting.refusal(who)).toBeDefined();
    expect(reads).toBe(1);
    clock += 86_400_000 + 1;
    expect(await counting.refusal(who)).toBeUndefined();
    expect(await blocks.refusal(who)).toBeUndefined();
  });
});
