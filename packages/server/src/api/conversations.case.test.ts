import { expect, it } from 'vitest';
import { SessionTokens } from '../auth/session-tokens.js';
import { createBotAndWidget } from '../testing/fixtures.js';
import { describeEachStore, TEST_ADMIN_KEY, TEST_SECRET, type TestResponse, type TestServer } from '../testing/test-server.js';

interface Session {
  readonly token: string;
  readonly conversationId: string;
  readonly widgetId: string;
}

interface WireMessage {
  readonly seq: number;
  readonly author: { readonly role: string };
  readonly type: string;
  readonly text: string;
}

async function openSession(server: TestServer, widget: Record<string, unknown> = {}): Promise<Session> {
  const { widgetId } = await createBotAndWidget(server, widget);
  const created = await server.request('POST', `/v1/widgets/${widgetId}/sessions`, { auth: 'none', body: {} });
  if (created.status !== 201) throw new Error(`session creation failed: ${created.body}`);
  return { token: created.json.token, conversationId: created.json.conversationId, widgetId };
}

function send(server: TestServer, session: Session, body: unknown): Promise<TestResponse> {
  return server.request('POST', `/v1/conversations/${session.conversationId}/messages`, { auth: session.token, body });
}

async function messages(server: TestServer, session: Session, query = ''): Promise<WireMessage[]> {
  const response = await server.request('GET', `/v1/conversations/${session.conversationId}/messages${query}`, { auth: session.token });
  if (response.status !== 200) throw new Error(`reading messages failed: ${response.body}`);
  return response.json.items;
}

/** Polls until the conversation holds a bot message after `seq` (the bot answers in the background). */
async function botAnswerAfter(server: TestServer, session: Session, seq: number): Promise<WireMessage> {
  const deadline = Date.now() + 2000;
  for (;;) {
    const answer = (await messages(server, session, `?after=${seq}`)).find((m) => m.author.role === 'bot');
    if (answer !== undefined) return answer;
    if (Date.now() > deadline) throw new Error(`no bot answer after seq ${seq} within 2 s`);
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}

function base64url(value: unknown): string {
  return Buffer.from(JSON.stringify(value)).toString('base64url');
}

function payloadOf(token: string): Record<string, unknown> {
  return JSON.parse(Buffer.from(token.split('.')[1] ?? '', 'base64url').toString('utf8'));
}

describeEachStore('visitor conversations', (server) => {
  it('shows a session its own conversation', async () => {
    const session = await openSession(server(), { meta: { client: 'acme' } });
    const response = await server().request('GET', `/v1/conversations/${session.conversationId}`, { auth: session.token });
    expect(response.status).toBe(200);
    expect(response.json).toEqual({
      id: session.conversationId,
      object: 'conversation',
      widgetId: session.widgetId,
      status: 'open',
      lastSeq: 1,
      meta: { language: 'en', app: 'widget', widgetId: session.widgetId },
      createdAt: expect.any(String),
      updatedAt: expect.any(String),
    });
  });

  it('refuses a token on another conversation with 403 and writes nothing there', async () => {
    const a = await openSession(server());
    const b = await openSession(server());
    for (const [method, suffix] of [
      ['GET', ''],
      ['GET', '/messages'],
      ['POST', '/messages'],
    ] as const) {
      const body = method === 'POST' ? { text: 'Hello from A' } : undefined;
      const response = await server().request(method, `/v1/conversations/${b.conversationId}${suffix}`, { auth: a.token, body });
      expect(response.status).toBe(403);
      expect(response.json.error.code).toBe('PARLEY_ERR_AUTH_FORBIDDEN');
    }
    expect((await messages(server(), b)).map((m) => m.seq)).toEqual([1]);
  });

  it('refuses expired, unsigned, foreign, tampered and missing tokens and admin keys with 401', async () => {
    const a = await openSession(server());
    const b = await openSession(server());
    const claims = { sub: a.conversationId, wid: a.widgetId, cid: null };
    const expired = await new SessionTokens(TEST_SECRET).issue(claims, new Date(Date.now() - 1000));
    const foreign = await new SessionTokens('another-secret-0123456789abcdefghijklmnopqrstuv').issue(claims, new Date(Date.now() + 60_000));
    const unsigned = `${base64url({ alg: 'none', typ: 'JWT' })}.${base64url(payloadOf(a.token))}.`;
    const [header, , signature] = a.token.split('.');
    const tampered = `${header}.${base64url({ ...payloadOf(a.token), sub: b.conversationId })}.${signature}`;
    const cases: [string, string, string][] = [
      [expired, a.conversationId, 'PARLEY_ERR_AUTH_TOKEN_EXPIRED'],
      [unsigned, a.conversationId, 'PARLEY_ERR_AUTH_TOKEN_INVALID'],
      [foreign, a.conversationId, 'PARLEY_ERR_AUTH_TOKEN_INVALID'],
      [tampered, b.conversationId, 'PARLEY_ERR_AUTH_TOKEN_INVALID'],
      ['none', a.conversationId, 'PARLEY_ERR_AUTH_MISSING'],
      [TEST_ADMIN_KEY, a.conversationId, 'PARLEY_ERR_AUTH_TOKEN_INVALID'],
    ];
    for (const [auth, conversationId, code] of cases) {
      const response = await server().request('GET', `/v1/conversations/${conversationId}/messages`, { auth });
      expect([response.status, response.json.error.code]).toEqual([401, code]);
    }
    const malformedHeader = await server().request('GET', `/v1/conversations/${a.conversationId}`, {
      headers: { authorization: 'Token abc' },
    });
    expect([malformedHeader.status, malformedHeader.json.error.code]).toEqual([401, 'PARLEY_ERR_AUTH_MISSING']);
  });

  it('stores a visitor message with the next seq and answers a resend of its clientId with the original', async () => {
    const session = await openSession(server());
    const sent = await send(server(), session, { text: '  Hello there  ', clientId: 'client-0001' });
    expect(sent.status).toBe(201);
    expect(sent.json).toEqual({
      message: expect.objectContaining({ seq: 2, text: 'Hello there', clientId: 'client-0001' }),
      created: true,
    });
    expect(sent.json.message.author.role).toBe('visitor');
    await botAnswerAfter(server(), session, 2);
    const resent = await send(server(), session, { text: 'Hello there', clientId: 'client-0001' });
    expect(resent.status).toBe(200);
    expect(resent.json).toEqual({ message: sent.json.message, created: false });
    const rows = await server()
      .services.database.db.selectFrom('messages')
      .select('seq')
      .where('conversation_id', '=', session.conversationId)
      .where('client_id', '=', 'client-0001')
      .execute();
    expect(rows).toHaveLength(1);
    expect((await messages(server(), session)).filter((m) => m.author.role === 'visitor')).toHaveLength(1);
  });

  it('stores one message when the same clientId arrives twice at once', async () => {
    const session = await openSession(server());
    const body = { text: 'Only once', clientId: 'client-race-01' };
    const [first, second] = await Promise.all([send(server(), session, body), send(server(), session, body)]);
    expect([first?.status, second?.status].sort()).toEqual([200, 201]);
    expect(first?.json.message).toEqual(second?.json.message);
    await botAnswerAfter(server(), session, first?.json.message.seq);
    expect((await messages(server(), session)).filter((m) => m.text === 'Only once')).toHaveLength(1);
  });

  it('gives concurrent messages distinct consecutive seqs', async () => {
    const session = await openSession(server());
    const sent = await Promise.all(['one', 'two', 'three', 'four', 'five'].map((text) => send(server(), session, { text })));
    expect(sent.map((r) => r.status)).toEqual([201, 201, 201, 201, 201]);
    // The greeting, the five visitor messages and the bot's answers: bot turns of one conversation run one
    // at a time, and a turn answers every visitor message it has not answered yet.
    await server().services.botTurns.idle();
    const all = await messages(server(), session);
    expect(all.map((m) => m.seq)).toEqual(Array.from({ length: all.length }, (_, index) => index + 1));
    expect(all.filter((m) => m.author.role === 'visitor')).toHaveLength(5);
    expect(all.at(-1)?.author.role).toBe('bot');
  });

  it('lists only the messages after a seq, oldest first, and the bot answers in the background', async () => {
    const session = await openSession(server());
    const sent = await send(server(), session, { text: 'What is the price?' });
    expect(sent.json.message.seq).toBe(2);
    const answer = await botAnswerAfter(server(), session, 2);
    expect(answer).toMatchObject({ seq: 3, type: 'text', text: 'It is free.' });
    await send(server(), session, { text: 'Thanks!' });
    await botAnswerAfter(server(), session, 4);
    expect((await messages(server(), session, '?after=2')).map((m) => [m.seq, m.author.role])).toEqual([
      [3, 'bot'],
      [4, 'visitor'],
      [5, 'bot'],
    ]);
    expect((await messages(server(), session, '?after=1&limit=2')).map((m) => m.seq)).toEqual([2, 3]);
    expect(await messages(server(), session, '?after=5')).toEqual([]);
    const fallback = await messages(server(), session, '?after=4');
    expect(fallback[0]).toMatchObject({ type: 'quick_replies', text: 'Sorry, I did not get that.' });
  });

  it('pages a history backwards with before: the newest page first, each page oldest first', async () => {
    const session = await openSession(server());
    const { engine } = server().services;
    const author = { role: 'visitor', id: session.conversationId, name: 'Visitor' } as const;
    for (let i = 0; i < 6; i++) await engine.append({ conversationId: session.conversationId, author, type: 'text', text: `n${i}` });
    expect((await messages(server(), session, '?before=9007199254740991&limit=3')).map((m) => m.seq)).toEqual([5, 6, 7]);
    expect((await messages(server(), session, '?before=5&limit=3')).map((m) => m.seq)).toEqual([2, 3, 4]);
    expect((await messages(server(), session, '?before=2&limit=3')).map((m) => m.seq)).toEqual([1]);
    expect((await messages(server(), session, '?before=7&after=4')).map((m) => m.seq)).toEqual([5, 6]);
  });

  it.each([
    [{ text: '' }, 'PARLEY_ERR_REQUEST_VALIDATION', 'text'],
    [{ text: '   ' }, 'PARLEY_ERR_REQUEST_VALIDATION', 'text'],
    [{}, 'PARLEY_ERR_REQUEST_VALIDATION', 'text'],
    [{ text: 'x'.repeat(8001) }, 'PARLEY_ERR_REQUEST_VALIDATION', 'text'],
    [{ text: 'Hi', clientId: 'short' }, 'PARLEY_ERR_REQUEST_VALIDATION', 'clientId'],
    [{ text: 'Hi', clientId: 'has spaces in it' }, 'PARLEY_ERR_REQUEST_VALIDATION', 'clientId'],
    [{ text: 'Hi', author: 'bot' }, 'PARLEY_ERR_REQUEST_UNKNOWN_FIELD', 'author'],
  ])('refuses the message %j with a 400 naming the field and stores nothing', async (body, code, field) => {
    const session = await openSession(server());
    const response = await send(server(), session, body);
    expect(response.status).toBe(400);
    expect(response.json.error).toMatchObject({ code, field });
    expect((await messages(server(), session)).map((m) => m.seq)).toEqual([1]);
  });

  it.each([
    ['?after=abc', 'after'],
    ['?limit=0', 'limit'],
    ['?limit=501', 'limit'],
    ['?since=1', 'since'],
    ['?before=-1', 'before'],
  ])('refuses the message query %s with a 400 naming %s', async (query, field) => {
    const session = await openSession(server());
    const response = await server().request('GET', `/v1/conversations/${session.conversationId}/messages${query}`, { auth: session.token });
    expect(response.status).toBe(400);
    expect(response.json.error.field).toBe(field);
  });
});
