import { afterAll, beforeAll, expect, it } from 'vitest';
import { createAgent } from '../testing/agent-fixtures.js';
import { createBotAndWidget, openSession } from '../testing/fixtures.js';
import { describeEachDialect, startTestServer, type TestServer } from '../testing/test-server.js';
import { WebhookReceiver } from './testing/webhook-receiver.js';

const SHOP = 'https://shop.example.com';
/** Quick retries so a test sees several attempts; the circuit stays closed for the five failures of the retry test. */
const timings = { pollMs: 50, baseDelayMs: 20, maxDelayMs: 100, circuitThreshold: 8, circuitOpenMs: 100, shutdownGraceMs: 500 };
const start = (dialect: 'sqlite' | 'postgres') =>
  startTestServer(dialect, { webhooks: { timings } }, { PARLEY_WEBHOOKS_ALLOW_PRIVATE: '1' });

let receiver: WebhookReceiver;
beforeAll(async () => {
  receiver = await WebhookReceiver.start();
});
afterAll(() => receiver.close());

async function subscribe(server: TestServer, body: Record<string, unknown>): Promise<{ id: string; secret: string }> {
  const created = await server.request('POST', '/v1/webhooks', { body: { url: receiver.url, ...body } });
  if (created.status !== 201) throw new Error(`subscription failed: ${created.body}`);
  return created.json;
}

async function visitorSays(server: TestServer, widgetId: string, texts: readonly string[]): Promise<string> {
  const session = await openSession(server, widgetId, {}, { origin: SHOP });
  for (const [i, text] of texts.entries()) {
    const sent = await server.request('POST', `/v1/conversations/${session.conversationId}/messages`, {
      auth: session.token,
      headers: { origin: SHOP },
      body: { text, clientId: `c-${i}-${Math.random().toString(36).slice(2, 10)}` },
    });
    if (sent.status !== 201) throw new Error(`send failed: ${sent.body}`);
  }
  return session.conversationId;
}

/** The delivery once its last attempt is recorded (the receiver answers before the worker writes the log). */
async function settled(server: TestServer, id: string, deliveryId: string) {
  for (;;) {
    const detail = await server.request('GET', `/v1/webhooks/${id}/deliveries/${deliveryId}`);
    if (detail.json.status !== 'pending') return detail;
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}

const forSubscription = (id: string) => (request: { json: { data: { subscriptionId?: string } }; headers: Record<string, unknown> }) =>
  request.json.data.subscriptionId === id;

describeEachDialect('outbound webhooks', start, (server) => {
  it('creates, lists, reads, changes and deletes a subscription; the secret is shown at creation only', async () => {
    const created = await server().request('POST', '/v1/webhooks', {
      body: { url: receiver.url, events: ['message.created'], description: 'CRM' },
    });
    expect(created.status).toBe(201);
    expect(created.json).toMatchObject({
      object: 'webhook',
      url: receiver.url,
      events: ['message.created'],
      enabled: true,
      maxInFlight: 1,
    });
    expect(created.json.secret).toMatch(/^whsec_[A-Za-z0-9+/]{43}=$/);
    expect(created.json.secretPrefix).toBe(`${String(created.json.secret).slice(0, 12)}…`);
    const id: string = created.json.id;

    const read = await server().request('GET', `/v1/webhooks/${id}`);
    expect(read.json).toMatchObject({ id, description: 'CRM' });
    expect(read.json.secret).toBeUndefined();
    expect((await server().request('GET', '/v1/webhooks')).json.items.map((item: { id: string }) => item.id)).toContain(id);

    const changed = await server().request('PATCH', `/v1/webhooks/${id}`, { body: { enabled: false, events: ['conversation.rated'] } });
    expect(changed.json).toMatchObject({ enabled: false, events: ['conversation.rated'] });
    const unknown = await server().request('PATCH', `/v1/webhooks/${id}`, { body: { secret: 'whsec_mine' } });
    expect(unknown.json.error).toMatchObject({ code: 'PARLEY_ERR_REQUEST_UNKNOWN_FIELD', field: 'secret' });

    expect((await server().request('DELETE', `/v1/webhooks/${id}`)).status).toBe(204);
    const gone = await server().request('GET', `/v1/webhooks/${id}`);
    expect(gone.status).toBe(404);
    expect(gone.json.error.code).toBe('PARLEY_ERR_WEBHOOK_NOT_FOUND');
  });

  it('never answers a signing secret again after its creation or rotation, on any route', async () => {
    const { id, secret: first } = await subscribe(server(), { events: ['conversation.rated'] });
    const rotated = await server().request('POST', `/v1/webhooks/${id}/rotate-secret`, { body: { overlapSeconds: 3600 } });
    const second: string = rotated.json.secret;
    expect(second).toMatch(/^whsec_/);
    const tested = await server().request('POST', `/v1/webhooks/${id}/test`);
    await receiver.until((r) => r.received.some(forSubscription(id)));
    await settled(server(), id, tested.json.id);
    const answers = [
      await server().request('GET', '/v1/webhooks'),
      await server().request('GET', `/v1/webhooks/${id}`),
      await server().request('PATCH', `/v1/webhooks/${id}`, { body: { description: 'after rotation' } }),
      tested,
      await server().request('GET', `/v1/webhooks/${id}/deliveries`),
      await server().request('GET', `/v1/webhooks/${id}/deliveries/${tested.json.id}`),
      await server().request('POST', `/v1/webhooks/${id}/deliveries/${tested.json.id}/replay`),
      await server().request('GET', '/v1/audit'),
    ];
    for (const answer of answers) {
      expect(answer.status).toBeLessThan(300);
      // Neither secret, nor any part of them past the prefix the reads show.
      for (const secret of [first, second]) expect(answer.body).not.toContain(secret.slice(6, 30));
      expect(answer.body).not.toMatch(/"(secret|previousSecret)"/);
    }
    // The prefix is what identifies the secret in reads: the current one's, during the overlap too.
    expect(answers[1]?.json).toMatchObject({ secretPrefix: `${second.slice(0, 12)}…` });
    await server().request('DELETE', `/v1/webhooks/${id}`);
  });

  it('refuses unknown event types, an unknown widget and requests without the admin key', async () => {
    const badEvent = await server().request('POST', '/v1/webhooks', { body: { url: receiver.url, events: ['message.deleted'] } });
    expect(badEvent.status).toBe(400);
    expect(badEvent.json.error).toMatchObject({ code: 'PARLEY_ERR_REQUEST_VALIDATION', field: 'events.0' });
    const badWidget = await server().request('POST', '/v1/webhooks', {
      body: { url: receiver.url, events: ['message.created'], widgetId: 'wgt_01JAAAAAAAAAAAAAAAAAAAAAAA' },
    });
    expect(badWidget.json.error).toMatchObject({ code: 'PARLEY_ERR_REQUEST_UNKNOWN_REFERENCE', field: 'widgetId' });
    expect((await server().request('GET', '/v1/webhooks', { auth: 'none' })).status).toBe(401);
  });

  it('delivers message.created signed the Standard Webhooks way, verified by the standardwebhooks package', async () => {
    const { widgetId } = await createBotAndWidget(server(), { origin: [SHOP] });
    const { id, secret } = await subscribe(server(), { events: ['message.created'], widgetId });
    const before = receiver.received.length;
    const conversationId = await visitorSays(server(), widgetId, ['hello there']);
    const mine = () => receiver.received.slice(before).filter((request) => request.json.data.conversation?.id === conversationId);
    // The visitor's message and the bot's answer.
    await receiver.until(() => mine().length >= 2);
    const visitor = mine().find((request) => request.json.data.message.author.role === 'visitor');
    expect(visitor?.json).toMatchObject({
      type: 'message.created',
      version: 1,
      data: {
        conversation: { id: conversationId, widgetId },
        message: { conversationId, text: 'hello there', type: 'text', author: { role: 'visitor' } },
      },
    });
    expect(visitor?.headers['webhook-id']).toMatch(/^evt_/);
    expect(visitor?.headers['user-agent']).toMatch(/^Parley-Webhooks\//);
    for (const request of mine()) expect(WebhookReceiver.verifies(request, secret)).toBe(true);
    expect(WebhookReceiver.verifies(mine()[0] ?? visitor!, 'whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw')).toBe(false);
    await server().request('DELETE', `/v1/webhooks/${id}`);
  });

  it('retries a failing endpoint and delivers the event once, after the events queued before it and before those queued after it', async () => {
    const { widgetId } = await createBotAndWidget(server(), { origin: [SHOP] });
    const { id } = await subscribe(server(), { events: ['message.created'], widgetId });
    const mine = (request: { json: { data: { conversation?: { widgetId: string } } } }) =>
      request.json.data.conversation?.widgetId === widgetId;
    let failures = 0;
    receiver.answer = ({ body }) => (body.includes(widgetId) && body.includes('"text":"first"') && failures++ < 5 ? 500 : 200);
    try {
      const conversationId = await visitorSays(server(), widgetId, ['zero', 'first', 'second', 'third']);
      await receiver.until((r) => r.accepted.filter(mine).filter((q) => q.json.data.message.author.role === 'visitor').length >= 4);
      const accepted = receiver.accepted.filter(mine).filter((request) => request.json.data.message.author.role === 'visitor');
      // Once each, in the order they were stored: the failing one after the one before it, the later ones after it.
      expect(accepted.map((request) => request.json.data.message.text)).toEqual(['zero', 'first', 'second', 'third']);
      expect(receiver.received.filter(mine).filter((request) => request.status === 500)).toHaveLength(5);
      // Every attempt of the first event carried the same webhook-id.
      const first = receiver.received.filter(mine).filter((request) => request.json.data.message.text === 'first');
      expect(new Set(first.map((request) => request.headers['webhook-id'])).size).toBe(1);
      expect(first.map((request) => request.status)).toEqual([500, 500, 500, 500, 500, 200]);

      const log = await server().request('GET', `/v1/webhooks/${id}/deliveries?status=delivered`);
      const firstDelivery = log.json.items.find((item: { eventId: string }) => item.eventId === first[0]?.headers['webhook-id']);
      expect(firstDelivery).toMatchObject({ status: 'delivered', attempts: 6, lastStatus: 200, eventType: 'message.created' });
      const detail = await settled(server(), id, firstDelivery.id);
      expect(detail.json.payload.data.message).toMatchObject({ conversationId, text: 'first' });
      expect(detail.json.attemptLog.map((attempt: { statusCode: number }) => attempt.statusCode)).toEqual([500, 500, 500, 500, 500, 200]);
      expect(detail.json.attemptLog[0].responseBody).toBe('failing with 500');
      expect(detail.json.attemptLog[5].responseBody).toBe('ok thanks');
    } finally {
      receiver.answer = () => 200;
      await server().request('DELETE', `/v1/webhooks/${id}`);
    }
  });

  it('sends conversation.created, message.created, ownership changes, the email left and the rating of one conversation, in order', async () => {
    const { widgetId } = await createBotAndWidget(server(), { origin: [SHOP] });
    const agent = await createAgent(server(), { name: 'Sam' });
    const { id, secret } = await subscribe(server(), {
      events: [
        'conversation.created',
        'message.created',
        'conversation.ownership_changed',
        'conversation.rated',
        'conversation.email_left',
      ],
      widgetId,
      includeNotes: true,
    });
    const { conversationId, token } = await openSession(server(), widgetId, {}, { origin: SHOP });
    const visitor = { auth: token, headers: { origin: SHOP } };
    await server().request('POST', `/v1/conversations/${conversationId}/messages`, {
      ...visitor,
      body: { text: 'hi', clientId: 'c-hi-0001' },
    });
    await server().request('POST', `/v1/inbox/${conversationId}/assign`, { auth: agent.token, body: { agentId: agent.id } });
    await server().request('POST', `/v1/inbox/${conversationId}/notes`, { auth: agent.token, body: { text: 'VIP customer' } });
    await server().request('POST', `/v1/inbox/${conversationId}/resolve`, { auth: agent.token, body: {} });
    expect(
      (await server().request('POST', `/v1/conversations/${conversationId}/contact`, { ...visitor, body: { email: 'Ana@Example.com' } }))
        .status,
    ).toBe(200);
    expect(
      (await server().request('POST', `/v1/conversations/${conversationId}/rating`, { ...visitor, body: { score: 4, comment: 'quick' } }))
        .status,
    ).toBe(201);

    const mine = () => receiver.accepted.filter((request) => request.json.data.conversation?.id === conversationId);
    await receiver.until(() => mine().some((request) => request.json.type === 'conversation.rated'));
    const types = mine().map(
      (request) => `${request.json.type}${request.json.data.change === undefined ? '' : `:${request.json.data.change}`}`,
    );
    expect(types[0]).toBe('conversation.created');
    expect(types).toContain('conversation.ownership_changed:assigned');
    expect(types).toContain('conversation.ownership_changed:resolved');
    expect(types.indexOf('conversation.ownership_changed:assigned')).toBeLessThan(types.indexOf('conversation.ownership_changed:resolved'));
    expect(types.indexOf('conversation.email_left')).toBeLessThan(types.indexOf('conversation.rated'));
    const seqs = mine()
      .filter((request) => request.json.type === 'message.created')
      .map((request) => request.json.data.message.seq);
    expect(seqs).toEqual([...seqs].sort((x, y) => x - y));
    const byType = (type: string) => mine().find((request) => request.json.type === type)?.json.data;
    expect(byType('conversation.created')).toMatchObject({ conversation: { id: conversationId, widgetId, identityUserId: null } });
    expect(mine().find((request) => request.json.data.change === 'assigned')?.json.data).toMatchObject({
      owner: 'human',
      assignee: { id: agent.id, name: 'Sam' },
      actor: { id: agent.id, name: 'Sam' },
    });
    expect(byType('conversation.email_left')).toMatchObject({ contact: { email: 'ana@example.com' } });
    expect(byType('conversation.rated')).toMatchObject({ score: 4, comment: 'quick' });
    expect(mine().some((request) => request.json.data.message?.type === 'note')).toBe(true);
    for (const request of mine()) expect(WebhookReceiver.verifies(request, secret)).toBe(true);

    // Without includeNotes the next note is not sent.
    await server().request('PATCH', `/v1/webhooks/${id}`, { body: { includeNotes: false } });
    await server().request('POST', `/v1/inbox/${conversationId}/notes`, { auth: agent.token, body: { text: 'second note' } });
    await server().request('POST', `/v1/inbox/${conversationId}/messages`, { auth: agent.token, body: { text: 'after the note' } });
    await receiver.until(() => mine().some((request) => request.json.data.message?.text === 'after the note'));
    expect(mine().some((request) => request.json.data.message?.text === 'second note')).toBe(false);
    await server().request('DELETE', `/v1/webhooks/${id}`);
  });

  it('sends a test event, logs its attempt and replays it with the same webhook-id', async () => {
    const { id } = await subscribe(server(), { events: ['conversation.rated'] });
    const tested = await server().request('POST', `/v1/webhooks/${id}/test`);
    expect(tested.status).toBe(202);
    expect(tested.json).toMatchObject({ eventType: 'webhook.test', status: 'pending', subscriptionId: id });
    await receiver.until((r) => r.received.some(forSubscription(id)));
    const detail = await settled(server(), id, tested.json.id);
    const delivered = await server().request('GET', `/v1/webhooks/${id}/deliveries?eventType=webhook.test&status=delivered`);
    expect(delivered.json.items).toHaveLength(1);
    expect(detail.json).toMatchObject({
      status: 'delivered',
      attempts: 1,
      payload: { type: 'webhook.test', data: { subscriptionId: id } },
    });
    expect(detail.json.attemptLog[0]).toMatchObject({ attempt: 1, statusCode: 200, error: null, responseBody: 'ok thanks' });

    const replayed = await server().request('POST', `/v1/webhooks/${id}/deliveries/${tested.json.id}/replay`);
    expect(replayed.status).toBe(202);
    expect(replayed.json).toMatchObject({ replayOf: tested.json.id, eventId: tested.json.eventId, status: 'pending' });
    await receiver.until((r) => r.received.filter(forSubscription(id)).length >= 2);
    const both = receiver.received.filter(forSubscription(id));
    expect(both[1]?.headers['webhook-id']).toBe(both[0]?.headers['webhook-id']);
    expect(both[1]?.body).toBe(both[0]?.body);

    const all = await server().request('GET', `/v1/webhooks/${id}/deliveries?take=1`);
    expect(all.json.items).toHaveLength(1);
    expect(all.json.items[0].id).toBe(replayed.json.id);
    const next = await server().request('GET', `/v1/webhooks/${id}/deliveries?take=1&cursor=${all.json.nextCursor}`);
    expect(next.json.items[0].id).toBe(tested.json.id);
    const missing = await server().request('GET', `/v1/webhooks/${id}/deliveries/whd_01JAAAAAAAAAAAAAAAAAAAAAAA`);
    expect(missing.json.error.code).toBe('PARLEY_ERR_WEBHOOK_DELIVERY_NOT_FOUND');
    await server().request('DELETE', `/v1/webhooks/${id}`);
  });

  it('signs with the old and the new secret while a rotation overlaps, then with the new one only', async () => {
    const { id, secret: old } = await subscribe(server(), { events: ['conversation.rated'] });
    const rotated = await server().request('POST', `/v1/webhooks/${id}/rotate-secret`, { body: { overlapSeconds: 3600 } });
    expect(rotated.status).toBe(200);
    const fresh: string = rotated.json.secret;
    expect(fresh).not.toBe(old);
    expect(rotated.json.previousSecretExpiresAt).not.toBeNull();
    await server().request('POST', `/v1/webhooks/${id}/test`);
    await receiver.until((r) => r.received.filter(forSubscription(id)).length >= 1);
    const during = receiver.received.filter(forSubscription(id))[0];
    if (during === undefined) throw new Error('no delivery');
    expect(String(during.headers['webhook-signature']).split(' ')).toHaveLength(2);
    expect(WebhookReceiver.verifies(during, old)).toBe(true);
    expect(WebhookReceiver.verifies(during, fresh)).toBe(true);

    const ended = await server().request('POST', `/v1/webhooks/${id}/rotate-secret`, { body: { overlapSeconds: 0 } });
    await server().request('POST', `/v1/webhooks/${id}/test`);
    await receiver.until((r) => r.received.filter(forSubscription(id)).length >= 2);
    const after = receiver.received.filter(forSubscription(id))[1];
    if (after === undefined) throw new Error('no delivery');
    expect(WebhookReceiver.verifies(after, ended.json.secret)).toBe(true);
    expect(WebhookReceiver.verifies(after, fresh)).toBe(false);
    await server().request('DELETE', `/v1/webhooks/${id}`);
  });

  it('disables a subscription whose endpoint answers 410 Gone', async () => {
    const { id } = await subscribe(server(), { events: ['conversation.rated'] });
    receiver.answer = ({ body }) => (body.includes(id) ? 410 : 200);
    try {
      await server().request('POST', `/v1/webhooks/${id}/test`);
      await receiver.until((r) => r.received.some(forSubscription(id)));
      let read = await server().request('GET', `/v1/webhooks/${id}`);
      for (let i = 0; i < 100 && read.json.enabled === true; i++) {
        await new Promise((resolve) => setTimeout(resolve, 20));
        read = await server().request('GET', `/v1/webhooks/${id}`);
      }
      expect(read.json).toMatchObject({ enabled: false, disabledReason: 'gone' });
    } finally {
      receiver.answer = () => 200;
      await server().request('DELETE', `/v1/webhooks/${id}`);
    }
  });
  it('sends contact.created, contact.updated and contact.merged from sessions, the contact form, edits, merges and imports, in order per contact', async () => {
    const { widgetId } = await createBotAndWidget(server(), { origin: [SHOP] });
    const { secret } = await subscribe(server(), { events: ['contact.created', 'contact.updated', 'contact.merged'], widgetId });
    const visitor = async (body: Record<string, unknown>) => {
      const { conversationId, token } = await openSession(server(), widgetId, body, { origin: SHOP });
      return { conversationId, auth: token, headers: { origin: SHOP } };
    };
    const contactForm = async (session: { conversationId: string; auth: string }, email: string) => {
      const sent = await server().request('POST', `/v1/conversations/${session.conversationId}/contact`, {
        ...session,
        headers: { origin: SHOP },
        body: { email },
      });
      expect(sent.status).toBe(200);
    };
    const mine = () => receiver.accepted.filter((request) => request.json.data.contact?.widgetId === widgetId);
    const events = (contactId: string) =>
      mine()
        .filter((request) => request.json.data.contact.id === contactId)
        .map((request) => request.json.type);

    // A session with the visitor's details creates a contact; the contact form on it updates that contact.
    const ana = await visitor({ contact: { name: 'Ana', email: 'Ana@Example.com' }, meta: { pageUrl: `${SHOP}/pricing` } });
    await receiver.until(() => mine().length === 1);
    const created = mine()[0];
    expect(created?.json).toMatchObject({
      type: 'contact.created',
      version: 1,
      data: { contact: { name: 'Ana', email: 'ana@example.com' } },
    });
    const anaId: string = created?.json.data.contact.id;
    expect(created?.json.data.contact.lastSeenAt).not.toBeNull();
    await contactForm(ana, 'ana.lima@example.com');
    // A session without details has no contact: the contact form makes one.
    const bo = await visitor({});
    await contactForm(bo, 'bo@example.com');
    await receiver.until(() => mine().length === 3);
    const boId: string = mine().find((request) => request.json.data.contact.email === 'bo@example.com')?.json.data.contact.id;
    expect(events(boId)).toEqual(['contact.created']);

    // An edit through the API, a merge, an import row that updates and one that creates.
    const patched = await server().request('PATCH', `/v1/contacts/${anaId}`, { body: { name: 'Ana Lima', attributes: { plan: 'pro' } } });
    expect(patched.status).toBe(200);
    const merged = await server().request('POST', `/v1/contacts/${anaId}/merge`, { body: { from: boId } });
    expect(merged.json.conversations).toBe(1);
    const imported = await server().request('POST', `/v1/contacts/import?widgetId=${widgetId}`, {
      rawBody: 'email,name,phone\nana.lima@example.com,,+351912345678\ncy@example.com,Cy,\n',
      headers: { 'content-type': 'text/csv' },
    });
    expect(imported.json).toMatchObject({ created: 1, updated: 1, failed: 0 });
    // A change refused inside its transaction (50 new attributes beside "plan": 51) rolls back, its event with it.
    const tooMany = Object.fromEntries(Array.from({ length: 50 }, (_, i) => [`k${i}`, i]));
    const refused = await server().request('PATCH', `/v1/contacts/${anaId}`, { body: { attributes: tooMany } });
    expect(refused.json.error?.code).toBe('PARLEY_ERR_CONTACT_ATTRIBUTES_LIMIT');
    await receiver.until(() => mine().length === 7);

    expect(events(anaId)).toEqual(['contact.created', 'contact.updated', 'contact.updated', 'contact.merged', 'contact.updated']);
    const ofAna = mine().filter((request) => request.json.data.contact.id === anaId);
    expect(ofAna[1]?.json.data.contact.email).toBe('ana.lima@example.com');
    expect(ofAna[2]?.json.data.contact).toMatchObject({ name: 'Ana Lima', attributes: { plan: 'pro' } });
    expect(ofAna[3]?.json.data).toMatchObject({ mergedContactId: boId, conversations: 1, contact: { id: anaId, name: 'Ana Lima' } });
    expect(ofAna[4]?.json.data.contact).toMatchObject({ phone: '+351912345678', email: 'ana.lima@example.com' });
    expect(
      mine()
        .filter((request) => request.json.data.contact.email === 'cy@example.com')
        .map((request) => request.json.type),
    ).toEqual(['contact.created']);
    for (const request of mine()) expect(WebhookReceiver.verifies(request, secret)).toBe(true);
  });
});

it('refuses a private or loopback URL unless PARLEY_WEBHOOKS_ALLOW_PRIVATE is set', async () => {
  const strict = await startTestServer('sqlite');
  try {
    for (const url of [
      'http://127.0.0.1:8080/hook',
      'http://10.1.2.3/hook',
      'http://[::1]/hook',
      'http://localhost:3000/hook',
      'http://169.254.169.254/',
    ]) {
      const refused = await strict.request('POST', '/v1/webhooks', { body: { url, events: ['message.created'] } });
      expect(refused.status, url).toBe(400);
      expect(refused.json.error, url).toMatchObject({ code: 'PARLEY_ERR_WEBHOOK_URL_REFUSED', field: 'url' });
    }
    const accepted = await strict.request('POST', '/v1/webhooks', {
      body: { url: 'https://93.184.215.14/hook', events: ['message.created'] },
    });
    expect(accepted.status).toBe(201);
  } finally {
    await strict.close();
  }
});

/** A breaker that opens after 3 failures in a row and stays open long past the test; a delivery is given up 50 ms after its event. */
const strict = { pollMs: 30, baseDelayMs: 10, maxDelayMs: 40, circuitThreshold: 3, circuitOpenMs: 600_000, retryWindowMs: 50 };
describeEachDialect(
  'outbound webhooks give up',
  (dialect) => startTestServer(dialect, { webhooks: { timings: strict } }, { PARLEY_WEBHOOKS_ALLOW_PRIVATE: '1' }),
  (server) => {
    it('opens the circuit of an endpoint that keeps failing: no attempt while it is open', async () => {
      const { id } = await subscribe(server(), { events: ['conversation.rated'] });
      receiver.answer = ({ body }) => (body.includes(id) ? 503 : 200);
      try {
        // Three events, so three failures in a row happen whatever each one's retry window allows.
        for (let i = 0; i < 3; i++) await server().request('POST', `/v1/webhooks/${id}/test`);
        let read = await server().request('GET', `/v1/webhooks/${id}`);
        while (read.json.circuitOpenUntil === null) {
          await new Promise((resolve) => setTimeout(resolve, 20));
          read = await server().request('GET', `/v1/webhooks/${id}`);
        }
        expect(read.json.consecutiveFailures).toBe(3);
        expect(Date.parse(read.json.circuitOpenUntil) - Date.now()).toBeGreaterThan(500_000);
        expect(receiver.received.filter(forSubscription(id)).map((request) => request.status)).toEqual([503, 503, 503]);
        // Enabling it again by hand closes the circuit.
        await server().request('PATCH', `/v1/webhooks/${id}`, { body: { enabled: false } });
        const enabled = await server().request('PATCH', `/v1/webhooks/${id}`, { body: { enabled: true } });
        expect(enabled.json).toMatchObject({ consecutiveFailures: 0, circuitOpenUntil: null });
      } finally {
        receiver.answer = () => 200;
        await server().request('DELETE', `/v1/webhooks/${id}`);
      }
    });

    it('marks a delivery failed once its retry window is over and sends the next one', async () => {
      const { id } = await subscribe(server(), { events: ['conversation.rated'] });
      let failing = true;
      receiver.answer = ({ body }) => (body.includes(id) && failing ? 500 : 200);
      try {
        const first = await server().request('POST', `/v1/webhooks/${id}/test`);
        const second = await server().request('POST', `/v1/webhooks/${id}/test`);
        const given = await settled(server(), id, first.json.id);
        expect(given.json).toMatchObject({ status: 'failed', nextAttemptAt: null, lastStatus: 500 });
        failing = false;
        expect((await settled(server(), id, second.json.id)).json.status).toBe('delivered');
        const failed = await server().request('GET', `/v1/webhooks/${id}/deliveries?status=failed`);
        expect(failed.json.items.map((item: { id: string }) => item.id)).toEqual([first.json.id]);
      } finally {
        receiver.answer = () => 200;
        await server().request('DELETE', `/v1/webhooks/${id}`);
      }
    });
  },
);

it('on shutdown, aborts a delivery still waiting for its endpoint after the grace period and leaves it pending for the next start', async () => {
  const node = await startTestServer(
    'sqlite',
    { webhooks: { timings: { pollMs: 30, shutdownGraceMs: 100 } } },
    { PARLEY_WEBHOOKS_ALLOW_PRIVATE: '1' },
  );
  try {
    const { id } = await subscribe(node, { events: ['conversation.rated'] });
    receiver.hold = (body) => body.includes(id);
    const tested = await node.request('POST', `/v1/webhooks/${id}/test`);
    await receiver.until((r) => r.held.some((body) => body.includes(id)));
    await node.services.webhooks.close();
    const detail = await node.request('GET', `/v1/webhooks/${id}/deliveries/${tested.json.id}`);
    expect(detail.json).toMatchObject({ status: 'pending', attempts: 0, attemptLog: [] });
    const lease = await node.services.database.db
      .selectFrom('webhook_deliveries')
      .select('locked_until')
      .where('id', '=', tested.json.id)
      .executeTakeFirstOrThrow();
    expect(lease.locked_until).toBeNull();
  } finally {
    receiver.hold = () => false;
    await node.close();
  }
});
