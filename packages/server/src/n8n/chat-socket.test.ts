import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import { CLOSE_CODES } from '@parley/protocol';
import { startRealtimeServer, type RealtimeServer } from '../realtime/testing/realtime-server.js';
import { N8nClient, until } from './testing/n8n-socket-client.js';

const ORIGIN = 'https://shop.example.com';

/** A widget on ORIGIN with the built-in bot. */
async function n8nWidget(server: RealtimeServer): Promise<string> {
  const bot = await server.json('POST', '/v1/bots', {
    kind: 'builtin',
    name: 'FAQ',
    config: { rules: [{ patterns: ['price'], answer: 'It is free.' }], fallback: 'Sorry?' },
  });
  return String((await server.json('POST', '/v1/widgets', { name: 'n8n', botId: bot.body['id'], origin: [ORIGIN] })).body['id']);
}

/** A visitor who asked for a human over `/n8n`: the answer names the socket to open. */
async function handOver(
  server: RealtimeServer,
  widgetId: string,
  sessionId: string,
): Promise<{ sessionId: string; executionId: string; conversationId: string }> {
  const answer = await server.json(
    'POST',
    `/v1/widgets/${widgetId}/n8n`,
    { action: 'sendMessage', sessionId, chatInput: 'Talk to a human' },
    null,
    { origin: ORIGIN },
  );
  expect(answer.body).toMatchObject({ executionStarted: true, output: 'A person will answer here shortly.' });
  const row = await server.services.database.db
    .selectFrom('conversations')
    .select('id')
    .where('identity_user_id', '=', `n8n:${sessionId}`)
    .executeTakeFirstOrThrow();
  return { sessionId, executionId: String(answer.body['executionId']), conversationId: row.id };
}

const query = (sessionId: string, executionId: string) => `sessionId=${sessionId}&executionId=${executionId}&isPublic=true`;

describe('the @n8n/chat push channel on /chat [sqlite]', () => {
  let server: RealtimeServer;
  let widgetId: string;
  let agent: { id: string; name: string };
  let bob: { id: string };
  let sessions = 0;

  beforeAll(async () => {
    server = await startRealtimeServer('sqlite');
    widgetId = await n8nWidget(server);
    const created = await server.json('POST', '/v1/agents', { email: 'ann@example.com', password: 'password-ann-1', name: 'Ann' });
    agent = { id: String(created.body['id']), name: 'Ann' };
    const colleague = await server.json('POST', '/v1/agents', { email: 'bob@example.com', password: 'password-bob-1', name: 'Bob' });
    bob = { id: String(colleague.body['id']) };
  });
  afterAll(() => server.close());

  const handedOver = () => handOver(server, widgetId, `socket-session-${(sessions += 1)}`);

  it('shows the handoff, the agent joining and their replies live, and stores what the visitor sends over it', async () => {
    const { sessionId, executionId, conversationId } = await handedOver();
    const client = await N8nClient.open(server.baseUrl, ORIGIN, query(sessionId, executionId));
    await client.waitFor('Waiting for a human to join.');

    await server.services.desk.ownership.assign(conversationId, { agentId: agent.id }, { kind: 'agent', ...agent });
    await client.waitFor('Ann joined the conversation.');
    const author = { role: 'agent', ...agent } as const;
    await server.services.desk.replies.reply(conversationId, author, 'Hi, Ann here. How can I help?', 'agent-reply-0001');
    await client.waitFor('Hi, Ann here. How can I help?');
    await server.services.engine.append({
      conversationId,
      author,
      type: 'file',
      text: '',
      payload: { url: '/files/receipt', name: 'receipt.png', mimeType: 'image/png' },
    });
    // The stored path, made absolute on the server's public URL: the page runs on another origin.
    await client.waitFor(/^!\[receipt\.png\]\(http:\/\/localhost:\d+\/files\/receipt\)$/);
    // An agent's text that @n8n/chat would read as one of its JSON frames is sent wrapped, to show as written.
    await server.services.desk.replies.reply(conversationId, author, '{"type":"error","message":"x"}', 'agent-reply-0002');
    await client.waitFor(JSON.stringify({ type: 'message', text: '{"type":"error","message":"x"}' }));
    // A colleague writing in is announced before their first words, once; Ann is not announced again.
    await server.services.desk.replies.reply(conversationId, { role: 'agent', id: bob.id, name: 'Bob' }, 'Bob here too.', 'bob-0001');
    await server.services.desk.replies.reply(conversationId, author, 'Back to me.', 'agent-reply-0003');
    await client.waitFor('Back to me.');
    expect(client.texts.slice(-3)).toEqual(['Bob joined the conversation.', 'Bob here too.', 'Back to me.']);
    expect(client.texts.filter((text) => text === 'Ann joined the conversation.')).toHaveLength(1);

    client.send(sessionId, 'My order is late');
    client.send('someone-elses-session', 'not mine');
    client.send(sessionId, 'Order 42');
    await until(async () => (await server.services.engine.messagesAfter(conversationId, 0)).some((m) => m.text === 'Order 42'), 'Order 42');
    const visitorMessages = (await server.services.engine.messagesAfter(conversationId, 0)).filter((m) => m.author.role === 'visitor');
    expect(visitorMessages.map((m) => m.text)).toEqual(['Talk to a human', 'My order is late', 'Order 42']);
    // Each frame has its own idempotency key, so a repeated store of one frame cannot make a second message.
    expect(visitorMessages[1]?.clientId).toMatch(/^n8n-[A-Za-z0-9_-]+-1$/);
    expect(visitorMessages[2]?.clientId).toMatch(/^n8n-[A-Za-z0-9_-]+-2$/);
    // Visitor messages are not echoed back: @n8n/chat already shows what it sent.
    expect(client.texts).not.toContain('My order is late');
    client.ws.close();
  });

  it('delivers what an agent said between the answer and the connect, and says a person will answer when nothing is said yet', async () => {
    const first = await handedOver();
    await server.services.desk.replies.reply(first.conversationId, { role: 'agent', ...agent }, 'Already here!', 'agent-early-0001');
    const early = await N8nClient.open(server.baseUrl, ORIGIN, query(first.sessionId, first.executionId));
    await early.waitFor('Already here!');
    expect(early.texts).toEqual(['Waiting for a human to join.', 'Already here!']);
    early.ws.close();

    // A later message in the same conversation: nothing new after it yet, so the socket says who will answer.
    const again = await server.json(
      'POST',
      `/v1/widgets/${widgetId}/n8n`,
      { action: 'sendMessage', sessionId: first.sessionId, chatInput: 'Hello?' },
      null,
      { origin: ORIGIN },
    );
    const client = await N8nClient.open(server.baseUrl, ORIGIN, query(first.sessionId, String(again.body['executionId'])));
    await client.waitFor('A person will answer here shortly.');
    expect(client.texts).toEqual(['A person will answer here shortly.']);
    client.ws.close();
  });

  it('says that files cannot be sent over the socket, and stores the text', async () => {
    const { sessionId, executionId, conversationId } = await handedOver();
    const client = await N8nClient.open(server.baseUrl, ORIGIN, query(sessionId, executionId));
    client.send(sessionId, 'see attached', [{ name: 'a.png', type: 'image/png', data: 'data:image/png;base64,AAAA' }]);
    await client.waitFor('Files cannot be sent in this chat; your text was delivered without them.');
    await until(
      async () => (await server.services.engine.messagesAfter(conversationId, 0)).some((m) => m.text === 'see attached'),
      'the text',
    );
    client.ws.close();
  });

  it('lets the bot answer over the socket again once the conversation is handed back to it', async () => {
    const { sessionId, executionId, conversationId } = await handedOver();
    const client = await N8nClient.open(server.baseUrl, ORIGIN, query(sessionId, executionId));
    await client.waitFor('Waiting for a human to join.');
    await server.services.desk.ownership.handback(conversationId);
    client.send(sessionId, 'What is the price?');
    await client.waitFor('It is free.');
    client.ws.close();
  });

  it('counts what the visitor sends over it against the visitor volume limits, and says when a message was refused', async () => {
    const { sessionId, executionId, conversationId } = await handedOver();
    const client = await N8nClient.open(server.baseUrl, ORIGIN, query(sessionId, executionId));
    await client.waitFor('Waiting for a human to join.');
    // Handed over (waiting for a human), so no bot turn follows and the bot-turn limit (20 a minute) does not apply:
    // the messages limit does, 30 a minute per conversation by default.
    for (let i = 1; i <= 31; i += 1) client.send(sessionId, `message ${i}`);
    await client.waitFor(/^You are sending messages too fast; this one was not stored\. Send it again in \d+ s\.$/);
    const stored = (await server.services.engine.messagesAfter(conversationId, 0)).filter((m) => m.clientId?.startsWith('n8n-'));
    expect(stored).toHaveLength(30);
    client.ws.close();
  });

  it('refuses an executionId of another session, an altered one, and a page off the allowlist', async () => {
    const { sessionId, executionId } = await handedOver();
    const other = await handedOver();
    const foreign = await N8nClient.open(server.baseUrl, ORIGIN, query(other.sessionId, executionId));
    expect(await foreign.waitForClose()).toEqual({ code: CLOSE_CODES.UNAUTHORIZED.code, reason: 'PARLEY_ERR_AUTH_TOKEN_INVALID' });
    const altered = await N8nClient.open(server.baseUrl, ORIGIN, query(sessionId, executionId.replace(/\.\d+\./, '.0.')));
    expect((await altered.waitForClose()).code).toBe(CLOSE_CODES.UNAUTHORIZED.code);
    const evil = await N8nClient.open(server.baseUrl, 'https://evil.example', query(sessionId, executionId));
    expect(await evil.waitForClose()).toEqual({ code: CLOSE_CODES.FORBIDDEN.code, reason: 'PARLEY_ERR_AUTH_ORIGIN_NOT_ALLOWED' });
    expect(foreign.texts).toEqual([]);
    expect(evil.texts).toEqual([]);
  });

  it('answers other upgrade paths with 404 while the realtime socket keeps its own path', async () => {
    // Routed by the path alone, up to its query: neighbours of a route are not that route.
    for (const path of ['/nope', '/v1/realtime/wsx?token=x', '/v1/realtime/ws/more?token=x', '/chat/?sessionId=x', '//v1/realtime/ws']) {
      const status = await new Promise<number>((resolve) => {
        const ws = new WebSocket(`${server.baseUrl.replace(/^http/, 'ws')}${path}`);
        ws.on('unexpected-response', (_request, response) => resolve(response.statusCode ?? 0));
        ws.on('error', () => undefined);
      });
      expect(status, path).toBe(404);
    }
    const realtime = new WebSocket(`${server.baseUrl.replace(/^http/, 'ws')}/v1/realtime/ws`);
    const closed = await new Promise<number>((resolve) => realtime.on('close', (code) => resolve(code)));
    expect(closed).toBe(CLOSE_CODES.UNAUTHORIZED.code);
  });
});

/** On a server of its own: a heartbeat short enough to test would drop the other suite's clients whenever the machine stalls. */
describe('the /chat heartbeat [sqlite]', () => {
  let server: RealtimeServer;
  beforeAll(async () => {
    server = await startRealtimeServer('sqlite', { realtime: { heartbeatMs: 200 } });
  });
  afterAll(() => server.close());

  it('sends n8n|heartbeat and drops a client that stops answering it', async () => {
    const { sessionId, executionId } = await handOver(server, await n8nWidget(server), 'heartbeat-session-1');
    const client = await N8nClient.open(server.baseUrl, ORIGIN, query(sessionId, executionId));
    let heartbeats = 0;
    client.ws.on('message', (data) => {
      if (data.toString() === 'n8n|heartbeat') heartbeats += 1;
    });
    await until(() => heartbeats >= 2, 'two heartbeats');
    expect(client.closed).toBeUndefined();
    client.answerHeartbeats = false;
    await client.waitForClose();
  });
});
