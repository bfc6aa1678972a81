import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startScaledNodes, type ScaledNode } from '../realtime/testing/scaled-nodes.js';
import { TEST_ADMIN_KEY } from '../testing/test-server.js';
import { N8nClient } from './testing/n8n-socket-client.js';

const ORIGIN = 'https://shop.example.com';

/** The scaled mode: any node checks an executionId another issued, and the agent's reply crosses the bus. */
describe('the @n8n/chat push channel on two nodes (one PostgreSQL, one Redis)', () => {
  const nodes: ScaledNode[] = [];
  let stop = async (): Promise<void> => undefined;

  beforeAll(async () => {
    const started = await startScaledNodes('parley_n8n_nodes');
    nodes.push(...started.nodes);
    stop = started.close;
  });
  afterAll(() => stop());

  const post = async (node: ScaledNode, path: string, body: unknown, headers: Record<string, string>) => {
    const response = await fetch(`${node.baseUrl}${path}`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', ...headers },
      body: JSON.stringify(body),
    });
    return (await response.json()) as Record<string, unknown>;
  };

  it('opens the socket on node B with the executionId node A issued, and shows the reply an agent sends through node A', async () => {
    const [a, b] = nodes;
    if (a === undefined || b === undefined) throw new Error('nodes did not start');
    const admin = { authorization: `Bearer ${TEST_ADMIN_KEY}` };
    const bot = await post(a, '/v1/bots', { kind: 'builtin', name: 'FAQ', config: { rules: [], fallback: 'Sorry?' } }, admin);
    const widget = await post(a, '/v1/widgets', { name: 'n8n', botId: bot['id'], origin: [ORIGIN] }, admin);
    const agent = await post(a, '/v1/agents', { email: 'nodes@example.com', password: 'password-nodes-1', name: 'Nia' }, admin);
    const sessionId = 'two-nodes-session-1';
    const answer = await post(
      a,
      `/v1/widgets/${String(widget['id'])}/n8n`,
      { action: 'sendMessage', sessionId, chatInput: 'Talk to a human' },
      {
        origin: ORIGIN,
      },
    );
    expect(answer['executionStarted']).toBe(true);

    const client = await N8nClient.open(
      b.baseUrl,
      ORIGIN,
      `sessionId=${sessionId}&executionId=${String(answer['executionId'])}&isPublic=true`,
    );
    await client.waitFor('Waiting for a human to join.');
    const { id: conversationId } = await a.parley.services.database.db
      .selectFrom('conversations')
      .select('id')
      .where('identity_user_id', '=', `n8n:${sessionId}`)
      .executeTakeFirstOrThrow();
    await a.parley.services.desk.replies.reply(
      conversationId,
      { role: 'agent', id: String(agent['id']), name: 'Nia' },
      'Hello from node A',
      'nodes-0001',
    );
    await client.waitFor('Hello from node A');
    expect(client.texts).toEqual(['Waiting for a human to join.', 'Nia joined the conversation.', 'Hello from node A']);
    client.ws.close();
  });
});
