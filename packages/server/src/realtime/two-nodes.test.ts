import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ServerFrame } from '@parley/protocol';
import { TEST_ADMIN_KEY } from '../testing/test-server.js';
import { openVisitor, type RealtimeServer } from './testing/realtime-server.js';
import { startScaledNodes, type ScaledNode } from './testing/scaled-nodes.js';
import { connectWs } from './testing/ws-test-client.js';

/** Two server processes' worth of app on one PostgreSQL schema and one Redis: the scaled mode. */
describe('two nodes on one PostgreSQL and one Redis', () => {
  const nodes: ScaledNode[] = [];
  let stop = async (): Promise<void> => undefined;

  beforeAll(async () => {
    // Thirty rounds in a few seconds are a burst no visitor types: this suite tests relaying, not the volume limits.
    const started = await startScaledNodes('parley_nodes', 2, {
      PARLEY_LIMIT_MESSAGES_PER_SESSION: 'off',
      PARLEY_LIMIT_BOT_TURNS_PER_SESSION: 'off',
    });
    nodes.push(...started.nodes);
    stop = started.close;
  });

  afterAll(() => stop());

  it('relays messages, typing and read receipts between a visitor on node A and an agent on node B, in order, none lost or doubled', async () => {
    const [a, b] = nodes;
    if (a === undefined || b === undefined) throw new Error('nodes did not start');
    const nodeA: RealtimeServer = {
      baseUrl: a.baseUrl,
      services: a.parley.services,
      dialect: 'postgres',
      json: async (method, path, body, auth = TEST_ADMIN_KEY, headers = {}) => {
        const response = await fetch(`${a.baseUrl}${path}`, {
          method,
          headers: { 'content-type': 'application/json', ...(auth === null ? {} : { authorization: `Bearer ${auth}` }), ...headers },
          ...(body === undefined ? {} : { body: JSON.stringify(body) }),
        });
        const parsed: unknown = await response.json();
        return { status: response.status, body: typeof parsed === 'object' && parsed !== null ? { ...parsed } : {} };
      },
      close: async () => undefined,
    };
    const session = await openVisitor(nodeA);
    const visitor = await connectWs({ baseUrl: a.baseUrl, token: session.token });
    const agent = await connectWs({ baseUrl: b.baseUrl, token: TEST_ADMIN_KEY, conversationId: session.conversationId });
    await visitor.log.waitFor((f) => f.type === 'welcome');
    await agent.log.waitFor((f) => f.type === 'welcome');

    const isMessageText = (text: string) => (f: ServerFrame) => f.type === 'message' && f.message.text === text;
    const ROUNDS = 30;
    for (let i = 0; i < ROUNDS; i++) {
      const fromVisitor = `visitor ${i}`;
      const fromAgent = `agent ${i}`;
      expect(await visitor.send({ type: 'send', clientId: `visitor-${i}-abcdef`, text: fromVisitor })).toMatchObject({ type: 'ack' });
      await agent.log.waitFor(isMessageText(fromVisitor));
      expect(await agent.send({ type: 'send', clientId: `agent-${i}-abcdefgh`, text: fromAgent })).toMatchObject({ type: 'ack' });
      await visitor.log.waitFor(isMessageText(fromAgent));
    }

    await agent.send({ type: 'typing', active: true });
    const typing = await visitor.log.waitFor((f) => f.type === 'typing' && f.active && f.author.role === 'agent');
    expect(typing).toMatchObject({ author: { role: 'agent' } });
    // The bot answers in the background: the history is complete once its turns are done.
    await a.parley.services.botTurns.idle();
    const stored = await a.parley.services.engine.messagesAfter(session.conversationId, 0);
    const lastSeq = stored.at(-1)?.seq ?? 0;
    await visitor.log.waitFor((f) => f.type === 'message' && f.message.seq === lastSeq);
    await agent.log.waitFor((f) => f.type === 'message' && f.message.seq === lastSeq);
    await visitor.send({ type: 'read', seq: lastSeq });
    await agent.log.waitFor((f) => f.type === 'read' && f.seq === lastSeq);

    // Both sides hold the whole stored history exactly once, in seq order.
    const storedSeqs = stored.map((m) => m.seq);
    expect(storedSeqs).toEqual([...storedSeqs].sort((x, y) => x - y));
    expect(new Set(storedSeqs).size).toBe(storedSeqs.length);
    expect(stored.filter((m) => m.author.role === 'visitor' || m.author.role === 'agent')).toHaveLength(ROUNDS * 2);
    expect(visitor.log.seqs()).toEqual(storedSeqs);
    expect(agent.log.seqs()).toEqual(storedSeqs);
    await visitor.close();
    await agent.close();
  });

  it('answers with a bot edited on the other node at once, not after the bot cache expires', async () => {
    const [a, b] = nodes;
    if (a === undefined || b === undefined) throw new Error('nodes did not start');
    const call = async (node: { baseUrl: string }, method: string, path: string, body: unknown, auth = TEST_ADMIN_KEY) => {
      const response = await fetch(`${node.baseUrl}${path}`, {
        method,
        headers: { 'content-type': 'application/json', authorization: `Bearer ${auth}` },
        body: JSON.stringify(body),
      });
      expect(response.status, `${method} ${path}`).toBeLessThan(300);
      return (await response.json()) as Record<string, unknown> & { id: string };
    };
    const rules = (answer: string) => ({ rules: [{ patterns: ['price'], answer }] });
    const bot = await call(a, 'POST', '/v1/bots', { kind: 'builtin', name: 'Prices', config: rules('Ten euros') });
    const widget = await call(a, 'POST', '/v1/widgets', { name: 'Prices', botId: bot.id });
    const session = (await call(b, 'POST', `/v1/widgets/${widget.id}/sessions`, {})) as unknown as {
      token: string;
      conversationId: string;
    };
    /** Sends on node B and resolves with the bot's answer to it. */
    const ask = async (text: string): Promise<string | undefined> => {
      await call(b, 'POST', `/v1/conversations/${session.conversationId}/messages`, { text }, session.token);
      await b.parley.services.botTurns.idle();
      const messages = await b.parley.services.engine.messagesAfter(session.conversationId, 0);
      return messages.filter((m) => m.author.role === 'bot').at(-1)?.text;
    };
    expect(await ask('what is the price?')).toBe('Ten euros'); // node B now holds the bot in memory

    await call(a, 'PATCH', `/v1/bots/${bot.id}`, { config: rules('Twelve euros') });
    // The edit travels over Redis; it must arrive in moments (the cache's own expiry is 30 s).
    const deadline = Date.now() + 5_000;
    let answer = await ask('and the price now?');
    while (answer !== 'Twelve euros' && Date.now() < deadline) {
      await new Promise((resolve) => setTimeout(resolve, 100));
      answer = await ask('the price?');
    }
    expect(answer).toBe('Twelve euros');
  });
});
