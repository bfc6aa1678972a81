import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startScaledNodes, type ScaledNode } from '../realtime/testing/scaled-nodes.js';
import { connectWs } from '../realtime/testing/ws-test-client.js';
import { TEST_ADMIN_KEY } from '../testing/test-server.js';

async function call(node: ScaledNode, method: string, path: string, body: unknown, token = TEST_ADMIN_KEY) {
  const response = await fetch(`${node.baseUrl}${path}`, {
    method,
    headers: { authorization: `Bearer ${token}`, ...(body === undefined ? {} : { 'content-type': 'application/json' }) },
    ...(body === undefined ? {} : { body: JSON.stringify(body) }),
  });
  const text = await response.text();
  return { status: response.status, json: text === '' ? undefined : JSON.parse(text) };
}

describe('erasure across two nodes on one PostgreSQL and one Redis', () => {
  const nodes: ScaledNode[] = [];
  let stop = async (): Promise<void> => undefined;

  beforeAll(async () => {
    const started = await startScaledNodes('parley_erasure', 2);
    nodes.push(...started.nodes);
    stop = started.close;
  });

  afterAll(() => stop());

  it('a contact erased on node A closes their socket on node B at once, and B refuses their token from then on', async () => {
    const [a, b] = nodes;
    if (a === undefined || b === undefined) throw new Error('nodes did not start');
    const bot = await call(a, 'POST', '/v1/bots', { kind: 'builtin', name: 'FAQ', config: { rules: [], fallback: 'Sorry.' } });
    const widget = await call(a, 'POST', '/v1/widgets', { name: 'Erasure', botId: bot.json.id });
    const session = await call(b, 'POST', `/v1/widgets/${widget.json.id}/sessions`, {
      contact: { name: 'Two Nodes', email: 'two.nodes@example.com' },
    });
    expect(session.status).toBe(201);
    const { token, conversationId } = session.json as { token: string; conversationId: string };
    const visitor = await connectWs({ baseUrl: b.baseUrl, token });
    expect(await visitor.send({ type: 'send', clientId: 'before-erase-01', text: 'hello' })).toMatchObject({ type: 'ack' });
    const contactId = String((await call(a, 'GET', `/v1/inbox/${conversationId}`, undefined)).json.contact.id);

    const erased = await call(a, 'POST', `/v1/contacts/${contactId}/erase`, { confirm: contactId });
    expect(erased.status).toBe(200);
    expect(await visitor.log.waitForClose()).toMatchObject({ code: 4003, reason: 'erased' });
    expect((await call(b, 'GET', `/v1/conversations/${conversationId}/messages`, undefined, token)).status).toBe(401);
  });
});
