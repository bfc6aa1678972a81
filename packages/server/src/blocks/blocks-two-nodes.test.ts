import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CLOSE_CODES } from '@parley/protocol';
import { createAgent } from '../testing/agent-fixtures.js';
import { TEST_ADMIN_KEY, type TestServer } from '../testing/test-server.js';
import { startScaledNodes, type ScaledNode } from '../realtime/testing/scaled-nodes.js';
import { connectWs, rawWs } from '../realtime/testing/ws-test-client.js';
import { createBotAndWidget } from '../testing/fixtures.js';

/** A TestServer over a listening node, so the shared fixtures run against it. */
function over(node: ScaledNode): TestServer {
  return {
    services: node.parley.services,
    dialect: 'postgres',
    async request(method, url, { body, auth = 'admin', headers = {} } = {}) {
      const response = await fetch(`${node.baseUrl}${url}`, {
        method,
        headers: {
          ...(body === undefined ? {} : { 'content-type': 'application/json' }),
          ...(auth === 'none' ? {} : { authorization: `Bearer ${auth === 'admin' ? TEST_ADMIN_KEY : auth}` }),
          ...headers,
        },
        ...(body === undefined ? {} : { body: JSON.stringify(body) }),
      });
      const text = await response.text();
      return { status: response.status, headers: {}, body: text, json: text === '' ? undefined : JSON.parse(text) };
    },
    close: async () => undefined,
  };
}

describe('blocks across two nodes on one PostgreSQL and one Redis', () => {
  const nodes: ScaledNode[] = [];
  let stop = async (): Promise<void> => undefined;

  beforeAll(async () => {
    const started = await startScaledNodes('parley_blocks', 2);
    nodes.push(...started.nodes);
    stop = started.close;
  });

  afterAll(() => stop());

  it('a block made on node A closes the visitor’s socket on node B at once and B refuses them from then on', async () => {
    const [a, b] = nodes;
    if (a === undefined || b === undefined) throw new Error('nodes did not start');
    const nodeA = over(a);
    const nodeB = over(b);
    const { widgetId } = await createBotAndWidget(nodeA);
    const session = await nodeB.request('POST', `/v1/widgets/${widgetId}/sessions`, { auth: 'none', body: {} });
    expect(session.status).toBe(201);
    const { token, conversationId } = session.json as { token: string; conversationId: string };
    const visitor = await connectWs({ baseUrl: b.baseUrl, token });
    // Node B has checked this visitor against its (empty) blocklist: it now holds it in memory.
    expect(await visitor.send({ type: 'send', clientId: 'before-block-01', text: 'hello' })).toMatchObject({ type: 'ack' });

    const agent = await createAgent(nodeA);
    const blocked = await nodeA.request('POST', `/v1/inbox/${conversationId}/block`, {
      auth: agent.token,
      body: { scope: 'visitor', duration: '1d' },
    });
    expect(blocked.status).toBe(201);
    expect(await visitor.log.waitForClose()).toEqual({ code: CLOSE_CODES.FORBIDDEN.code, reason: 'blocked' });

    const again = await nodeB.request('POST', `/v1/conversations/${conversationId}/messages`, {
      auth: token,
      body: { text: 'still here?', clientId: 'after-block-001' },
    });
    expect(again.status).toBe(403);
    expect(again.json.error.code).toBe('PARLEY_ERR_VISITOR_BLOCKED');
    const reconnect = await rawWs(b.baseUrl, token);
    expect(await reconnect.log.waitForClose()).toEqual({ code: CLOSE_CODES.FORBIDDEN.code, reason: 'PARLEY_ERR_VISITOR_BLOCKED' });

    // Lifted on node B: node A lets the visitor write again.
    const lifted = await nodeB.request('DELETE', `/v1/blocks/${blocked.json.id}`);
    expect(lifted.status).toBe(204);
    const back = await nodeA.request('POST', `/v1/conversations/${conversationId}/messages`, {
      auth: token,
      body: { text: 'back', clientId: 'after-lift-0001' },
    });
    expect(back.status).toBe(201);
  });
});
