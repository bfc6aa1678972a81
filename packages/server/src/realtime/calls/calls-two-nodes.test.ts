import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ServerFrame } from '@parley/protocol';
import { TEST_ADMIN_KEY } from '../../testing/test-server.js';
import { startScaledNodes, type ScaledNode } from '../testing/scaled-nodes.js';
import { connectWs } from '../testing/ws-test-client.js';

async function post(baseUrl: string, path: string, body: unknown, auth: string | null = TEST_ADMIN_KEY): Promise<Record<string, unknown>> {
  const response = await fetch(`${baseUrl}${path}`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...(auth === null ? {} : { authorization: `Bearer ${auth}` }) },
    body: JSON.stringify(body),
  });
  return (await response.json()) as Record<string, unknown>;
}

/** A call with the visitor on node A and the agent on node B: state, connect and signalling cross the bus, and so does peer-gone. */
describe('calls across two nodes over PostgreSQL and Redis', () => {
  const nodes: ScaledNode[] = [];
  let stop = async (): Promise<void> => undefined;

  beforeAll(async () => {
    const started = await startScaledNodes('parley_calls', 2, { PARLEY_ICE_SERVERS: '[{"urls":"stun:stun.example.com:3478"}]' });
    nodes.push(...started.nodes);
    stop = started.close;
  });

  afterAll(() => stop());

  it('rings, connects, relays signalling and ends across nodes; the second node refuses a second call', async () => {
    const [a, b] = nodes;
    if (a === undefined || b === undefined) throw new Error('nodes did not start');
    const bot = await post(a.baseUrl, '/v1/bots', { kind: 'builtin', name: 'FAQ', config: { rules: [], fallback: 'Sorry.' } });
    const widget = await post(a.baseUrl, '/v1/widgets', { name: 'Calls', botId: bot['id'], calls: { visitor: 'video' } });
    const session = await post(a.baseUrl, `/v1/widgets/${String(widget['id'])}/sessions`, {}, null);
    const conversationId = String(session['conversationId']);
    const visitor = await connectWs({ baseUrl: a.baseUrl, token: String(session['token']) });
    const agent = await connectWs({ baseUrl: b.baseUrl, token: TEST_ADMIN_KEY, conversationId });

    const callId = 'two-nodes-call-1';
    await visitor.send({ type: 'call_offer', callId, kind: 'screen' });
    await agent.log.waitFor((f) => f.type === 'call' && f.call.id === callId && f.call.state === 'ringing');
    // The open call lives in the database: node B refuses a second one too.
    const from = agent.log.frames.length;
    await agent.send({ type: 'call_offer', callId: 'two-nodes-call-2', kind: 'audio' });
    expect(await agent.log.waitFor((f) => f.type === 'error', { from })).toMatchObject({ code: 'PARLEY_ERR_CALL_BUSY' });

    await agent.send({ type: 'call_accept', callId });
    const connect = await visitor.log.waitFor((f): f is Extract<ServerFrame, { type: 'call_connect' }> => f.type === 'call_connect');
    expect(connect).toEqual({
      type: 'call_connect',
      callId,
      offerer: true,
      iceServers: [{ urls: 'stun:stun.example.com:3478' }],
      connectTimeoutMs: 30_000,
    });
    await agent.log.waitFor((f) => f.type === 'call_connect' && !f.offerer);
    await visitor.send({ type: 'call_signal', callId, signal: { kind: 'sdp', type: 'offer', sdp: 'v=0 from A' } });
    await agent.log.waitFor((f) => f.type === 'call_signal' && f.signal.kind === 'sdp' && f.signal.sdp === 'v=0 from A');
    await agent.send({ type: 'call_signal', callId, signal: { kind: 'sdp', type: 'answer', sdp: 'v=0 from B' } });
    await visitor.log.waitFor((f) => f.type === 'call_signal' && f.signal.kind === 'sdp' && f.signal.sdp === 'v=0 from B');

    // The agent's link (node B) goes away: node B ends the call, and the visitor on node A hears it.
    await agent.close();
    const ended = await visitor.log.waitFor((f) => f.type === 'call' && f.call.state === 'ended');
    expect(ended).toMatchObject({ call: { id: callId, kind: 'screen', endReason: 'peer-gone', caller: { role: 'visitor' } } });
    await visitor.close();
  });
});
