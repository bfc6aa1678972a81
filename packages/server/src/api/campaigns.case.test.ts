import { expect, it } from 'vitest';
import { createAgent } from '../testing/agent-fixtures.js';
import { createBotAndWidget } from '../testing/fixtures.js';
import { describeEachStore, type TestServer } from '../testing/test-server.js';

const base = {
  name: 'Pricing nudge',
  message: { text: 'Questions about **plans**?', quickReplies: ['Yes', 'No'] },
  trigger: { kind: 'time_on_page', seconds: 5 },
};

async function create(server: TestServer, widgetId: string, body: Record<string, unknown>) {
  return server.request('POST', `/v1/widgets/${widgetId}/campaigns`, { body });
}

async function publicConfig(server: TestServer, widgetId: string) {
  const answer = await server.request('GET', `/v1/widgets/${widgetId}/config`, { auth: 'none' });
  expect(answer.status).toBe(200);
  return answer.json;
}

describeEachStore('campaigns (proactive messages)', (server) => {
  it('creates a campaign with its defaults, lists, reads, changes and removes it, each change audited', async () => {
    const { widgetId } = await createBotAndWidget(server());
    const created = await create(server(), widgetId, base);
    expect(created.status).toBe(201);
    expect(created.json).toMatchObject({
      object: 'campaign',
      widgetId,
      name: 'Pricing nudge',
      enabled: true,
      priority: 0,
      startsAt: null,
      endsAt: null,
      display: 'peek',
      sender: { kind: 'bot' },
      pages: { include: [], exclude: [] },
      audience: { visitor: 'any', identified: 'any', languages: [], businessHours: 'any', attributes: [] },
      cap: { kind: 'once_per_visitor' },
    });
    const id = created.json.id as string;
    expect(id).toMatch(/^cmp_/);

    const second = await create(server(), widgetId, { ...base, name: 'Exit', priority: 9, trigger: { kind: 'exit_intent' } });
    const listed = await server().request('GET', `/v1/widgets/${widgetId}/campaigns`);
    expect((listed.json.items as { id: string }[]).map((c) => c.id)).toEqual([second.json.id, id]);

    const changed = await server().request('PATCH', `/v1/widgets/${widgetId}/campaigns/${id}`, {
      body: { cap: { kind: 'every_days', days: 3 }, pages: { include: [{ match: 'prefix', value: '/pricing' }] } },
    });
    expect(changed.status).toBe(200);
    expect(changed.json).toMatchObject({
      cap: { kind: 'every_days', days: 3 },
      pages: { include: [{ match: 'prefix', value: '/pricing' }], exclude: [] },
      name: 'Pricing nudge',
    });
    expect((await server().request('GET', `/v1/widgets/${widgetId}/campaigns/${id}`)).json.cap).toEqual({ kind: 'every_days', days: 3 });

    expect((await server().request('DELETE', `/v1/widgets/${widgetId}/campaigns/${id}`)).status).toBe(204);
    const gone = await server().request('GET', `/v1/widgets/${widgetId}/campaigns/${id}`);
    expect(gone.status).toBe(404);
    expect(gone.json.error.code).toBe('PARLEY_ERR_CAMPAIGN_NOT_FOUND');

    const audit = await server().request('GET', `/v1/audit?target=${id}`);
    expect((audit.json.items as { action: string }[]).map((e) => e.action).sort()).toEqual([
      'campaign.created',
      'campaign.deleted',
      'campaign.updated',
    ]);
  });

  it('refuses bad input with clear errors: empty message, unsafe or invalid regex, unknown agent, schedule out of order, unknown widget', async () => {
    const { widgetId } = await createBotAndWidget(server());
    const cases: [Record<string, unknown>, string, string, RegExp][] = [
      [{ ...base, message: { text: '   ' } }, 'PARLEY_ERR_REQUEST_VALIDATION', 'message.text', /must not be empty/],
      [
        { ...base, pages: { include: [{ match: 'regex', value: '(a+)+$' }] } },
        'PARLEY_ERR_REQUEST_VALIDATION',
        'pages.include.0.value',
        /repeat a group/,
      ],
      [
        { ...base, pages: { exclude: [{ match: 'regex', value: '([a-' }] } },
        'PARLEY_ERR_REQUEST_VALIDATION',
        'pages.exclude.0.value',
        /valid JavaScript regular expression/,
      ],
      [
        { ...base, sender: { kind: 'agent', agentId: 'agt_01JZZZZZZZZZZZZZZZZZZZZZZZ' } },
        'PARLEY_ERR_CAMPAIGN_UNKNOWN_AGENT',
        'sender.agentId',
        /No agent/,
      ],
      [
        { ...base, startsAt: '2027-01-02T00:00:00Z', endsAt: '2027-01-01T00:00:00Z' },
        'PARLEY_ERR_REQUEST_VALIDATION',
        'endsAt',
        /must be after startsAt/,
      ],
      [{ ...base, trigger: { kind: 'scroll_depth', percent: 150 } }, 'PARLEY_ERR_REQUEST_VALIDATION', 'trigger.percent', /at most 100/],
      [{ ...base, trigger: { kind: 'hover' } }, 'PARLEY_ERR_REQUEST_VALIDATION', 'trigger.kind', /page_view, time_on_page/],
    ];
    for (const [body, code, field, message] of cases) {
      const refused = await create(server(), widgetId, body);
      expect(refused.status, JSON.stringify(body)).toBe(400);
      expect(refused.json.error).toMatchObject({ code, field });
      expect(refused.json.error.message).toMatch(message);
    }
    const noWidget = await create(server(), 'wgt_01JZZZZZZZZZZZZZZZZZZZZZZZ', base);
    expect(noWidget.status).toBe(404);
    expect(noWidget.json.error.code).toBe('PARLEY_ERR_WIDGET_NOT_FOUND');
    expect((await server().request('GET', `/v1/widgets/${widgetId}/campaigns`)).json.items).toEqual([]);
  });

  it('is for admins only', async () => {
    const { widgetId } = await createBotAndWidget(server());
    const agent = await createAgent(server());
    const refused = await server().request('POST', `/v1/widgets/${widgetId}/campaigns`, { auth: agent.token, body: base });
    expect(refused.status).toBe(403);
  });

  it('the public config carries the enabled, in-schedule campaigns with the agent’s name, and nothing when there are none', async () => {
    const { widgetId } = await createBotAndWidget(server());
    expect((await publicConfig(server(), widgetId)).campaigns).toBeUndefined();
    const agent = await createAgent(server(), { name: 'Ada Lovelace' });
    const live = await create(server(), widgetId, {
      ...base,
      sender: { kind: 'agent', agentId: agent.id },
      audience: { businessHours: 'open' },
    });
    await create(server(), widgetId, { ...base, name: 'Off', enabled: false });
    await create(server(), widgetId, { ...base, name: 'Later', startsAt: '2099-01-01T00:00:00Z' });
    await create(server(), widgetId, { ...base, name: 'Over', endsAt: '2020-01-01T00:00:00Z' });
    const config = await publicConfig(server(), widgetId);
    expect(config.campaigns.items).toHaveLength(1);
    expect(config.campaigns.items[0]).toEqual({
      id: live.json.id,
      priority: 0,
      message: base.message,
      display: 'peek',
      sender: { kind: 'agent', name: 'Ada Lovelace' },
      trigger: base.trigger,
      pages: { include: [], exclude: [] },
      audience: { visitor: 'any', identified: 'any', languages: [], businessHours: 'open', attributes: [] },
      cap: { kind: 'once_per_visitor' },
    });
    // The audience asks open or closed: the widget's business hours travel along (none set: null, always open).
    expect(config.campaigns.businessHours).toBeNull();
    expect(JSON.stringify(config.campaigns)).not.toContain(agent.id);
    // An end travels along, so a page holding the config stops the campaign on time.
    const ending = await create(server(), widgetId, { ...base, name: 'Ending', endsAt: '2099-01-01T00:00:00Z', priority: 3 });
    expect((await publicConfig(server(), widgetId)).campaigns.items[0]).toMatchObject({
      id: ending.json.id,
      endsAt: '2099-01-01T00:00:00.000Z',
    });
    await server().request('DELETE', `/v1/widgets/${widgetId}/campaigns/${ending.json.id}`);
    expect(JSON.stringify(config.campaigns)).not.toContain('Pricing nudge');

    await server().request('PATCH', `/v1/widgets/${widgetId}/campaigns/${live.json.id}`, { body: { enabled: false } });
    expect((await publicConfig(server(), widgetId)).campaigns).toBeUndefined();
  });

  it('carries the returning visitors’ greeting (greeting.returning) in the campaigns block, campaigns or not', async () => {
    const { widgetId } = await createBotAndWidget(server(), { initial: 'Hello!', greeting: { returning: 'Welcome back!' } });
    const config = await publicConfig(server(), widgetId);
    expect(config.campaigns).toEqual({ items: [], returningGreeting: 'Welcome back!' });
    expect(config.strings.initial).toBe('Hello!');
    await server().request('PATCH', `/v1/widgets/${widgetId}`, { body: { greeting: { returning: '' } } });
    expect((await publicConfig(server(), widgetId)).campaigns).toBeUndefined();
  });

  it('counts shown, opened and replied beacons into the campaigns report, refusing another widget’s campaign', async () => {
    const { widgetId } = await createBotAndWidget(server());
    const other = await createBotAndWidget(server());
    const a = await create(server(), widgetId, base);
    const b = await create(server(), widgetId, { ...base, name: 'Never shown' });
    const beacon = (widget: string, body: unknown, asText = false) =>
      server().request('POST', `/v1/widgets/${widget}/events`, {
        auth: 'none',
        ...(asText ? { rawBody: JSON.stringify(body), headers: { 'content-type': 'text/plain' } } : { body }),
      });
    for (const type of [
      'campaign_shown',
      'campaign_shown',
      'campaign_shown',
      'campaign_shown',
      'campaign_opened',
      'campaign_opened',
      'campaign_replied',
    ]) {
      expect((await beacon(widgetId, { type, campaign: a.json.id }, type === 'campaign_shown')).status).toBe(204);
    }
    const foreign = await beacon(other.widgetId, { type: 'campaign_shown', campaign: a.json.id });
    expect(foreign.status).toBe(404);
    expect(foreign.json.error.code).toBe('PARLEY_ERR_CAMPAIGN_NOT_FOUND');
    const bad = await beacon(widgetId, { type: 'campaign_clicked', campaign: a.json.id });
    expect(bad.status).toBe(400);

    const today = new Date().toISOString().slice(0, 10);
    const report = await server().request('GET', `/v1/reports/campaigns?from=${today}&to=${today}&widgetId=${widgetId}`);
    expect(report.status).toBe(200);
    expect(report.json.items).toEqual([
      { campaignId: a.json.id, widgetId, name: 'Pricing nudge', shown: 4, opened: 2, replied: 1, replyRate: 0.25 },
      { campaignId: b.json.id, widgetId, name: 'Never shown', shown: 0, opened: 0, replied: 0, replyRate: null },
    ]);
    const csv = await server().request('GET', `/v1/reports/campaigns?from=${today}&to=${today}&widgetId=${widgetId}&format=csv`);
    expect(String(csv.headers['content-type'])).toContain('text/csv');
    expect(csv.headers['content-disposition']).toBe(`attachment; filename="parley-campaigns-${today}-${today}.csv"`);
    expect(csv.body.trim().split(/\r?\n/)).toEqual([
      'campaign_id,widget_id,name,shown,opened,replied,reply_rate',
      `${a.json.id},${widgetId},Pricing nudge,4,2,1,0.25`,
      `${b.json.id},${widgetId},Never shown,0,0,0,`,
    ]);
    const yesterday = new Date(Date.now() - 2 * 86_400_000).toISOString().slice(0, 10);
    const before = await server().request('GET', `/v1/reports/campaigns?from=${yesterday}&to=${yesterday}&widgetId=${widgetId}`);
    expect((before.json.items as { shown: number }[]).map((r) => r.shown)).toEqual([0, 0]);

    // Counts go with their campaign.
    await server().request('DELETE', `/v1/widgets/${widgetId}/campaigns/${a.json.id}`);
    const after = await server().request('GET', `/v1/reports/campaigns?from=${today}&to=${today}&widgetId=${widgetId}`);
    expect((after.json.items as { campaignId: string }[]).map((r) => r.campaignId)).toEqual([b.json.id]);
  });
});
