import { expect, it } from 'vitest';
import { createAgent } from '../testing/agent-fixtures.js';
import { createBotAndWidget, insertConversation } from '../testing/fixtures.js';
import { describeEachStore, type TestServer } from '../testing/test-server.js';
import { REPLY_TIME_MIN_SAMPLES, ReplyTimes } from './reply-time.js';

const DAY = 86_400_000;
const NOW = Date.parse('2030-03-20T12:00:00Z');

/**
 * Seeds the reports' row of a conversation answered by a human: `wall` seconds to the first response, `business` of
 * them within business hours, started `daysAgo` days before NOW, in `teamId`'s hands.
 */
async function answered(
  server: TestServer,
  widgetId: string,
  teamId: string | null,
  daysAgo: number,
  wall: number,
  business = wall,
  now = NOW,
): Promise<void> {
  const at = now - daysAgo * DAY;
  const id = await insertConversation(server, widgetId, at, 'rt');
  await server.services.database.db
    .insertInto('report_conversations')
    .values({
      conversation_id: id,
      widget_id: widgetId,
      team_id: teamId,
      agent_id: null,
      bot_id: null,
      started_at: new Date(at).toISOString(),
      started_bucket: Math.floor(at / 900_000),
      handoff_at: new Date(at).toISOString(),
      first_response_at: new Date(at + wall * 1000).toISOString(),
      first_response_s: wall,
      first_response_bh_s: business,
      resolved_at: null,
      resolution_s: null,
      resolution_bh_s: null,
      last_visitor_at: null,
      rating: null,
      rated_at: null,
      rating_message_id: null,
    })
    .execute();
}

async function team(server: TestServer, name: string): Promise<string> {
  const created = await server.request('POST', '/v1/teams', { body: { name, agentIds: [] } });
  if (created.status !== 201) throw new Error(`team creation failed: ${created.body}`);
  return created.json.id;
}

describeEachStore('expected reply time from the last weeks’ first responses', (server) => {
  it('is the median first response of the team’s last four weeks, business hours only when the widget has them', async () => {
    const { widgetId } = await createBotAndWidget(server());
    const support = await team(server(), 'Support');
    const sales = await team(server(), 'Sales');
    // Support: 10 min, 20 min, 30 min, 2 h, 9 h wall clock (the 9 h one spans a night: 1 h of it in business hours).
    for (const [wall, business] of [
      [600, 600],
      [1200, 1200],
      [1800, 1800],
      [7200, 3600],
      [32_400, 3600],
    ] as const) {
      await answered(server(), widgetId, support, 3, wall, business);
    }
    // Older than four weeks, and another team's: neither counts for Support.
    for (let i = 0; i < 5; i += 1) await answered(server(), widgetId, support, 29, 86_400);
    for (let i = 0; i < 5; i += 1) await answered(server(), widgetId, sales, 2, 60);

    const times = new ReplyTimes(server().services.database.db, () => NOW);
    // Nearest-rank median of five values: the third.
    expect(await times.typicalMs({ widgetId, teamId: support, businessHours: false })).toBe(1_800_000);
    // Business hours: 600, 1200, 1800, 3600, 3600 → 1800 s again; with a sixth slow night the rank moves.
    await answered(server(), widgetId, support, 1, 50_000, 7200);
    const fresh = new ReplyTimes(server().services.database.db, () => NOW);
    expect(await fresh.typicalMs({ widgetId, teamId: support, businessHours: false })).toBe(1_800_000);
    expect(await fresh.typicalMs({ widgetId, teamId: support, businessHours: true })).toBe(1_800_000);
    // Seven values: rank 4 — wall 7200 s, business 3600 s.
    await answered(server(), widgetId, support, 1, 40_000, 3600);
    const later = new ReplyTimes(server().services.database.db, () => NOW);
    expect(await later.typicalMs({ widgetId, teamId: support, businessHours: false })).toBe(7_200_000);
    expect(await later.typicalMs({ widgetId, teamId: support, businessHours: true })).toBe(3_600_000);
    expect(await later.typicalMs({ widgetId, teamId: sales, businessHours: false })).toBe(60_000);
  });

  it('has no figure with fewer first responses than the minimum, and reads a widget without a team by the widget', async () => {
    const { widgetId } = await createBotAndWidget(server());
    const other = (await createBotAndWidget(server())).widgetId;
    for (let i = 1; i < REPLY_TIME_MIN_SAMPLES; i += 1) await answered(server(), widgetId, null, 1, 120);
    for (let i = 0; i < REPLY_TIME_MIN_SAMPLES; i += 1) await answered(server(), other, null, 1, 900);
    const times = new ReplyTimes(server().services.database.db, () => NOW);
    expect(await times.typicalMs({ widgetId, teamId: null, businessHours: false })).toBeNull();
    expect(await times.typicalMs({ widgetId: other, teamId: null, businessHours: false })).toBe(900_000);
  });

  it('serves a computed figure from its cache until it is a few minutes old', async () => {
    const { widgetId } = await createBotAndWidget(server());
    for (let i = 0; i < REPLY_TIME_MIN_SAMPLES; i += 1) await answered(server(), widgetId, null, 1, 300);
    let now = NOW;
    const times = new ReplyTimes(server().services.database.db, () => now, 60_000);
    expect(await times.typicalMs({ widgetId, teamId: null, businessHours: false })).toBe(300_000);
    for (let i = 0; i < 2 * REPLY_TIME_MIN_SAMPLES; i += 1) await answered(server(), widgetId, null, 1, 4000);
    now += 30_000;
    expect(await times.typicalMs({ widgetId, teamId: null, businessHours: false })).toBe(300_000);
    now += 31_000;
    expect(await times.typicalMs({ widgetId, teamId: null, businessHours: false })).toBe(4_000_000);
  });

  it('puts the figure in the presence frame and turns async mode on past the widget’s threshold', async () => {
    const slow = await team(server(), 'Slow');
    const quiet = await team(server(), 'Quiet');
    const agent = await createAgent(server(), { teamIds: [slow, quiet] });
    await server().request('PATCH', '/v1/agents/me', { auth: 'none', headers: { cookie: agent.cookie }, body: { status: 'online' } });
    // The team's history, from another of its widgets: three hours to a first response.
    const other = (await createBotAndWidget(server(), { teamId: slow })).widgetId;
    for (let i = 0; i < REPLY_TIME_MIN_SAMPLES; i += 1) await answered(server(), other, slow, 1, 3 * 3600, 3 * 3600, Date.now());
    const long = (await createBotAndWidget(server(), { teamId: slow, asyncMode: { afterMinutes: 30 } })).widgetId;
    const short = (await createBotAndWidget(server(), { teamId: slow, asyncMode: { afterMinutes: 600 } })).widgetId;
    const off = (await createBotAndWidget(server(), { teamId: slow, asyncMode: { enabled: false } })).widgetId;
    const fresh = (await createBotAndWidget(server(), { teamId: quiet, asyncMode: { afterMinutes: 1 } })).widgetId;
    const frameOf = async (widgetId: string) => {
      const session = await server().request('POST', `/v1/widgets/${widgetId}/sessions`, { auth: 'none', body: {} });
      return server().services.desk.presence.frame(session.json.conversationId);
    };
    expect(await frameOf(long)).toMatchObject({ typicalReplyMs: 3 * 3_600_000, offline: false, asyncMode: true });
    // A visitor who left an email is not asked again (on another device, say): the figure stays, async mode goes.
    const session = await server().request('POST', `/v1/widgets/${long}/sessions`, { auth: 'none', body: {} });
    const left = await server().request('POST', `/v1/conversations/${session.json.conversationId}/contact`, {
      auth: session.json.token,
      body: { email: 'rosa@example.com' },
    });
    expect(left.status, left.body).toBe(200);
    const after = await server().services.desk.presence.frame(session.json.conversationId);
    expect(after).toMatchObject({ typicalReplyMs: 3 * 3_600_000 });
    expect(after.asyncMode).toBeUndefined();
    expect(await frameOf(short)).toMatchObject({ typicalReplyMs: 3 * 3_600_000, offline: false });
    expect((await frameOf(short)).asyncMode).toBeUndefined();
    expect((await frameOf(off)).asyncMode).toBeUndefined();
    // No history: no figure, no async mode.
    const none = await frameOf(fresh);
    expect(none).toMatchObject({ typicalReplyMs: null, offline: false });
    expect(none.asyncMode).toBeUndefined();
  });
});
