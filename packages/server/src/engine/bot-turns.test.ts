import Fastify from 'fastify';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import type { Message, ServerFrame } from '@parley/protocol';
import { TALK_TO_A_HUMAN } from '../bots/bot-messages.js';
import type { BotContext } from '../bots/bot-connector.js';
import { connectorFor, type ConnectorFactory } from '../bots/connector-for.js';
import { startFakeDialogflow } from '../bots/testing/fake-dialogflow.js';
import { startFakeGenericWebhook } from '../bots/testing/fake-generic-webhook.js';
import { startFakeN8n } from '../bots/testing/fake-n8n.js';
import { startFakeOpenAi } from '../bots/testing/fake-openai.js';
import { startFakeRasa } from '../bots/testing/fake-rasa.js';
import { closedPortUrl, type FakeUpstream } from '../bots/testing/fake-upstream.js';
import { conversationChannel } from '../bus/bus.js';
import { MemoryBus } from '../bus/memory-bus.js';
import { openVisitor, startRealtimeServer, type RealtimeServer } from '../realtime/testing/realtime-server.js';
import { connectPoll } from '../realtime/testing/poll-test-client.js';
import { connectSse } from '../realtime/testing/sse-test-client.js';
import { connectWs } from '../realtime/testing/ws-test-client.js';
import { BotTurns, type BotTurnOptions, type HandoffReason } from './bot-turns.js';
import { decodeEvent } from './conversation-events.js';

describe('bot turns [sqlite]', () => {
  let server: RealtimeServer;
  let upstream: FakeUpstream;
  beforeAll(async () => {
    server = await startRealtimeServer('sqlite');
    upstream = await startFakeOpenAi();
  });
  afterAll(async () => {
    await upstream.close();
    await server.close();
  });
  afterEach(() => {
    upstream.mode = { kind: 'ok' };
  });

  async function openAiBot(baseUrl = `${upstream.url}/v1`): Promise<string> {
    const bot = await server.json('POST', '/v1/bots', {
      kind: 'openai',
      name: 'LLM',
      config: { baseUrl, model: 'fake-model', allowPrivateNetwork: true },
    });
    return String(bot.body['id']);
  }

  /** A conversation on a widget of `botId`, with the visitor's words stored (no bot turn started). */
  async function conversationSaying(botId: string, text: string): Promise<string> {
    const { conversationId } = await openVisitor(server, { botId });
    await server.services.engine.append({ conversationId, author: { role: 'visitor', id: 'v', name: 'Visitor' }, type: 'text', text });
    return conversationId;
  }

  /** A BotTurns of its own, so a test sets retries and breaker limits and sees every frame and handoff. */
  function turns(options: Partial<BotTurnOptions> = {}, factory: ConnectorFactory = connectorFor) {
    const bus = new MemoryBus();
    const handoffs: Array<{ conversationId: string; reason: HandoffReason }> = [];
    const botTurns = new BotTurns(
      server.services.engine,
      server.services.bots,
      factory,
      Fastify({ logger: false }).log,
      {
        shouldBotAnswer: (conversationId) => Promise.resolve(!conversationId.endsWith('-human')),
        handoff: (conversationId, reason) => {
          handoffs.push({ conversationId, reason });
          return Promise.resolve();
        },
      },
      { bus, db: server.services.database.db, retries: 0, ...options },
    );
    const frames = async (conversationId: string): Promise<ServerFrame[]> => {
      const seen: ServerFrame[] = [];
      await bus.subscribe(conversationChannel(conversationId), (payload) => {
        const event = decodeEvent(payload);
        if (event !== undefined) seen.push(JSON.parse(event.json) as ServerFrame);
      });
      return seen;
    };
    return { botTurns, handoffs, frames };
  }

  it.each([
    ['WebSocket', connectWs],
    ['SSE', connectSse],
  ])('streams deltas to a %s client, then the stored message, then stream_end naming it', async (_name, connect) => {
    const botId = await openAiBot();
    const visitor = await openVisitor(server, { botId });
    const client = await connect({ baseUrl: server.baseUrl, token: visitor.token });
    await client.send({ type: 'send', clientId: 'stream-test-0001', text: 'tell me a story' });
    const end = await client.log.waitFor((f): f is Extract<ServerFrame, { type: 'stream_end' }> => f.type === 'stream_end');
    const frames = client.log.frames;
    const deltas = frames.flatMap((f) => (f.type === 'stream_delta' ? [f] : []));
    const stored = frames.flatMap((f) => (f.type === 'message' && f.message.author.role === 'bot' ? [f.message] : []));
    expect(deltas.length).toBeGreaterThan(1);
    expect(new Set(deltas.map((d) => d.streamId))).toEqual(new Set([end.streamId]));
    expect(deltas.every((d) => d.author.role === 'bot' && d.author.id === botId)).toBe(true);
    expect(deltas.map((d) => d.delta).join('')).toBe('Echo: tell me a story');
    expect(stored.at(-1)).toMatchObject({ type: 'text', text: 'Echo: tell me a story', id: end.messageId });
    const order = (match: (f: ServerFrame) => boolean): number => frames.findIndex(match);
    expect(order((f) => f.type === 'stream_delta')).toBeLessThan(order((f) => f.type === 'message' && f.message.id === end.messageId));
    expect(order((f) => f.type === 'message' && f.message.id === end.messageId)).toBeLessThan(order((f) => f === end));
    await client.close();
  });

  it('sends a streaming bot reply whole, with no stream frames, on a widget with stream: false', async () => {
    const botId = await openAiBot();
    const visitor = await openVisitor(server, { botId, stream: false });
    const client = await connectWs({ baseUrl: server.baseUrl, token: visitor.token });
    await client.send({ type: 'send', clientId: 'stream-off-0001', text: 'tell me a story' });
    const reply = await client.log.waitFor(
      (f): f is Extract<ServerFrame, { type: 'message' }> => f.type === 'message' && f.message.author.role === 'bot' && f.message.seq > 1,
    );
    expect(reply.message).toMatchObject({ type: 'text', text: 'Echo: tell me a story' });
    // The upstream did stream (the same bot streams on a default widget, test above); nothing partial reached this visitor.
    await server.services.botTurns.idle();
    expect(client.log.frames.filter((f) => f.type === 'stream_delta' || f.type === 'stream_end')).toEqual([]);
    await client.close();
  });

  it('lets the bot speak first when a startFirst widget opens a conversation, and keeps the greeting for a bot that stays silent', async () => {
    const session = async (widget: Record<string, unknown>) => {
      const created = await server.json('POST', '/v1/widgets', { name: 'Start', ...widget });
      const opened = await server.json('POST', `/v1/widgets/${String(created.body['id'])}/sessions`, {});
      expect(opened.status).toBe(201);
      const messages = opened.body['messages'] as Message[];
      return messages.map((m) => [m.seq, m.author.role, m.text]);
    };
    const llm = await openAiBot();
    // The fake model answers what the visitor said since it last spoke: nothing yet.
    expect(await session({ botId: llm, startFirst: true })).toEqual([[1, 'bot', 'Echo: ']]);
    expect(await session({ botId: llm, startFirst: false, initial: 'Hello!' })).toEqual([[1, 'bot', 'Hello!']]);
    const faq = await server.json('POST', '/v1/bots', { kind: 'builtin', name: 'FAQ', config: { rules: [] } });
    expect(await session({ botId: faq.body['id'], startFirst: true, initial: 'Hi, ask me anything.' })).toEqual([
      [1, 'bot', 'Hi, ask me anything.'],
    ]);
  });

  it('gives the bot the contact, the page, the widget tools and the history without private notes, and shows it typing', async () => {
    const botId = await openAiBot();
    const tool = { name: 'lookup', description: 'Look something up', url: 'https://tools.example/lookup' };
    const widget = await server.json('POST', '/v1/widgets', { name: 'Tools', botId, tools: [tool] });
    const session = await server.json('POST', `/v1/widgets/${String(widget.body['id'])}/sessions`, {
      contact: { name: 'Ana', email: 'ana@example.com' },
      meta: { pageUrl: 'https://shop.example/pricing' },
    });
    const conversationId = String(session.body['conversationId']);
    const agent = { role: 'agent' as const, id: 'agt_1', name: 'Sam' };
    await server.services.engine.append({ conversationId, author: agent, type: 'note', text: 'VIP, secret discount code' });
    await server.services.engine.append({ conversationId, author: { role: 'visitor', id: 'v', name: 'Ana' }, type: 'text', text: 'hi' });
    let seen: BotContext | undefined;
    const typing: boolean[] = [];
    const { botTurns } = turns(
      { widgets: server.services.widgets, signals: { typing: (_c, _a, active) => Promise.resolve(void typing.push(active)) } },
      () => ({
        needs: { widgetTools: true },
        async *reply(context) {
          seen = context;
          yield { type: 'text', text: 'ok' };
        },
      }),
    );
    await botTurns.runBot(conversationId, botId, 'en');
    expect(seen).toMatchObject({
      conversationId,
      language: 'en',
      pageUrl: 'https://shop.example/pricing',
      contact: { name: 'Ana', email: 'ana@example.com' },
      tools: [tool],
    });
    expect(seen?.history.map((m) => m.text)).toEqual(['Hello! How can I help you today?', 'hi']);
    expect(typing).toEqual([true, false]);
  });

  it('reads only the history window and the tools the connector says it needs', async () => {
    const botId = await openAiBot();
    const tool = { name: 'lookup', description: 'Look something up', url: 'https://tools.example/lookup' };
    const widget = await server.json('POST', '/v1/widgets', { name: 'Narrow', botId, tools: [tool] });
    const session = await server.json('POST', `/v1/widgets/${String(widget.body['id'])}/sessions`, {});
    const conversationId = String(session.body['conversationId']);
    const visitor = { role: 'visitor' as const, id: 'v', name: 'Ana' };
    for (const text of ['one', 'two', 'three', 'four'])
      await server.services.engine.append({ conversationId, author: visitor, type: 'text', text });
    let seen: BotContext | undefined;
    const { botTurns } = turns({ widgets: server.services.widgets }, () => ({
      needs: { historyWindow: 2 },
      async *reply(context) {
        seen = context;
        yield { type: 'text', text: 'ok' };
      },
    }));
    await botTurns.runBot(conversationId, botId, 'en');
    expect(seen?.history.map((m) => m.text)).toEqual(['three', 'four']);
    expect(seen?.tools).toEqual([]);
  });

  it('answers quick successive visitor messages once each, never twice', async () => {
    const botId = await openAiBot();
    const visitor = await openVisitor(server, { botId });
    for (const text of ['first question', 'second question', 'third question']) {
      await server.json('POST', `/v1/conversations/${visitor.conversationId}/messages`, { text }, visitor.token);
    }
    await server.services.botTurns.idle();
    const answers = (await server.services.engine.messagesAfter(visitor.conversationId, 0)).filter((m) => m.author.role === 'bot').slice(1);
    const answered = answers.flatMap((m) => m.text.replace(/^Echo: /, '').split('\n'));
    expect(answered.sort()).toEqual(['first question', 'second question', 'third question']);
  });

  it('gives a long-polling client the stored answer, and the deltas of the polls it had open', async () => {
    const botId = await openAiBot();
    const visitor = await openVisitor(server, { botId });
    const client = await connectPoll({ baseUrl: server.baseUrl, token: visitor.token });
    await client.send({ type: 'send', clientId: 'stream-poll-0001', text: 'poll me' });
    const stored = await client.log.waitFor(
      (f): f is Extract<ServerFrame, { type: 'message' }> => f.type === 'message' && f.message.author.role === 'bot' && f.message.seq > 2,
    );
    expect(stored.message.text).toBe('Echo: poll me');
    // Ephemeral frames between two polls are not kept (docs/realtime.md); each delta that did arrive says where it belongs.
    for (const frame of client.log.frames) {
      if (frame.type !== 'stream_delta') continue;
      const at = frame.offset ?? -1;
      expect(stored.message.text.slice(at, at + frame.delta.length)).toBe(frame.delta);
    }
    await client.close();
  });

  it("forwards a visitor's upload to an n8n workflow as a multipart file", async () => {
    const n8n = await startFakeN8n({ streaming: false });
    const bot = await server.json('POST', '/v1/bots', {
      kind: 'webhook',
      name: 'n8n',
      config: { url: `${n8n.url}/webhook/abc/chat`, allowPrivateNetwork: true },
    });
    const visitor = await openVisitor(server, { botId: bot.body['id'], attachments: true });
    const upload = await fetch(`${server.baseUrl}/v1/conversations/${visitor.conversationId}/files?name=notes.txt`, {
      method: 'POST',
      headers: { authorization: `Bearer ${visitor.token}`, 'content-type': 'application/octet-stream' },
      body: 'plain text notes',
    });
    expect(upload.status).toBe(201);
    await server.services.botTurns.idle();
    const request = n8n.requests.at(-1);
    expect(request?.headers['content-type']).toMatch(/^multipart\/form-data/);
    expect(request?.body).toMatch(/name="files"; filename="notes.txt"\r\nContent-Type: text\/plain\r\n\r\nplain text notes\r\n/);
    await n8n.close();
  });

  it.each(['n8n', 'n8n streaming', 'generic webhook', 'rasa', 'dialogflow es', 'dialogflow cx', 'openai'])(
    'answers through a %s bot created with the API',
    async (kind) => {
      const started: Array<{ close(): Promise<void> }> = [];
      const create = async (): Promise<Record<string, unknown>> => {
        switch (kind) {
          case 'n8n':
          case 'n8n streaming': {
            const fake = await startFakeN8n({ streaming: kind === 'n8n streaming' });
            started.push(fake);
            return {
              kind: 'webhook',
              config: { url: `${fake.url}/webhook/x/chat`, stream: kind === 'n8n streaming', allowPrivateNetwork: true },
            };
          }
          case 'generic webhook': {
            const fake = await startFakeGenericWebhook('s3cret');
            started.push(fake);
            return {
              kind: 'webhook',
              config: { url: `${fake.url}/bot`, flavor: 'generic', allowPrivateNetwork: true },
              secrets: { signingSecret: 's3cret' },
            };
          }
          case 'rasa': {
            const fake = await startFakeRasa();
            started.push(fake);
            return { kind: 'rasa', config: { url: `${fake.url}/webhooks/rest/webhook`, allowPrivateNetwork: true } };
          }
          case 'dialogflow es':
          case 'dialogflow cx': {
            const fake = await startFakeDialogflow();
            started.push(fake.upstream);
            const edition = kind.endsWith('es') ? 'es' : 'cx';
            return {
              kind: 'dialogflow',
              config: { edition, projectId: 'demo-project', agentId: 'agent-1', apiBaseUrl: fake.upstream.url, allowPrivateNetwork: true },
              secrets: { serviceAccountKey: fake.serviceAccountKey },
            };
          }
          default:
            return {
              kind: 'openai',
              config: { baseUrl: `${upstream.url}/v1`, model: 'm', allowPrivateNetwork: true },
              secrets: { apiKey: 'sk-1' },
            };
        }
      };
      const bot = await server.json('POST', '/v1/bots', { name: kind, ...(await create()) });
      expect(bot.status).toBe(201);
      const botId = String(bot.body['id']);
      const conversationId = await conversationSaying(botId, 'hello there');
      const messages = await turns().botTurns.runBot(conversationId, botId, 'en');
      expect(messages.map((m) => [m.author.id, m.text])).toEqual([[botId, 'Echo: hello there']]);
      for (const fake of started) await fake.close();
    },
  );

  it('apologises with a "Talk to a human" quick reply when the bot fails, and tells nothing of the error', async () => {
    const botId = await openAiBot();
    const conversationId = await conversationSaying(botId, 'hello');
    upstream.mode = { kind: 'status', status: 500, body: '{"error":{"message":"secret stack trace"}}' };
    const [apology] = await turns().botTurns.runBot(conversationId, botId, 'en');
    expect(apology).toMatchObject({ type: 'quick_replies', author: { role: 'bot', id: botId }, payload: { replies: [TALK_TO_A_HUMAN] } });
    // What the visitor sees (its text and replies), not the whole message: a random id may hold "500" (it did:
    // msg_01M99869CWKBTN500JDYN8TFPN failed a CI run).
    expect(JSON.stringify([apology?.text, apology?.payload])).not.toMatch(/secret|stack|500/);
  });

  it("apologises in the visitor's language, and understands its quick reply", async () => {
    const botId = await openAiBot();
    const conversationId = await conversationSaying(botId, 'Hallo');
    upstream.mode = { kind: 'status', status: 500 };
    const { botTurns, handoffs } = turns();
    const [apology] = await botTurns.runBot(conversationId, botId, 'de-AT');
    expect(apology).toMatchObject({
      type: 'quick_replies',
      text: expect.stringMatching(/^Entschuldigung/),
      payload: { replies: ['Mit einem Menschen sprechen'] },
    });
    await server.services.engine.append({
      conversationId,
      author: { role: 'visitor', id: 'v', name: 'V' },
      type: 'text',
      text: 'Mit einem Menschen sprechen',
    });
    await botTurns.runBot(conversationId, botId, 'de-AT');
    expect(handoffs).toEqual([{ conversationId, reason: 'visitor_asked' }]);
  });

  it('hands over to a human after the second failure in a row, with a last word to the visitor', async () => {
    const botId = await openAiBot();
    const conversationId = await conversationSaying(botId, 'hello');
    upstream.mode = { kind: 'status', status: 500 };
    const { botTurns, handoffs } = turns();
    await botTurns.runBot(conversationId, botId, 'en');
    await server.services.engine.append({
      conversationId,
      author: { role: 'visitor', id: 'v', name: 'Visitor' },
      type: 'text',
      text: 'hello?',
    });
    const [last] = await botTurns.runBot(conversationId, botId, 'en');
    expect(last).toMatchObject({ type: 'text', text: expect.stringMatching(/person/) });
    expect(handoffs).toEqual([{ conversationId, reason: 'bot_failed' }]);
  });

  it('hands over when the visitor chooses "Talk to a human", without calling the bot', async () => {
    const botId = await openAiBot();
    const conversationId = await conversationSaying(botId, TALK_TO_A_HUMAN);
    const before = upstream.requests.length;
    const { botTurns, handoffs } = turns();
    expect(await botTurns.runBot(conversationId, botId, 'en')).toEqual([]);
    expect(handoffs).toEqual([{ conversationId, reason: 'visitor_asked' }]);
    expect(upstream.requests.length).toBe(before);
  });

  it('stays quiet while ownership says a human answers', async () => {
    const botId = await openAiBot();
    const { botTurns } = turns();
    const before = upstream.requests.length;
    expect(await botTurns.runBot('conv_x-human', botId, 'en')).toEqual([]);
    expect(upstream.requests.length).toBe(before);
  });

  it('retries a 503 with backoff and answers once the upstream is back', async () => {
    const botId = await openAiBot();
    const conversationId = await conversationSaying(botId, 'again');
    upstream.mode = { kind: 'flaky', status: 503, times: 2 };
    const before = upstream.requests.length;
    const messages = await turns({ retries: 2, retryBaseDelayMs: 10 }).botTurns.runBot(conversationId, botId, 'en');
    expect(messages.map((m) => m.text)).toEqual(['Echo: again']);
    expect(upstream.requests.length - before).toBe(3);
  });

  it('opens the circuit after repeated failures: visitors get the apology at once and the upstream is left alone', async () => {
    const botId = await openAiBot(`${await closedPortUrl()}/v1`);
    let now = 0;
    const { botTurns } = turns({ breakers: { threshold: 2, cooldownMs: 1000, now: () => now } });
    const failing: Message[] = [];
    for (let i = 0; i < 3; i += 1) failing.push(...(await botTurns.runBot(await conversationSaying(botId, 'hi'), botId, 'en')));
    expect(failing.every((m) => m.type === 'quick_replies')).toBe(true);
    // Point the bot at the working upstream: while open, the circuit still refuses; after the cooldown one trial goes through.
    await server.json('PATCH', `/v1/bots/${botId}`, { config: { baseUrl: `${upstream.url}/v1` } });
    const before = upstream.requests.length;
    await botTurns.runBot(await conversationSaying(botId, 'hi'), botId, 'en');
    expect(upstream.requests.length).toBe(before);
    now = 1000;
    const answered = await botTurns.runBot(await conversationSaying(botId, 'back?'), botId, 'en');
    expect(answered.map((m) => m.text)).toEqual(['Echo: back?']);
  });

  it('drops a stream cut by a failure (stream_end without a message) and apologises', async () => {
    const botId = await openAiBot();
    const conversationId = await conversationSaying(botId, 'hello');
    const { botTurns, frames } = turns();
    const seen = await frames(conversationId);
    upstream.mode = { kind: 'cut' };
    const messages = await botTurns.runBot(conversationId, botId, 'en');
    expect(seen.some((f) => f.type === 'stream_delta')).toBe(true);
    expect(seen.find((f) => f.type === 'stream_end')).toMatchObject({ messageId: null });
    expect(messages.map((m) => m.type)).toEqual(['quick_replies']);
  });
});
