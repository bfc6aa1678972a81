import { WebSocket } from 'ws';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ServerFrame } from '@parley/protocol';
import { TEST_ADMIN_KEY } from '../testing/test-server.js';
import { FrameLog, parseFrame } from './testing/frame-log.js';
import { startScaledNodes, type ScaledNode } from './testing/scaled-nodes.js';
import { connectWs } from './testing/ws-test-client.js';

async function call(
  baseUrl: string,
  method: string,
  path: string,
  body: unknown,
  auth: string | null = TEST_ADMIN_KEY,
): Promise<Record<string, unknown>> {
  const response = await fetch(`${baseUrl}${path}`, {
    method,
    headers: { 'content-type': 'application/json', ...(auth === null ? {} : { authorization: `Bearer ${auth}` }) },
    body: JSON.stringify(body),
  });
  return (await response.json()) as Record<string, unknown>;
}

/** The agent desk across nodes: visitor on node A, the agent's inbox stream and conversation on node B. */
describe('agents and visitors on two nodes over PostgreSQL and Redis', () => {
  const nodes: ScaledNode[] = [];
  let stop = async (): Promise<void> => undefined;

  beforeAll(async () => {
    const started = await startScaledNodes('parley_desk');
    nodes.push(...started.nodes);
    stop = started.close;
  });

  afterAll(() => stop());

  it('streams the inbox, notes and ownership changes across nodes, and keeps notes from the visitor', async () => {
    const [a, b] = nodes;
    if (a === undefined || b === undefined) throw new Error('nodes did not start');
    await call(b.baseUrl, 'POST', '/v1/agents', { email: 'pat@example.com', name: 'Pat', password: 'password-123' });
    const login = await call(b.baseUrl, 'POST', '/v1/auth/login', { email: 'pat@example.com', password: 'password-123' }, null);
    const token = String(login['token']);
    const agentId = String((login['agent'] as { id: string }).id);

    const inbox = new FrameLog();
    const ws = new WebSocket(`${b.baseUrl.replace(/^http/, 'ws')}/v1/realtime/ws?token=${token}&inbox=1`);
    ws.on('message', (data) => inbox.push(parseFrame(data.toString())));
    ws.on('open', () => ws.send(JSON.stringify({ type: 'hello', v: 1, lastSeq: 0 })));
    await inbox.waitFor((f) => f.type === 'welcome');

    const bot = await call(a.baseUrl, 'POST', '/v1/bots', { kind: 'builtin', name: 'FAQ', config: { rules: [], fallback: 'Sorry.' } });
    const widget = await call(a.baseUrl, 'POST', '/v1/widgets', { name: 'Two nodes', botId: bot['id'] });
    const session = await call(a.baseUrl, 'POST', `/v1/widgets/${String(widget['id'])}/sessions`, {}, null);
    const conversationId = String(session['conversationId']);
    const visitor = await connectWs({ baseUrl: a.baseUrl, token: String(session['token']) });
    await visitor.send({ type: 'send', clientId: 'two-nodes-visitor-1', text: 'hello from node A' });
    // The item is read when the event reaches node B: by then the bot's fallback may be its last message already.
    await inbox.waitFor(
      (f) =>
        f.type === 'inbox' &&
        f.item.conversation.id === conversationId &&
        (f.item.lastMessage?.text === 'hello from node A' || f.item.lastMessage?.text === 'Sorry.'),
    );

    const desk = await connectWs({ baseUrl: b.baseUrl, token, conversationId });
    await call(b.baseUrl, 'POST', `/v1/inbox/${conversationId}/notes`, { text: 'cross-node note' }, token);
    await desk.log.waitFor((f: ServerFrame) => f.type === 'message' && f.message.text === 'cross-node note');
    await call(b.baseUrl, 'POST', `/v1/inbox/${conversationId}/assign`, { agentId }, token);
    await visitor.log.waitFor((f) => f.type === 'status' && f.owner === 'human' && f.assignee?.id === agentId);
    await inbox.waitFor((f) => f.type === 'inbox' && f.reason === 'ownership' && f.item.conversation.owner === 'human');
    await desk.send({ type: 'send', clientId: 'two-nodes-agent-1', text: 'hi from node B' });
    await visitor.log.waitFor((f) => f.type === 'message' && f.message.text === 'hi from node B');
    expect(JSON.stringify(visitor.log.frames)).not.toContain('cross-node note');
    ws.close();
    await Promise.all([visitor.close(), desk.close()]);
  });
});
