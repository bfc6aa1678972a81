import { beforeEach, expect, it } from 'vitest';
import { createAgent } from '../testing/agent-fixtures.js';
import { createBotAndWidget } from '../testing/fixtures.js';
import { describeEachStore, type TestServer } from '../testing/test-server.js';

// The conversation a campaign opens (docs/campaigns.md): the session body's `campaignId` makes the campaign's message,
// from its sender, the conversation's first stored message, as the visitor saw it; `greeting: 'returning'` stores the
// returning visitors' greeting the widget showed.

const message = { text: 'Questions about **plans**?', quickReplies: ['Yes', 'Just looking'] };
const trigger = { kind: 'page_view' };

interface StoredMessage {
  readonly seq: number;
  readonly type: string;
  readonly text: string;
  readonly author: { readonly role: string; readonly id: string; readonly name: string };
  readonly payload: Record<string, unknown> | null;
}

async function campaign(server: TestServer, widgetId: string, body: Record<string, unknown>): Promise<string> {
  const created = await server.request('POST', `/v1/widgets/${widgetId}/campaigns`, {
    body: { name: 'Pricing nudge', message, trigger, ...body },
  });
  expect(created.status).toBe(201);
  return created.json.id as string;
}

let reader: Awaited<ReturnType<typeof createAgent>> | undefined;

/** Opens a session as the widget does, then reads the conversation as an agent (the console's view). */
async function open(server: TestServer, widgetId: string, body: Record<string, unknown>): Promise<StoredMessage[]> {
  const session = await server.request('POST', `/v1/widgets/${widgetId}/sessions`, { auth: 'none', body });
  expect(session.status).toBe(201);
  reader ??= await createAgent(server, { role: 'admin', name: 'Reader' });
  const read = await server.request('GET', `/v1/conversations/${session.json.conversationId as string}/messages`, {
    auth: 'none',
    headers: { cookie: reader.cookie },
  });
  expect(read.status).toBe(200);
  const items = read.json.items as StoredMessage[];
  // The visitor's answer holds the same history.
  expect((session.json.messages as StoredMessage[]).map((m) => m.text)).toEqual(items.map((m) => m.text));
  return items;
}

describeEachStore('a campaign opens the conversation it starts', (server) => {
  beforeEach(() => {
    reader = undefined;
  });

  it('stores the campaign’s message first, from the named agent, marked with the campaign, instead of the greeting', async () => {
    const { widgetId } = await createBotAndWidget(server(), { initial: 'Hello, how can we help?' });
    const agent = await createAgent(server(), { name: 'Grace Hopper' });
    const id = await campaign(server(), widgetId, { sender: { kind: 'agent', agentId: agent.id } });
    const messages = await open(server(), widgetId, { campaignId: id });
    expect(messages).toHaveLength(1);
    expect(messages[0]).toMatchObject({
      seq: 1,
      type: 'quick_replies',
      text: message.text,
      author: { role: 'agent', id: agent.id, name: 'Grace Hopper' },
      payload: { replies: message.quickReplies, campaignId: id, campaignName: 'Pricing nudge' },
    });
  });

  it('signs a bot campaign with the bot’s name, and one without quick replies as text', async () => {
    const { widgetId, botId } = await createBotAndWidget(server(), { initial: 'Hello!' });
    const id = await campaign(server(), widgetId, { message: { text: 'Need a hand?' } });
    const [first, ...rest] = await open(server(), widgetId, { campaignId: id });
    expect(rest).toEqual([]);
    expect(first).toMatchObject({
      type: 'text',
      text: 'Need a hand?',
      author: { role: 'bot', id: botId, name: 'FAQ' },
      payload: { campaignId: id, campaignName: 'Pricing nudge' },
    });
  });

  it('ignores, without an error, a campaign that ended, is disabled, unknown, or another widget’s: the greeting opens it', async () => {
    const { widgetId } = await createBotAndWidget(server(), { initial: 'Hello!' });
    const other = await createBotAndWidget(server());
    const ended = await campaign(server(), widgetId, { endsAt: '2020-01-01T00:00:00Z' });
    const disabled = await campaign(server(), widgetId, { enabled: false });
    const foreign = await campaign(server(), other.widgetId, {});
    for (const campaignId of [ended, disabled, foreign, 'cmp_unknown']) {
      const messages = await open(server(), widgetId, { campaignId });
      expect(messages.map((m) => [m.author.role, m.text, m.payload])).toEqual([['bot', 'Hello!', null]]);
    }
    // A campaign removed between showing and the reply: the same.
    const removed = await campaign(server(), widgetId, {});
    expect((await server().request('DELETE', `/v1/widgets/${widgetId}/campaigns/${removed}`)).status).toBe(204);
    expect((await open(server(), widgetId, { campaignId: removed })).map((m) => m.text)).toEqual(['Hello!']);
  });

  it('an agent removed since: the campaign’s message comes from the bot, as the widget showed it', async () => {
    const { widgetId, botId } = await createBotAndWidget(server());
    const agent = await createAgent(server(), { name: 'Gone Soon' });
    const id = await campaign(server(), widgetId, { sender: { kind: 'agent', agentId: agent.id } });
    expect((await server().request('DELETE', `/v1/agents/${agent.id}`)).status).toBe(204);
    const config = await server().request('GET', `/v1/widgets/${widgetId}/config`, { auth: 'none' });
    expect(config.json.campaigns.items[0].sender).toEqual({ kind: 'bot', name: 'FAQ' });
    const [first] = await open(server(), widgetId, { campaignId: id });
    expect(first?.author).toEqual({ role: 'bot', id: botId, name: 'FAQ' });
  });

  it('stores the returning visitors’ greeting when the widget showed it, and the usual greeting otherwise', async () => {
    const { widgetId } = await createBotAndWidget(server(), { initial: 'Hello!', greeting: { returning: 'Welcome back!' } });
    expect((await open(server(), widgetId, { greeting: 'returning' })).map((m) => m.text)).toEqual(['Welcome back!']);
    expect((await open(server(), widgetId, {})).map((m) => m.text)).toEqual(['Hello!']);
    // A campaign's message wins over either greeting: it is what the visitor saw last.
    const id = await campaign(server(), widgetId, { message: { text: 'Need a hand?' } });
    expect((await open(server(), widgetId, { greeting: 'returning', campaignId: id })).map((m) => m.text)).toEqual(['Need a hand?']);
    // Without a returning greeting set, the usual one.
    await server().request('PATCH', `/v1/widgets/${widgetId}`, { body: { greeting: { returning: '' } } });
    expect((await open(server(), widgetId, { greeting: 'returning' })).map((m) => m.text)).toEqual(['Hello!']);
  });

  it('refuses a malformed campaignId or greeting with the field named', async () => {
    const { widgetId } = await createBotAndWidget(server());
    for (const [body, field] of [
      [{ campaignId: 42 }, 'campaignId'],
      [{ campaignId: 'x'.repeat(65) }, 'campaignId'],
      [{ greeting: 'first' }, 'greeting'],
    ] as const) {
      const answer = await server().request('POST', `/v1/widgets/${widgetId}/sessions`, { auth: 'none', body });
      expect(answer.status).toBe(400);
      expect(answer.json.error).toMatchObject({ code: 'PARLEY_ERR_REQUEST_VALIDATION', field });
    }
  });
});
