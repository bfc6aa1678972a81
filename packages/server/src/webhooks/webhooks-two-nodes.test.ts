import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startScaledNodes, type ScaledNode } from '../realtime/testing/scaled-nodes.js';
import { TEST_ADMIN_KEY } from '../testing/test-server.js';
import { WebhookReceiver } from './testing/webhook-receiver.js';

async function call(
  node: ScaledNode,
  method: string,
  path: string,
  body?: unknown,
  token: string | null = TEST_ADMIN_KEY,
): Promise<{ status: number; json: Record<string, unknown> }> {
  const response = await fetch(`${node.baseUrl}${path}`, {
    method,
    headers: {
      ...(token === null ? {} : { authorization: `Bearer ${token}` }),
      ...(body === undefined ? {} : { 'content-type': 'application/json' }),
    },
    ...(body === undefined ? {} : { body: JSON.stringify(body) }),
  });
  const text = await response.text();
  return { status: response.status, json: text === '' ? {} : JSON.parse(text) };
}

describe('webhooks on two nodes sharing one PostgreSQL', () => {
  const nodes: ScaledNode[] = [];
  let stop = async (): Promise<void> => undefined;
  let receiver: WebhookReceiver;

  beforeAll(async () => {
    receiver = await WebhookReceiver.start();
    const started = await startScaledNodes('parley_webhooks', 2, { PARLEY_WEBHOOKS_ALLOW_PRIVATE: '1' });
    nodes.push(...started.nodes);
    stop = started.close;
  });

  afterAll(async () => {
    await stop();
    await receiver.close();
  });

  it('delivers every event exactly once while both nodes claim from the same outbox', async () => {
    const [a, b] = nodes;
    if (a === undefined || b === undefined) throw new Error('nodes did not start');
    const subscriptions: string[] = [];
    for (const path of ['/one', '/two', '/three']) {
      const created = await call(a, 'POST', '/v1/webhooks', {
        url: `${receiver.url}${path}`,
        events: ['conversation.rated'],
        maxInFlight: 5,
      });
      expect(created.status).toBe(201);
      subscriptions.push(String(created.json['id']));
    }
    // Each node queues half of the events, so each node's worker is nudged as well as polling.
    const queued: string[] = [];
    for (let i = 0; i < 20; i++) {
      for (const id of subscriptions) {
        const tested = await call(i % 2 === 0 ? a : b, 'POST', `/v1/webhooks/${id}/test`);
        expect(tested.status).toBe(202);
        queued.push(`${id} ${String(tested.json['eventId'])}`);
      }
    }
    await receiver.until((r) => r.received.length >= queued.length, 60_000);
    // Two more polls of both nodes: a double send would arrive by then.
    await new Promise((resolve) => setTimeout(resolve, 2500));
    const got = receiver.received.map((request) => `${String(request.json.data.subscriptionId)} ${String(request.headers['webhook-id'])}`);
    expect(got).toHaveLength(queued.length);
    expect(new Set(got)).toEqual(new Set(queued));
    for (const id of subscriptions) {
      const log = await call(b, 'GET', `/v1/webhooks/${id}/deliveries?status=delivered&take=100`);
      const items = log.json['items'];
      expect(Array.isArray(items) ? items.length : -1).toBe(20);
    }
  });

  it('delivers the events both nodes store (conversations, visitor and bot messages) exactly once, each conversation in order', async () => {
    const [a, b] = nodes;
    if (a === undefined || b === undefined) throw new Error('nodes did not start');
    const bot = await call(a, 'POST', '/v1/bots', {
      kind: 'builtin',
      name: 'FAQ',
      config: { rules: [{ patterns: ['price'], answer: 'It is free.' }], fallback: 'Noted.' },
    });
    const widget = await call(a, 'POST', '/v1/widgets', { name: 'Two nodes', botId: bot.json['id'] });
    const widgetId = String(widget.json['id']);
    const subscription = await call(a, 'POST', '/v1/webhooks', {
      url: `${receiver.url}/real`,
      events: ['conversation.created', 'message.created'],
      widgetId,
      maxInFlight: 5,
    });
    expect(subscription.status).toBe(201);
    const id = String(subscription.json['id']);
    // The subscription reaches the other node's in-memory view through the bus.
    const wanted = (node: ScaledNode) => node.parley.services.webhooks.outbox.wants('message.created', { widgetId, orderKey: '' });
    for (let i = 0; i < 200 && !wanted(b); i++) await new Promise((resolve) => setTimeout(resolve, 25));
    expect(wanted(b)).toBe(true);

    const conversations: string[] = [];
    for (let i = 0; i < 6; i++) {
      const node = i % 2 === 0 ? a : b;
      const session = await call(node, 'POST', `/v1/widgets/${widgetId}/sessions`, {}, null);
      const conversationId = String(session.json['conversationId']);
      conversations.push(conversationId);
      for (let m = 0; m < 3; m++) {
        const sent = await call(
          node,
          'POST',
          `/v1/conversations/${conversationId}/messages`,
          { text: `m${m}`, clientId: `client-${i}-${m}` },
          String(session.json['token']),
        );
        expect(sent.status).toBe(201);
      }
    }
    // Every delivery the outbox holds for the subscription is sent, then two more polls of both nodes.
    const deliveries = async () => {
      const log = await call(b, 'GET', `/v1/webhooks/${id}/deliveries?take=100`);
      return log.json['items'] as { eventId: string; status: string }[];
    };
    for (let i = 0; i < 600 && (await deliveries()).some((delivery) => delivery.status !== 'delivered'); i++) {
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
    await new Promise((resolve) => setTimeout(resolve, 2500));
    const stored = await deliveries();
    const real = receiver.received.filter((request) => request.json.data.conversation?.widgetId === widgetId);
    // Each conversation's creation and its 3 visitor messages at least (the bot answers too).
    expect(stored.length).toBeGreaterThanOrEqual(conversations.length * 4);
    expect(real.map((request) => String(request.headers['webhook-id'])).sort()).toEqual(stored.map((delivery) => delivery.eventId).sort());
    for (const conversationId of conversations) {
      const mine = real.filter((request) => request.json.data.conversation.id === conversationId);
      expect(mine[0]?.json.type).toBe('conversation.created');
      const seqs = mine.slice(1).map((request) => Number(request.json.data.message.seq));
      expect(seqs).toEqual([...seqs].sort((x, y) => x - y));
      expect(mine.filter((request) => request.json.data.message?.author.role === 'visitor')).toHaveLength(3);
    }
  });
});
