import { createHmac } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openVisitor, startRealtimeServer, type RealtimeServer } from './testing/realtime-server.js';
import { connectWs } from './testing/ws-test-client.js';

describe('engine events reach live connections [sqlite]', () => {
  let server: RealtimeServer;
  beforeAll(async () => {
    server = await startRealtimeServer('sqlite');
  });
  afterAll(() => server.close());

  it('delivers a message sent over REST and the bot answer it starts', async () => {
    const session = await openVisitor(server);
    const client = await connectWs({ baseUrl: server.baseUrl, token: session.token });
    const sent = await server.json(
      'POST',
      `/v1/conversations/${session.conversationId}/messages`,
      { text: 'over rest', clientId: 'rest-0000001' },
      session.token,
    );
    expect(sent.status).toBe(201);
    const mine = await client.log.waitFor((f) => f.type === 'message' && f.message.text === 'over rest');
    const bot = await client.log.waitFor(
      (f) => f.type === 'message' && f.message.author.role === 'bot' && f.message.seq > (mine.type === 'message' ? mine.message.seq : 0),
    );
    expect(bot.type === 'message' && bot.message.text).toBe('Sorry, I did not get that.');
    await client.close();
  });

  it('announces seeded messages of a resumed conversation to the tab already connected to it', async () => {
    const bot = await server.json('POST', '/v1/bots', {
      kind: 'builtin',
      name: 'FAQ',
      config: { rules: [], fallback: 'Sorry, I did not get that.' },
    });
    const widget = await server.json('POST', '/v1/widgets', { name: 'Identity', botId: bot.body['id'] });
    const widgetId = String(widget.body['id']);
    const secret = await server.json('GET', `/v1/widgets/${widgetId}/identity-secret`);
    const userHash = createHmac('sha256', String(secret.body['identitySecret'])).update('user-42').digest('hex');
    const identity = { userId: 'user-42', userHash };
    const first = await server.json('POST', `/v1/widgets/${widgetId}/sessions`, { identity }, null);
    const tab = await connectWs({ baseUrl: server.baseUrl, token: String(first.body['token']) });
    const second = await server.json(
      'POST',
      `/v1/widgets/${widgetId}/sessions`,
      { identity, messages: [{ type: 'user', text: 'from tab two' }] },
      null,
    );
    expect(second.body['conversationId']).toBe(first.body['conversationId']);
    await tab.log.waitFor((f) => f.type === 'message' && f.message.text === 'from tab two');
    await tab.close();
  });
});
