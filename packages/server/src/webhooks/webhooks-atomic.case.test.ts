import { sql } from 'kysely';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { createAgent } from '../testing/agent-fixtures.js';
import { createBotAndWidget, openSession } from '../testing/fixtures.js';
import { describeEachDialect, startTestServer, type TestServer } from '../testing/test-server.js';
import { WebhookReceiver } from './testing/webhook-receiver.js';

const SHOP = 'https://shop.example.com';
const timings = { pollMs: 50, baseDelayMs: 20, maxDelayMs: 100, shutdownGraceMs: 500 };
const start = (dialect: 'sqlite' | 'postgres') =>
  startTestServer(dialect, { webhooks: { timings } }, { PARLEY_WEBHOOKS_ALLOW_PRIVATE: '1' });

let receiver: WebhookReceiver;
beforeAll(async () => {
  receiver = await WebhookReceiver.start();
});
afterAll(() => receiver.close());

/**
 * Runs `body` with a fault injected through the store: while it runs, every insert of an outbox row of
 * `eventType` fails (as a full disk or a lost connection would, between the event's write and its outbox
 * row). The fault is removed after, whatever `body` did.
 */
async function whileOutboxFails(server: TestServer, eventType: string, body: () => Promise<void>): Promise<void> {
  const heal = await failOutboxInserts(server, eventType);
  try {
    await body();
  } finally {
    await heal();
  }
}

/** Injects the fault; answers the function that removes it. */
async function failOutboxInserts(server: TestServer, eventType: string): Promise<() => Promise<void>> {
  const db = server.services.database.db;
  const name = `fail_outbox_${Math.random().toString(36).slice(2, 10)}`;
  if (server.dialect === 'sqlite') {
    await sql
      .raw(
        `create trigger ${name} before insert on webhook_deliveries when new.event_type = '${eventType}' ` +
          `begin select raise(abort, 'injected outbox failure'); end`,
      )
      .execute(db);
    return async () => void (await sql.raw(`drop trigger ${name}`).execute(db));
  }
  await sql
    .raw(
      `create function ${name}() returns trigger language plpgsql as $$ begin ` +
        `if new.event_type = '${eventType}' then raise exception 'injected outbox failure'; end if; return new; end $$`,
    )
    .execute(db);
  await sql.raw(`create trigger ${name} before insert on webhook_deliveries for each row execute function ${name}()`).execute(db);
  return async () => {
    await sql.raw(`drop trigger ${name} on webhook_deliveries`).execute(db);
    await sql.raw(`drop function ${name}()`).execute(db);
  };
}

describeEachDialect('webhook outbox rows in the transaction of their event', start, (server) => {
  it('an ownership change whose outbox row cannot be written is not stored either; once it can, both are', async () => {
    const { widgetId } = await createBotAndWidget(server(), { origin: [SHOP] });
    const agent = await createAgent(server(), { name: 'Ida' });
    const created = await server().request('POST', '/v1/webhooks', {
      body: { url: receiver.url, events: ['conversation.ownership_changed'], widgetId },
    });
    expect(created.status).toBe(201);
    const { conversationId } = await openSession(server(), widgetId, {}, { origin: SHOP });
    const db = server().services.database.db;
    const stored = async () => ({
      state: await db
        .selectFrom('conversation_states')
        .select(['owner', 'assignee_id'])
        .where('conversation_id', '=', conversationId)
        .executeTakeFirst(),
      conversation: await db
        .selectFrom('conversations')
        .select(['status', 'updated_at'])
        .where('id', '=', conversationId)
        .executeTakeFirstOrThrow(),
      activity: (await db.selectFrom('conversation_activity').select('kind').where('conversation_id', '=', conversationId).execute()).map(
        (row) => row.kind,
      ),
      outbox: (await db.selectFrom('webhook_deliveries').select('event_type').where('order_key', '=', conversationId).execute()).length,
    });
    const before = await stored();

    await whileOutboxFails(server(), 'conversation.ownership_changed', async () => {
      const assigned = await server().request('POST', `/v1/inbox/${conversationId}/assign`, {
        auth: agent.token,
        body: { agentId: agent.id },
      });
      expect(assigned.status).toBe(500);
      const resolved = await server().request('POST', `/v1/inbox/${conversationId}/resolve`, { auth: agent.token, body: {} });
      expect(resolved.status).toBe(500);
      // Neither the state, nor the conversation's status and activity time, nor the activity line.
      expect(await stored()).toEqual(before);
    });

    const assigned = await server().request('POST', `/v1/inbox/${conversationId}/assign`, {
      auth: agent.token,
      body: { agentId: agent.id },
    });
    expect(assigned.status).toBe(200);
    const resolved = await server().request('POST', `/v1/inbox/${conversationId}/resolve`, { auth: agent.token, body: {} });
    expect(resolved.status).toBe(200);
    const after = await stored();
    expect(after.state).toEqual({ owner: 'resolved', assignee_id: agent.id });
    expect(after.conversation.status).toBe('resolved');
    expect(after.activity).toEqual(['assigned', 'resolved']);
    const mine = () => receiver.received.filter((request) => request.json.data.conversation?.id === conversationId);
    await receiver.until(() => mine().length >= 2);
    expect(mine().map((request) => request.json.data.change)).toEqual(['assigned', 'resolved']);
  });

  it('a message whose message.created row cannot be written is not stored; the next one is, with its delivery', async () => {
    const { widgetId } = await createBotAndWidget(server(), { origin: [SHOP] });
    const created = await server().request('POST', '/v1/webhooks', { body: { url: receiver.url, events: ['message.created'], widgetId } });
    expect(created.status).toBe(201);
    const { conversationId, token } = await openSession(server(), widgetId, {}, { origin: SHOP });
    const say = (text: string) =>
      server().request('POST', `/v1/conversations/${conversationId}/messages`, {
        auth: token,
        headers: { origin: SHOP },
        body: { text, clientId: `c-${text}-0001` },
      });
    const texts = async () =>
      (await server().services.engine.messagesAfter(conversationId, 0)).filter((m) => m.author.role === 'visitor').map((m) => m.text);

    await whileOutboxFails(server(), 'message.created', async () => {
      expect((await say('lost')).status).toBe(500);
      expect(await texts()).toEqual([]);
    });
    expect((await say('kept')).status).toBe(201);
    expect(await texts()).toEqual(['kept']);
    await receiver.until((r) => r.received.some((request) => request.json.data.message?.text === 'kept'));
    expect(receiver.received.some((request) => request.json.data.message?.text === 'lost')).toBe(false);
  });

  it('the contact form, a contact edit and a rating whose outbox rows cannot be written store nothing', async () => {
    const { widgetId } = await createBotAndWidget(server(), { origin: [SHOP] });
    const created = await server().request('POST', '/v1/webhooks', {
      body: {
        url: receiver.url,
        events: ['conversation.email_left', 'contact.created', 'contact.updated', 'conversation.rated'],
        widgetId,
      },
    });
    expect(created.status).toBe(201);
    const { conversationId, token } = await openSession(server(), widgetId, {}, { origin: SHOP });
    const visitor = { auth: token, headers: { origin: SHOP } };
    const db = server().services.database.db;
    const contactOf = async () =>
      (await db.selectFrom('conversations').select('contact_id').where('id', '=', conversationId).executeTakeFirstOrThrow()).contact_id;
    const contacts = async () => (await db.selectFrom('contacts').select('id').where('widget_id', '=', widgetId).execute()).length;

    for (const type of ['conversation.email_left', 'contact.created']) {
      await whileOutboxFails(server(), type, async () => {
        const left = await server().request('POST', `/v1/conversations/${conversationId}/contact`, {
          ...visitor,
          body: { email: 'ana@example.com' },
        });
        expect(left.status).toBe(500);
        expect(await contactOf()).toBeNull();
        expect(await contacts()).toBe(0);
      });
    }
    const left = await server().request('POST', `/v1/conversations/${conversationId}/contact`, {
      ...visitor,
      body: { email: 'ana@example.com' },
    });
    expect(left.status).toBe(200);
    const contactId = left.json.contact.id;

    await whileOutboxFails(server(), 'contact.updated', async () => {
      expect((await server().request('PATCH', `/v1/contacts/${contactId}`, { body: { name: 'Ana Lima' } })).status).toBe(500);
      expect((await server().request('GET', `/v1/contacts/${contactId}`)).json.name).toBeNull();
    });

    const ratings = async () =>
      (await server().services.engine.messagesAfter(conversationId, 0)).filter((message) => message.payload?.['event'] === 'rating');
    await whileOutboxFails(server(), 'conversation.rated', async () => {
      expect(
        (await server().request('POST', `/v1/conversations/${conversationId}/rating`, { ...visitor, body: { score: 2 } })).status,
      ).toBe(500);
      expect(await ratings()).toEqual([]);
    });
    expect((await server().request('POST', `/v1/conversations/${conversationId}/rating`, { ...visitor, body: { score: 4 } })).status).toBe(
      201,
    );
    expect((await ratings()).map((message) => message.payload?.['score'])).toEqual([4]);
  });

  it('a conversation of the n8n chat endpoint whose conversation.created row cannot be written is not created', async () => {
    const { widgetId } = await createBotAndWidget(server(), { origin: [SHOP] });
    const created = await server().request('POST', '/v1/webhooks', {
      body: { url: receiver.url, events: ['conversation.created'], widgetId },
    });
    expect(created.status).toBe(201);
    const sessionId = `atomic-${Math.random().toString(36).slice(2, 10)}`;
    const send = () =>
      server().request('POST', `/v1/widgets/${widgetId}/n8n`, {
        auth: 'none',
        body: { action: 'sendMessage', sessionId, chatInput: 'price?' },
        headers: { origin: SHOP },
      });
    const conversations = () =>
      server().services.database.db.selectFrom('conversations').select('id').where('widget_id', '=', widgetId).execute();

    await whileOutboxFails(server(), 'conversation.created', async () => {
      expect((await send()).status).toBe(500);
      expect(await conversations()).toEqual([]);
    });
    expect((await send()).status).toBe(200);
    const [conversation] = await conversations();
    await receiver.until((r) =>
      r.received.some((request) => request.json.type === 'conversation.created' && request.json.data.conversation.id === conversation?.id),
    );
  });
});
