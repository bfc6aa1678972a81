import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestServer, type TestServer } from '../testing/test-server.js';

const ORIGIN = 'https://shop.example';

describe('per-widget caps on bot turns (botTurnLimit)', () => {
  let server: TestServer;
  beforeAll(async () => {
    server = await startTestServer('sqlite');
  });
  afterAll(() => server.close());

  async function widgetWith(botTurnLimit: unknown): Promise<string> {
    const bot = await server.request('POST', '/v1/bots', {
      body: { kind: 'builtin', name: 'FAQ', config: { rules: [{ patterns: ['hours'], answer: 'Nine to five.' }], fallback: 'Hm?' } },
    });
    const widget = await server.request('POST', '/v1/widgets', {
      body: { name: 'Capped', botId: bot.json.id, origin: [ORIGIN], botTurnLimit },
    });
    expect(widget.status).toBe(201);
    return String(widget.json.id);
  }

  async function visitor(widgetId: string, address: string) {
    const session = await server.request('POST', `/v1/widgets/${widgetId}/sessions`, {
      body: {},
      auth: 'none',
      headers: { origin: ORIGIN },
      remoteAddress: address,
    });
    const { token, conversationId } = session.json;
    let n = 0;
    const say = async (text: string) => {
      const sent = await server.request('POST', `/v1/conversations/${conversationId}/messages`, {
        body: { text, clientId: `cap-${conversationId}-${++n}` },
        auth: token,
        headers: { origin: ORIGIN },
        remoteAddress: address,
      });
      expect(sent.status).toBe(201);
      await server.services.botTurns.idle();
    };
    const messages = () => server.services.engine.messagesAfter(conversationId, 0, 500);
    return { conversationId, say, messages };
  }

  it('stops calling the bot past the cap per conversation, tells the visitor politely with Talk to a human, and leaves agents a note', async () => {
    const widgetId = await widgetWith({ perConversation: 2 });
    const v = await visitor(widgetId, '192.0.2.41');
    await v.say('hours');
    await v.say('hours');
    await v.say('hours');
    await v.say('hours again');
    const bot = (await v.messages()).filter((m) => m.author.role === 'bot').map((m) => m.text);
    expect(bot.filter((text) => text === 'Nine to five.')).toHaveLength(2);
    const capped = (await v.messages()).filter((m) => m.author.role === 'bot' && m.type === 'quick_replies');
    expect(capped).toHaveLength(2);
    expect(capped[0]).toMatchObject({ text: expect.stringContaining('A person can help you'), payload: { replies: ['Talk to a human'] } });
    const notes = (await v.messages()).filter((m) => m.type === 'note');
    expect(notes).toHaveLength(1);
    expect(notes[0]?.text).toContain('cap of 2 bot turns');
    // The way to a person stays open.
    await v.say('Talk to a human');
    expect((await server.services.desk.ownership.state(v.conversationId)).owner).not.toBe('bot');
  });

  it('caps the widget’s bot turns per day across its conversations', async () => {
    const widgetId = await widgetWith({ perDay: 3 });
    const a = await visitor(widgetId, '192.0.2.42');
    const b = await visitor(widgetId, '192.0.2.43');
    await a.say('hours');
    await b.say('hours');
    await a.say('hours');
    await b.say('hours');
    const answered = [...(await a.messages()), ...(await b.messages())].filter((m) => m.text === 'Nine to five.');
    expect(answered).toHaveLength(3);
    const note = [...(await a.messages()), ...(await b.messages())].find((m) => m.type === 'note');
    expect(note?.text).toContain('in 24 hours');
  });

  it('refuses a cap that is not a whole number of turns of at least 1', async () => {
    const bot = await server.request('POST', '/v1/bots', {
      body: { kind: 'builtin', name: 'FAQ', config: { rules: [], fallback: 'Hm?' } },
    });
    const refused = await server.request('POST', '/v1/widgets', {
      body: { name: 'Bad', botId: bot.json.id, botTurnLimit: { perConversation: 0 } },
    });
    expect(refused.status).toBe(400);
    expect(refused.json.error).toMatchObject({ code: 'PARLEY_ERR_REQUEST_VALIDATION', field: 'botTurnLimit.perConversation' });
  });
});
