import { expect, it } from 'vitest';
import { firstRun } from '../bootstrap.js';
import type { BotEvent } from '../bots/bot-connector.js';
import { BuiltinBot } from '../bots/builtin-bot.js';
import { describeEachStore } from '../testing/test-server.js';

describeEachStore('the home page after the first start', (server) => {
  it('shows the demo widget the first start created, not a newer one, and names its bot honestly', async () => {
    const first = await firstRun(server().services);
    await server().request('POST', '/v1/widgets', { body: { name: 'A newer widget' } });
    const home = await server().request('GET', '/', { auth: 'none' });
    expect(home.status).toBe(200);
    expect(home.body).toContain(`data-parley-widget="${first.demoWidgetId}"`);
    expect(home.body).toContain('Embed code for “Demo widget”');
    expect(home.body).not.toContain('A newer widget');
    expect(home.body).toContain('answered by “Parley demo bot”, a built-in FAQ bot');
    expect(home.body).not.toContain('built-in demo bot');
    expect(home.body).toContain('/console</a> — the agent console');
  });

  it('answers “is this open source?” with the licence and still gives the hours to “are you open?”', async () => {
    const demo = await server().services.widgets.oldest();
    const bot = await server().services.bots.load(demo?.effective.botId ?? '');
    const ask = async (text: string): Promise<BotEvent[]> => {
      const events: BotEvent[] = [];
      const history = [
        {
          id: 'msg_1',
          conversationId: 'conv_home',
          seq: 1,
          author: { role: 'visitor' as const, id: 'v', name: 'Visitor' },
          type: 'text' as const,
          text,
          payload: null,
          clientId: null,
          createdAt: '2026-01-01T00:00:00.000Z',
        },
      ];
      const context = { conversationId: 'conv_home', history, language: 'en', meta: {}, contact: null, pageUrl: null, tools: [] };
      for await (const event of new BuiltinBot(bot?.config).reply(context)) events.push(event);
      return events;
    };
    expect(await ask('Is this open source?')).toEqual([{ type: 'text', text: expect.stringContaining('MIT licence') }]);
    expect(await ask('is it open-source')).toEqual([{ type: 'text', text: expect.stringContaining('MIT licence') }]);
    expect(await ask('Are you open on Friday?')).toEqual([{ type: 'text', text: expect.stringContaining('Monday to Friday') }]);
  });
});

describeEachStore('the home page of a widget without a bot', (server) => {
  it('says that it needs a bot instead of promising a chat', async () => {
    await server().request('POST', '/v1/widgets', { body: { name: 'No bot yet' } });
    const home = await server().request('GET', '/', { auth: 'none' });
    expect(home.body).toContain('That widget has no bot yet, so visitors cannot start a chat');
  });
});
