import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startScaledNodes, type ScaledNode } from '../realtime/testing/scaled-nodes.js';
import { TEST_ADMIN_KEY } from '../testing/test-server.js';
import { WebhookReceiver } from './testing/webhook-receiver.js';

async function call(
  node: ScaledNode,
  method: string,
  path: string,
  body?: unknown,
): Promise<{ status: number; json: Record<string, unknown> }> {
  const response = await fetch(`${node.baseUrl}${path}`, {
    method,
    headers: { authorization: `Bearer ${TEST_ADMIN_KEY}`, ...(body === undefined ? {} : { 'content-type': 'application/json' }) },
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
});
