import type { WebhookEnvelope } from '@parley/protocol';
import { afterAll, beforeAll, expect, it, vi } from 'vitest';
import { SqliteMessageWriter } from '../store/message-writer.js';
import { createBotAndWidget, openSession } from '../testing/fixtures.js';
import { startTestServer, type TestServer } from '../testing/test-server.js';

let server: TestServer;
beforeAll(async () => {
  // The worker never runs here: the test reads the outbox rows the messages wrote.
  server = await startTestServer('sqlite', { webhooks: { timings: { pollMs: 3_600_000 } } }, { PARLEY_WEBHOOKS_ALLOW_PRIVATE: '1' });
  await server.services.webhooks.close();
});
afterAll(() => server.close());

it('with a message.created subscription, SQLite still stores a burst of messages in one group commit, their deliveries in it', async () => {
  const { widgetId } = await createBotAndWidget(server);
  const created = await server.request('POST', '/v1/webhooks', {
    body: { url: 'http://127.0.0.1:9/hooks', events: ['message.created', 'conversation.rated'], widgetId },
  });
  expect(created.status).toBe(201);
  const { conversationId } = await openSession(server, widgetId);
  const engine = server.services.engine;
  const flushes = vi.spyOn(SqliteMessageWriter.prototype as unknown as { flush(): Promise<void> }, 'flush');
  try {
    const author = { role: 'visitor' as const, id: 'v', name: 'Visitor' };
    const texts = Array.from({ length: 20 }, (_, i) => `burst ${i}`);
    // Appended in one turn of the event loop: one batch of the writer.
    const appended = await Promise.all([
      ...texts.map((text) => engine.append({ conversationId, author, type: 'text', text })),
      engine.append({ conversationId, author, type: 'event', text: 'rated', payload: { event: 'rating', score: 5, comment: null } }),
    ]);
    expect(flushes).toHaveBeenCalledTimes(1);

    const rows = await server.services.database.db
      .selectFrom('webhook_deliveries')
      .select(['event_type', 'payload'])
      .where('order_key', '=', conversationId)
      .orderBy('id')
      .execute();
    const bodies = rows.map((row) => ({ type: row.event_type, body: JSON.parse(row.payload) as WebhookEnvelope }));
    const ids = new Set(appended.map((result) => result.message.id));
    const messages = bodies
      .filter((row) => row.type === 'message.created')
      .map((row) => row.body.data)
      .filter((data) => 'message' in data && ids.has(data.message.id));
    // One delivery per message, each carrying the message as stored (its seq assigned in the batch).
    expect(messages).toHaveLength(appended.length);
    expect(messages.map((data) => ('message' in data ? data.message.seq : -1)).sort((a, b) => a - b)).toEqual(
      appended.map((result) => result.message.seq).sort((a, b) => a - b),
    );
    expect(messages[0]).toMatchObject({ conversation: { id: conversationId, widgetId } });
    const rated = bodies.filter((row) => row.type === 'conversation.rated').map((row) => row.body.data);
    expect(rated).toEqual([
      { conversation: { id: conversationId, widgetId }, score: 5, comment: null, messageId: appended[20]?.message.id },
    ]);
  } finally {
    flushes.mockRestore();
  }
});
