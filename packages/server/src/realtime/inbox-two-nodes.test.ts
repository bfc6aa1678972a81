import { isDeepStrictEqual } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { InboxItem } from '@parley/protocol';
import { TEST_ADMIN_KEY } from '../testing/test-server.js';
import { agentLogin, latestEntry, openInbox } from './testing/inbox-client.js';
import { startScaledNodes, type ScaledNode } from './testing/scaled-nodes.js';
import { connectWs } from './testing/ws-test-client.js';

async function call(baseUrl: string, path: string, body: unknown, auth: string | null = TEST_ADMIN_KEY): Promise<Record<string, unknown>> {
  const response = await fetch(`${baseUrl}${path}`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...(auth === null ? {} : { authorization: `Bearer ${auth}` }) },
    body: JSON.stringify(body),
  });
  return (await response.json()) as Record<string, unknown>;
}

/**
 * Inbox entries kept by each node (realtime/inbox-items.ts) while the events come from the other node through Redis:
 * the visitor's messages stored on A, an agent's reads on B, both nodes' streams kept up to date from the events.
 */
describe("inbox entries on two nodes, the events coming from the other node's engine", () => {
  const nodes: ScaledNode[] = [];
  let stop = async (): Promise<void> => undefined;

  beforeAll(async () => {
    const started = await startScaledNodes('parley_inbox_entries');
    nodes.push(...started.nodes);
    stop = started.close;
  });

  afterAll(() => stop());

  it("keeps each node's streams equal to a fresh read through messages on one node and reads on the other", async () => {
    const [a, b] = nodes;
    if (a === undefined || b === undefined) throw new Error('nodes did not start');
    const ana = await agentLogin(a.baseUrl, 'Ana');
    const ben = await agentLogin(a.baseUrl, 'Ben');
    // Ana's inbox on both nodes, Ben's on A only.
    const streams = [
      { agent: ana, node: b, link: await openInbox(b.baseUrl, ana.token) },
      { agent: ana, node: a, link: await openInbox(a.baseUrl, ana.token) },
      { agent: ben, node: a, link: await openInbox(a.baseUrl, ben.token) },
    ];
    const bot = await call(a.baseUrl, '/v1/bots', { kind: 'builtin', name: 'Quiet', config: { rules: [] } });
    const widget = await call(a.baseUrl, '/v1/widgets', { name: 'Two nodes', botId: bot['id'] });
    const session = await call(a.baseUrl, `/v1/widgets/${String(widget['id'])}/sessions`, {}, null);
    const conversationId = String(session['conversationId']);
    const visitorToken = String(session['token']);
    const say = (text: string) => call(a.baseUrl, `/v1/conversations/${conversationId}/messages`, { text }, visitorToken);
    /** Every stream's latest entry equals what its own node reads now. */
    const settled = async (what: string): Promise<void> => {
      const deadline = Date.now() + 5000;
      for (;;) {
        const mismatches = [];
        for (const { agent, node, link } of streams) {
          const sent = latestEntry(link.log, conversationId);
          const read = await node.parley.services.desk.inbox.item(conversationId, agent.id);
          if (!isDeepStrictEqual(withoutWait(sent), withoutWait(read)) || !closeWaits(sent, read))
            mismatches.push({ agent: agent.id, node: node.baseUrl, sent, read });
        }
        if (mismatches.length === 0) return;
        if (Date.now() > deadline) expect(mismatches, what).toEqual([]);
        await new Promise((resolve) => setTimeout(resolve, 20));
      }
    };

    await say('one');
    await say('two');
    await settled('after two visitor messages on A');
    // Ana reads everything on a conversation link of node B: her read reaches A's streams through Redis.
    const desk = await connectWs({ baseUrl: b.baseUrl, token: ana.token, conversationId });
    const welcome = desk.log.frames[0];
    await desk.send({ type: 'read', seq: welcome?.type === 'welcome' ? welcome.lastSeq : 0 });
    // Her stream on A hears of it from B.
    await streams[1]?.link.log.waitFor((f) => f.type === 'inbox' && f.reason === 'read' && f.item.unread === 0);
    await settled("after Ana's read on B");
    await say('three');
    await settled('after a third visitor message on A');
    expect(streams.map(({ link }) => latestEntry(link.log, conversationId)?.unread)).toEqual([1, 1, 3]);
    // An agent's message from B, then the visitor again from A.
    await desk.send({ type: 'send', clientId: 'inbox-two-nodes-agent-1', text: 'hello from B' });
    await say('four');
    await settled('after messages from both nodes');
    for (const { link } of streams) link.ws.close();
    await desk.close();
  });
});

/** waitingSinceMs grows with the clock: compared apart (closeWaits). */
function withoutWait(item: InboxItem | undefined): unknown {
  return item === undefined ? undefined : { ...item, waitingSinceMs: item.waitingSinceMs === null ? null : 'a duration' };
}

/** Both waiting or neither, and the read's wait no shorter than the sent one's nor longer by more than the test takes. */
function closeWaits(sent: InboxItem | undefined, read: InboxItem | undefined): boolean {
  const a = sent?.waitingSinceMs ?? null;
  const b = read?.waitingSinceMs ?? null;
  if (a === null || b === null) return a === b;
  return b - a >= -5 && b - a < 10_000;
}
