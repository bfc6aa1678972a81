import { afterAll, beforeAll, expect, it } from 'vitest';
import { startFakeOpenAi } from '../bots/testing/fake-openai.js';
import { sendJson, startFakeUpstream, type FakeUpstream } from '../bots/testing/fake-upstream.js';
import { createBotAndWidget } from '../testing/fixtures.js';
import { describeEachStore, type TestResponse, type TestServer } from '../testing/test-server.js';

const ORIGIN = 'https://shop.example.com';
const SESSION = '3f0c8a6e-7b1d-4c52-9a3e-2f9d1b7c6e10';

let llm: FakeUpstream;
beforeAll(async () => {
  llm = await startFakeOpenAi();
});
afterAll(() => llm.close());

let visitors = 0;

/** A request as @n8n/chat sends it from a page on ORIGIN: JSON, no credentials; each from its own address unless said. */
function n8n(
  server: TestServer,
  widgetId: string,
  body: unknown,
  headers: Record<string, string> = {},
  remoteAddress = `198.51.100.${(visitors += 1) % 250}`,
): Promise<TestResponse> {
  return server.request('POST', `/v1/widgets/${widgetId}/n8n`, {
    auth: 'none',
    body,
    headers: { origin: ORIGIN, ...headers },
    remoteAddress,
  });
}

const send = (chatInput: string, sessionId = SESSION) => ({ action: 'sendMessage', sessionId, chatInput });
const load = (sessionId = SESSION) => ({ action: 'loadPreviousSession', sessionId });
const lines = (response: TestResponse) =>
  response.body
    .split('\n')
    .filter((line) => line !== '')
    .map((line) => JSON.parse(line) as { type: string; content?: string; metadata: { runIndex: number } });

describeEachStore('n8n chat protocol endpoint', (server) => {
  it("answers sendMessage with the bot's reply as { output } and stores the conversation", async () => {
    const { widgetId } = await createBotAndWidget(server(), { origin: [ORIGIN] });
    const answer = await n8n(server(), widgetId, send('What is the price?'));
    expect(answer.status).toBe(200);
    expect(answer.json).toEqual({ output: 'It is free.' });
    const stored = await server()
      .services.database.db.selectFrom('conversations')
      .select(['id', 'meta'])
      .where('identity_user_id', '=', `n8n:${SESSION}`)
      .where('widget_id', '=', widgetId)
      .execute();
    expect(stored).toHaveLength(1);
    const messages = await server().services.engine.messagesAfter(stored[0]?.id ?? '', 0);
    expect(messages.map((m) => [m.author.role, m.text])).toEqual([
      ['visitor', 'What is the price?'],
      ['bot', 'It is free.'],
    ]);
    expect(JSON.parse(stored[0]?.meta ?? '{}')).toMatchObject({ app: 'n8n', widgetId });
  });

  it('continues the same conversation for the same sessionId and loads it back as LangChain messages', async () => {
    const { widgetId } = await createBotAndWidget(server());
    await n8n(server(), widgetId, send('price?', 'session-continue-1'));
    await n8n(server(), widgetId, send('Hmm', 'session-continue-1'));
    await n8n(server(), widgetId, send('price', 'session-other-0001'));
    const loaded = await n8n(server(), widgetId, load('session-continue-1'));
    expect(loaded.status).toBe(200);
    expect(loaded.json.data.map((m: { id: string[]; kwargs: { content: string } }) => [m.id[2], m.kwargs.content])).toEqual([
      ['HumanMessage', 'price?'],
      ['AIMessage', 'It is free.'],
      ['HumanMessage', 'Hmm'],
      ['AIMessage', 'Sorry, I did not get that.\n\n- Talk to a human'],
    ]);
    expect(loaded.json.data[0]).toMatchObject({ lc: 1, type: 'constructor', kwargs: { additional_kwargs: {}, response_metadata: {} } });
  });

  it('answers loadPreviousSession of an unknown session with no data and creates nothing', async () => {
    const { widgetId } = await createBotAndWidget(server());
    expect((await n8n(server(), widgetId, load('never-seen-session'))).json).toEqual({ data: [] });
    const count = await server()
      .services.database.db.selectFrom('conversations')
      .select((eb) => eb.fn.countAll().as('n'))
      .where('identity_user_id', '=', 'n8n:never-seen-session')
      .executeTakeFirstOrThrow();
    expect(Number(count.n)).toBe(0);
  });

  it('streams NDJSON begin/item/end chunks when the client asks with Accept: text/plain', async () => {
    const { widgetId } = await createBotAndWidget(server());
    const answer = await n8n(server(), widgetId, send('price'), { accept: 'text/plain' });
    expect(answer.status).toBe(200);
    expect(answer.headers['content-type']).toMatch(/^application\/json/);
    expect(lines(answer).map((l) => [l.type, l.content])).toEqual([
      ['begin', undefined],
      ['item', 'It is free.'],
      ['end', undefined],
    ]);
  });

  it("relays a streaming bot's deltas as items of one segment, then stores the whole text once", async () => {
    const bot = await server().request('POST', '/v1/bots', {
      body: { kind: 'openai', name: 'LLM', config: { baseUrl: `${llm.url}/v1`, model: 'm', allowPrivateNetwork: true } },
    });
    const widget = await server().request('POST', '/v1/widgets', { body: { name: 'LLM widget', botId: bot.json.id } });
    const answer = await n8n(server(), widget.json.id, send('stream this please', 'session-stream-01'), { accept: 'text/plain' });
    const chunks = lines(answer);
    expect(chunks[0]?.type).toBe('begin');
    expect(chunks.at(-1)?.type).toBe('end');
    expect(chunks.filter((c) => c.type === 'item').length).toBeGreaterThan(1);
    expect(new Set(chunks.map((c) => c.metadata.runIndex))).toEqual(new Set([0]));
    expect(chunks.map((c) => c.content ?? '').join('')).toBe('Echo: stream this please');
    const loaded = await n8n(server(), widget.json.id, load('session-stream-01'));
    expect(loaded.json.data.map((m: { kwargs: { content: string } }) => m.kwargs.content)).toEqual([
      'stream this please',
      'Echo: stream this please',
    ]);
  });

  it('hands over when the visitor asks for a human, names the push channel for @n8n/chat 1.x and says a person will answer', async () => {
    const { widgetId } = await createBotAndWidget(server());
    const answer = (await n8n(server(), widgetId, send('Talk to a human', 'session-handoff-1'))).json;
    // executionStarted: @n8n/chat 1.x opens /chat with the executionId; 0.x shows `output`.
    expect(answer).toEqual({
      executionStarted: true,
      executionId: expect.stringMatching(/^conv_\w+\.\d+\.\d+\.[\w-]{22}$/),
      output: 'A person will answer here shortly.',
    });
    const [conversation] = await server()
      .services.database.db.selectFrom('conversations')
      .select('id')
      .where('identity_user_id', '=', 'n8n:session-handoff-1')
      .execute();
    const messages = await server().services.engine.messagesAfter(conversation?.id ?? '', 0);
    expect(messages.at(-1)).toMatchObject({ type: 'event', payload: { reason: 'visitor_asked' } });
  });

  it('sends bot images and files as Markdown, in output and in loadPreviousSession, and leaves out messages with nothing to show', async () => {
    const upstream = await startFakeUpstream(({ response }) =>
      sendJson(response, {
        messages: [
          { type: 'text', text: 'Here you go:' },
          { type: 'image', url: 'https://cdn.example.com/map.png', alt: 'Map' },
          { type: 'file', url: 'https://cdn.example.com/menu.pdf', name: 'menu.pdf', mimeType: 'application/pdf' },
        ],
      }),
    );
    try {
      const bot = await server().request('POST', '/v1/bots', {
        body: { kind: 'webhook', name: 'Files', config: { url: upstream.url, flavor: 'generic', allowPrivateNetwork: true } },
      });
      const widget = await server().request('POST', '/v1/widgets', { body: { name: 'Files widget', botId: bot.json.id } });
      const answer = await n8n(server(), widget.json.id, send('the menu please', 'session-files-01'));
      const markdown = ['Here you go:', '![Map](https://cdn.example.com/map.png)', '[menu.pdf](https://cdn.example.com/menu.pdf)'];
      expect(answer.json).toEqual({ output: markdown.join('\n\n') });
      const [conversation] = await server()
        .services.database.db.selectFrom('conversations')
        .select('id')
        .where('identity_user_id', '=', 'n8n:session-files-01')
        .execute();
      // A bot message with nothing to show (an empty text) is not sent as an empty AIMessage ("<Empty response>").
      await server().services.engine.append({
        conversationId: conversation?.id ?? '',
        author: { role: 'bot', id: bot.json.id, name: 'Files' },
        type: 'text',
        text: '',
      });
      const loaded = await n8n(server(), widget.json.id, load('session-files-01'));
      expect(loaded.json.data.map((m: { id: string[]; kwargs: { content: string } }) => [m.id[2], m.kwargs.content])).toEqual([
        ['HumanMessage', 'the menu please'],
        ...markdown.map((content) => ['AIMessage', content]),
      ]);
    } finally {
      await upstream.close();
    }
  });

  it('checks the Origin against the allowlist and answers CORS preflights like the other visitor endpoints', async () => {
    const { widgetId } = await createBotAndWidget(server(), { origin: [ORIGIN] });
    const allowed = await n8n(server(), widgetId, send('price'));
    expect(allowed.headers['access-control-allow-origin']).toBe(ORIGIN);
    const refused = await n8n(server(), widgetId, send('price'), { origin: 'https://evil.example' });
    expect(refused.status).toBe(403);
    expect(refused.json.error.code).toBe('PARLEY_ERR_AUTH_ORIGIN_NOT_ALLOWED');
    const preflight = await server().request('OPTIONS', `/v1/widgets/${widgetId}/n8n`, {
      auth: 'none',
      headers: { origin: ORIGIN, 'access-control-request-method': 'POST', 'access-control-request-headers': 'content-type' },
    });
    expect(preflight.status).toBe(204);
    expect(preflight.headers['access-control-allow-origin']).toBe(ORIGIN);
  });

  it('limits requests per client address, saying when to retry', async () => {
    const { widgetId } = await createBotAndWidget(server());
    const statuses: number[] = [];
    for (let i = 0; i < 12; i += 1) statuses.push((await n8n(server(), widgetId, load(`limited-session-${i}`), {}, '203.0.113.77')).status);
    expect(statuses.slice(0, 10)).toEqual(Array(10).fill(200));
    const limited = await n8n(server(), widgetId, load('limited-session-x'), {}, '203.0.113.77');
    expect(limited.status).toBe(429);
    expect(limited.json.error.code).toBe('PARLEY_ERR_WIDGET_CHAT_RATE_LIMITED');
    expect(Number(limited.headers['retry-after'])).toBeGreaterThanOrEqual(1);
    expect((await n8n(server(), widgetId, load('other-address'), {}, '203.0.113.78')).status).toBe(200);
  });

  it.each([
    [{ action: 'sendMessage', sessionId: SESSION }, 'chatInput'],
    [{ action: 'deleteEverything', sessionId: SESSION }, 'action'],
    [{ action: 'sendMessage', sessionId: 'x', chatInput: 'hi' }, 'sessionId'],
  ])('refuses a malformed request %j, naming the field', async (body, field) => {
    const { widgetId } = await createBotAndWidget(server());
    const answer = await n8n(server(), widgetId, body);
    expect(answer.status).toBe(400);
    expect(answer.json.error).toMatchObject({ code: 'PARLEY_ERR_REQUEST_VALIDATION', field });
  });
});
