import { createHmac } from 'node:crypto';
import { expect, it } from 'vitest';
import { createAgent, type TestAgent } from '../testing/agent-fixtures.js';
import { createBotAndWidget } from '../testing/fixtures.js';
import { describeEachStore, type TestServer } from '../testing/test-server.js';

interface Visitor {
  readonly token: string;
  readonly conversationId: string;
}

const as = (agent: TestAgent) => ({ auth: 'none', headers: { cookie: agent.cookie } }) as const;

async function settle(server: TestServer): Promise<void> {
  await server.services.botTurns.idle();
  await server.services.desk.idle();
}

async function team(server: TestServer, name: string, agentIds: string[] = []): Promise<string> {
  const created = await server.request('POST', '/v1/teams', {
    body: { name: `${name} ${Math.random().toString(36).slice(2, 7)}`, agentIds },
  });
  if (created.status !== 201) throw new Error(created.body);
  return created.json.id;
}

async function open(server: TestServer, widgetId: string, body: Record<string, unknown> = {}): Promise<Visitor> {
  const created = await server.request('POST', `/v1/widgets/${widgetId}/sessions`, { auth: 'none', body });
  if (created.status !== 201) throw new Error(created.body);
  return { token: created.json.token, conversationId: created.json.conversationId };
}

async function say(server: TestServer, v: Visitor, text: string): Promise<void> {
  const sent = await server.request('POST', `/v1/conversations/${v.conversationId}/messages`, { auth: v.token, body: { text } });
  if (sent.status !== 201) throw new Error(sent.body);
  await settle(server);
}

async function inbox(server: TestServer, conversationId: string) {
  const [item, activity] = await Promise.all([
    server.request('GET', `/v1/inbox/${conversationId}`),
    server.request('GET', `/v1/inbox/${conversationId}/activity`),
  ]);
  return { conversation: item.json.conversation, activity: activity.json.items as { kind: string; team: unknown; rule?: unknown }[] };
}

async function authors(server: TestServer, v: Visitor): Promise<string[]> {
  const listed = await server.request('GET', `/v1/conversations/${v.conversationId}/messages`, { auth: v.token });
  return (listed.json.items as { author: { role: string } }[]).map((m) => m.author.role);
}

describeEachStore('widget routing rules', (server) => {
  it('applies the first matching rule on the first visitor message: team, priority and a timeline line; the bot still answers', async () => {
    const billing = await team(server(), 'Billing');
    const { widgetId } = await createBotAndWidget(server(), {
      routingRules: [
        { name: 'vip', conditions: { attributes: { plan: 'vip' } }, action: { priority: 'urgent' } },
        { name: 'refunds', conditions: { textContains: ['refund', 'money back'] }, action: { teamId: billing, priority: 'high' } },
        { name: 'everyone', conditions: {}, action: { priority: 'low' } },
      ],
    });
    const v = await open(server(), widgetId, { meta: { plan: 'free' } });
    await say(server(), v, 'I want a REFUND please');
    const seen = await inbox(server(), v.conversationId);
    expect(seen.conversation).toMatchObject({ teamId: billing, priority: 'high', owner: 'bot' });
    const routed = seen.activity.filter((line) => line.kind === 'routed');
    expect(routed).toEqual([
      expect.objectContaining({
        team: { id: billing, name: expect.stringMatching(/^Billing/) },
        rule: { name: 'refunds', priority: 'high', handTo: 'bot' },
      }),
    ]);
    expect(await authors(server(), v)).toContain('bot');
    // Only the first visitor message routes: a later one that would match another rule changes nothing.
    await say(server(), v, 'something else');
    const later = await inbox(server(), v.conversationId);
    expect(later.conversation.priority).toBe('high');
    expect(later.activity.filter((line) => line.kind === 'routed')).toHaveLength(1);
    const filtered = await server().request('GET', `/v1/inbox?priority=high&widgetId=${widgetId}`);
    expect(filtered.json.items.map((i: { conversation: { id: string } }) => i.conversation.id)).toEqual([v.conversationId]);
  });

  it('looks at attributes, the page URL, the language and whether the visitor is identified', async () => {
    const { widgetId } = await createBotAndWidget(server(), {
      // The conversation's language is one the widget offers.
      languages: ['pt'],
      routingRules: [
        { name: 'vip', conditions: { attributes: { plan: 'vip' } }, action: { priority: 'urgent' } },
        { name: 'pricing in portuguese', conditions: { urlContains: '/pricing', language: ['pt'] }, action: { priority: 'high' } },
        { name: 'known customers', conditions: { identified: true, urlMatches: '^https://shop\\.' }, action: { priority: 'low' } },
      ],
    });
    const vip = await open(server(), widgetId, { meta: { plan: 'vip' } });
    await say(server(), vip, 'hello');
    expect((await inbox(server(), vip.conversationId)).conversation.priority).toBe('urgent');

    const pricing = await open(server(), widgetId, { language: 'pt-BR', meta: { pageUrl: 'https://example.com/pricing?x=1' } });
    await say(server(), pricing, 'olá');
    expect((await inbox(server(), pricing.conversationId)).conversation.priority).toBe('high');

    const secret = (await server().request('GET', `/v1/widgets/${widgetId}/identity-secret`)).json.identitySecret as string;
    const userId = `user-${Math.random().toString(36).slice(2)}`;
    const identity = { userId, userHash: createHmac('sha256', secret).update(userId).digest('hex') };
    const known = await open(server(), widgetId, { identity, meta: { pageUrl: 'https://shop.example.com/' } });
    await say(server(), known, 'hi');
    expect((await inbox(server(), known.conversationId)).conversation.priority).toBe('low');

    const anonymous = await open(server(), widgetId, { meta: { pageUrl: 'https://shop.example.com/' } });
    await say(server(), anonymous, 'hi');
    const none = await inbox(server(), anonymous.conversationId);
    expect(none.conversation.priority).toBe('normal');
    expect(none.activity.filter((line) => line.kind === 'routed')).toEqual([]);
  });

  it('hands straight to a human in the rule’s team, skipping the bot, with the usual line for the visitor', async () => {
    const agent = await createAgent(server(), { capacity: 5 });
    const urgent = await team(server(), 'Urgent', [agent.id]);
    await server().request('PATCH', '/v1/agents/me', { ...as(agent), body: { status: 'online' } });
    const { widgetId } = await createBotAndWidget(server(), {
      routingRules: [{ name: 'outage', conditions: { textMatches: '\\b(down|outage)\\b' }, action: { teamId: urgent, handTo: 'human' } }],
    });
    const v = await open(server(), widgetId);
    await say(server(), v, 'Your site is DOWN');
    const seen = await inbox(server(), v.conversationId);
    expect(seen.conversation).toMatchObject({ owner: 'human', teamId: urgent, assignee: { id: agent.id } });
    expect(seen.activity.map((line) => line.kind)).toEqual(['routed', 'assigned']);
    const listed = await server().request('GET', `/v1/conversations/${v.conversationId}/messages`, { auth: v.token });
    const after = (listed.json.items as { author: { role: string }; type: string; payload: { reason?: string } | null }[]).slice(-2);
    expect(after.map((m) => m.author.role)).toEqual(['visitor', 'system']);
    expect(after[1]?.payload).toMatchObject({ event: 'handoff', reason: 'routing_rule' });
    await server().request('PATCH', '/v1/agents/me', { ...as(agent), body: { status: 'offline' } });
    await server().request('POST', `/v1/inbox/${v.conversationId}/resolve`, { body: {} });
    await settle(server());
  });

  it('dry-runs the saved rules or rules given in the body, business hours included, and stores nothing', async () => {
    const { widgetId } = await createBotAndWidget(server(), {
      businessHours: { timezone: 'UTC', hours: [{ days: ['mon', 'tue', 'wed', 'thu', 'fri'], from: '09:00', to: '17:00' }] },
      routingRules: [
        { name: 'night', conditions: { businessHours: 'outside' }, action: { handTo: 'bot' } },
        { name: 'refunds', conditions: { textContains: ['refund'] }, action: { priority: 'high', handTo: 'human' } },
      ],
    });
    const test = (body: Record<string, unknown>) => server().request('POST', `/v1/widgets/${widgetId}/routing/test`, { body });
    const monday10 = '2030-01-07T10:00:00.000Z';
    expect((await test({ text: 'a refund', at: '2030-01-06T10:00:00.000Z' })).json).toEqual({
      match: { index: 0, name: 'night', action: { handTo: 'bot' } },
    });
    expect((await test({ text: 'a refund', at: monday10 })).json.match).toMatchObject({ index: 1, name: 'refunds' });
    expect((await test({ text: 'hello', at: monday10 })).json).toEqual({ match: null });
    const unsaved = await test({
      text: 'hello',
      language: 'de-AT',
      rules: [{ name: 'german', conditions: { language: ['de'], identified: false }, action: { priority: 'low' } }],
    });
    expect(unsaved.json.match).toMatchObject({ index: 0, name: 'german', action: { priority: 'low' } });
    const invalid = await test({ text: 'x', rules: [{ name: 'bad', conditions: { textMatches: '(a|b' }, action: {} }] });
    expect(invalid.status).toBe(400);
    expect(invalid.json.error).toMatchObject({ code: 'PARLEY_ERR_REQUEST_VALIDATION', field: 'rules.0.conditions.textMatches' });
  });

  it('refuses a rule whose regex is invalid or could run for ever, or whose team does not exist, naming the field and saying why', async () => {
    const { widgetId } = await createBotAndWidget(server());
    const patch = (pattern: string) =>
      server().request('PATCH', `/v1/widgets/${widgetId}`, {
        body: { routingRules: [{ name: 'r', conditions: { textMatches: pattern }, action: { priority: 'high' } }] },
      });
    const broken = await patch('(refund');
    expect(broken.status).toBe(400);
    expect(broken.json.error).toMatchObject({ code: 'PARLEY_ERR_REQUEST_VALIDATION', field: 'routingRules.0.conditions.textMatches' });
    expect(broken.json.error.message).toMatch(/must be a valid regular expression/);
    const slow = await patch('(a+)+$');
    expect(slow.status).toBe(400);
    expect(slow.json.error.message).toMatch(/must not repeat a group that holds a repetition/);
    expect((await patch('refund|money back')).status).toBe(200);
    const unknownTeam = await server().request('PATCH', `/v1/widgets/${widgetId}`, {
      body: { routingRules: [{ name: 'r', conditions: {}, action: { teamId: 'team_01J0000000000000000000000' } }] },
    });
    expect(unknownTeam.json.error).toMatchObject({ code: 'PARLEY_ERR_REQUEST_UNKNOWN_REFERENCE', field: 'routingRules.0.action.teamId' });
  });
});
