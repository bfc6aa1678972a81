import { expect, it } from 'vitest';
import type { ConversationOwner, Message } from '@parley/protocol';
import { createAgent } from '../testing/agent-fixtures.js';
import { createBotAndWidget, insertConversation } from '../testing/fixtures.js';
import { describeEachStore, type TestServer } from '../testing/test-server.js';
import { botState, type OwnershipState } from '../engine/ownership-state.js';

const MINUTE = 60_000;
/** Tuesday 2026-03-03 09:00 in Asia/Kolkata (UTC+5:30). */
const T0 = Date.parse('2026-03-03T03:30:00Z');
const iso = (ms: number): string => new Date(ms).toISOString();
const WEEK = 'from=2026-03-02&to=2026-03-08';

interface Scenario {
  readonly widgetId: string;
  readonly teamId: string;
  readonly agentA: string;
  readonly agentB: string;
  readonly conversations: readonly string[];
}

/**
 * The hand-built scenario of known answers: 10 conversations started an hour apart from 09:00 to 18:00
 * (Kolkata) on one Tuesday; 0–3 resolved by the bot alone (3 reopened and resolved again), 4–9 handed
 * to a human: 4–8 answered 60, 120, 180, 240 and 600 s after the handoff and resolved 20–60 min after
 * the start, 9 never answered (its visitor gone). The widget's business hours are 09:00–17:00
 * weekdays, so conversation 8 (from 17:00) is answered and resolved outside them. Six ratings, two commented.
 */
async function scenario(server: TestServer): Promise<Scenario> {
  const { widgetId } = await createBotAndWidget(server, {
    businessHours: { timezone: 'Asia/Kolkata', hours: [{ days: ['mon', 'tue', 'wed', 'thu', 'fri'], from: '09:00', to: '17:00' }] },
  });
  const team = await server.request('POST', '/v1/teams', { body: { name: `Sales ${Math.random()}` } });
  expect(team.status).toBe(201);
  const agentA = await createAgent(server, { name: 'Ann' });
  const agentB = await createAgent(server, { name: 'Bob' });
  const { db } = server.services.database;
  const reports = server.services.engine.reports;
  const conversations: string[] = [];
  const message = (
    conversationId: string,
    at: number,
    role: Message['author']['role'],
    authorId: string,
    extra: Partial<Message> = {},
  ): Message => ({
    id: `msg_${String(at).padStart(26, '0')}`.slice(0, 30),
    conversationId,
    seq: 1,
    author: { role, id: authorId, name: role },
    type: 'text',
    text: 'words that reports never store',
    payload: null,
    clientId: null,
    createdAt: iso(at),
    ...extra,
  });
  const change = (state: OwnershipState, owner: ConversationOwner, at: number, changes: Partial<OwnershipState> = {}): OwnershipState => {
    const next: OwnershipState = { ...state, owner, ...changes };
    reports.ownershipChanged(state, next, owner === 'resolved' ? 'resolve' : owner === 'queued' ? 'handoff' : 'assign', iso(at));
    return next;
  };
  const rate = async (conversationId: string, at: number, score: number, comment: string | null): Promise<void> => {
    const id = `msg_RATING${conversations.length}${conversationId.slice(-20)}`.slice(0, 30);
    const payload = JSON.stringify({ event: 'rating', score, comment });
    await db
      .insertInto('messages')
      .values({
        id,
        conversation_id: conversationId,
        seq: 99,
        author_role: 'visitor',
        author_id: conversationId,
        author_name: 'Visitor',
        type: 'event',
        text: 'rated',
        payload,
        client_id: null,
        created_at: iso(at),
      })
      .execute();
    reports.messagesStored([
      message(conversationId, at, 'visitor', conversationId, { id, type: 'event', payload: { event: 'rating', score, comment } }),
    ]);
  };
  const answers = [60, 120, 180, 240, 600];
  const ratings: Readonly<Record<number, readonly [number, string | null]>> = {
    0: [5, null],
    1: [5, null],
    2: [4, null],
    4: [3, null],
    5: [1, '=Too slow'],
    6: [5, 'Great, "thanks"'],
  };
  for (let i = 0; i < 10; i += 1) {
    const start = T0 + i * 60 * MINUTE;
    const id = await insertConversation(server, widgetId, start, `${'0'.repeat(16)}SCEN${String(i).padStart(2, '0')}`);
    conversations.push(id);
    reports.record({ type: 'session_started', conversationId: id, at: iso(start) });
    reports.messagesStored([message(id, start + MINUTE, 'visitor', id)]);
    let state = botState(id);
    if (i < 4) {
      reports.messagesStored([message(id, start + MINUTE + 1000, 'bot', 'bot_x')]);
      state = change(state, 'resolved', start + 10 * MINUTE);
      if (i === 3) {
        state = change(state, 'bot', start + 15 * MINUTE);
        change(state, 'resolved', start + 16 * MINUTE);
      }
    } else {
      const handoff = start + 2 * MINUTE;
      state = change(state, 'queued', handoff, i <= 6 ? { teamId: team.json.id } : {});
      const answer = answers[i - 4];
      if (answer === undefined) {
        reports.messagesStored([message(id, start + 3 * MINUTE, 'visitor', id)]);
      } else {
        const agent = i === 8 ? agentB.id : agentA.id;
        state = change(state, 'human', handoff + answer * 1000, { assigneeId: agent });
        reports.messagesStored([message(id, handoff + answer * 1000, 'agent', agent)]);
        change(state, 'resolved', start + (20 + (i - 4) * 10) * MINUTE);
      }
    }
    const rating = ratings[i];
    if (rating !== undefined) await rate(id, start + 70 * MINUTE, rating[0], rating[1]);
  }
  return { widgetId, teamId: team.json.id, agentA: agentA.id, agentB: agentB.id, conversations };
}

describeEachStore('reports', (server) => {
  let known: Scenario | undefined;
  const given = async (): Promise<Scenario> => {
    known ??= await scenario(server());
    return known;
  };
  const get = async (path: string, auth?: string) => server().request('GET', path, auth === undefined ? {} : { auth });

  it('counts conversations, the bot’s share, messages and the missed ones, per day of the asked zone', async () => {
    const { widgetId } = await given();
    const response = await get(`/v1/reports/summary?${WEEK}&timeZone=Asia/Kolkata&widgetId=${widgetId}`);
    expect(response.status).toBe(200);
    const report = response.json;
    expect(report).toMatchObject({
      object: 'report.summary',
      conversations: 10,
      resolvedByBot: 4,
      handedToHuman: 6,
      withBotOnly: 0,
      resolved: 9,
      reopened: 1,
      unanswered: 1,
      abandoned: 1,
      visitorMessages: 11,
      botMessages: 4,
      agentMessages: 5,
      messages: 20,
      period: {
        from: '2026-03-02',
        to: '2026-03-08',
        timeZone: 'Asia/Kolkata',
        start: '2026-03-01T18:30:00.000Z',
        end: '2026-03-08T18:30:00.000Z',
        widgetId,
      },
    });
    expect(report.days.map((d: { date: string }) => d.date)).toEqual([
      '2026-03-02',
      '2026-03-03',
      '2026-03-04',
      '2026-03-05',
      '2026-03-06',
      '2026-03-07',
      '2026-03-08',
    ]);
    expect(report.days[1]).toEqual({ date: '2026-03-03', conversations: 10, resolvedByBot: 4, handedToHuman: 6, messages: 20 });
    expect(report.days[0]).toEqual({ date: '2026-03-02', conversations: 0, resolvedByBot: 0, handedToHuman: 0, messages: 0 });

    const csv = await get(`/v1/reports/summary?${WEEK}&timeZone=Asia/Kolkata&widgetId=${widgetId}&format=csv`);
    expect(csv.headers['content-type']).toBe('text/csv; charset=utf-8');
    expect(csv.headers['content-disposition']).toBe('attachment; filename="parley-summary-2026-03-02-2026-03-08.csv"');
    expect(csv.body.split('\r\n')).toEqual([
      'date,conversations,resolved_by_bot,handed_to_human,messages',
      '2026-03-02,0,0,0,0',
      '2026-03-03,10,4,6,20',
      '2026-03-04,0,0,0,0',
      '2026-03-05,0,0,0,0',
      '2026-03-06,0,0,0,0',
      '2026-03-07,0,0,0,0',
      '2026-03-08,0,0,0,0',
      'total,10,4,6,20',
      '',
    ]);
  });

  it('gives exact medians and p90 of first response and resolution, on the clock and within business hours', async () => {
    const { widgetId } = await given();
    const report = (await get(`/v1/reports/response-times?${WEEK}&timeZone=Asia/Kolkata&widgetId=${widgetId}`)).json;
    expect(report.firstResponse).toEqual({
      wallClock: { count: 5, medianSeconds: 180, p90Seconds: 600, averageSeconds: 240 },
      // Conversation 8 is answered after 17:00: none of its wait counts.
      businessHours: { count: 5, medianSeconds: 120, p90Seconds: 240, averageSeconds: 120 },
    });
    expect(report.resolution).toEqual({
      wallClock: { count: 9, medianSeconds: 1200, p90Seconds: 3600, averageSeconds: 1600 },
      businessHours: { count: 9, medianSeconds: 600, p90Seconds: 3000, averageSeconds: 1200 },
    });
    const csv = (await get(`/v1/reports/response-times?${WEEK}&timeZone=Asia/Kolkata&widgetId=${widgetId}&format=csv`)).body;
    expect(csv).toContain('first_response,wall_clock,5,180,600,240\r\n');
  });

  it('gives the same exact figures in a whole-hour zone, where they are read from the rollups', async () => {
    const { widgetId } = await given();
    const kolkata = (await get(`/v1/reports/response-times?${WEEK}&timeZone=Asia/Kolkata&widgetId=${widgetId}`)).json;
    const utc = (await get(`/v1/reports/response-times?${WEEK}&timeZone=UTC&widgetId=${widgetId}`)).json;
    expect(utc.firstResponse).toEqual(kolkata.firstResponse);
    expect(utc.resolution).toEqual(kolkata.resolution);
    expect(utc.firstResponse.businessHours).toEqual({ count: 5, medianSeconds: 120, p90Seconds: 240, averageSeconds: 120 });
    const summary = (await get(`/v1/reports/summary?${WEEK}&timeZone=UTC&widgetId=${widgetId}`)).json;
    expect(summary).toMatchObject({ conversations: 10, resolvedByBot: 4, handedToHuman: 6, resolved: 9, reopened: 1, messages: 20 });
    expect(summary.days[1]).toEqual({ date: '2026-03-03', conversations: 10, resolvedByBot: 4, handedToHuman: 6, messages: 20 });
  });

  it('narrows to an agent or a team', async () => {
    const { widgetId, agentA, agentB, teamId } = await given();
    const a = (await get(`/v1/reports/response-times?${WEEK}&widgetId=${widgetId}&agentId=${agentA}`)).json;
    expect(a.firstResponse.wallClock).toEqual({ count: 4, medianSeconds: 120, p90Seconds: 240, averageSeconds: 150 });
    const b = (await get(`/v1/reports/summary?${WEEK}&agentId=${agentB}`)).json;
    expect(b).toMatchObject({ conversations: 1, handedToHuman: 1, resolved: 1 });
    const team = (await get(`/v1/reports/summary?${WEEK}&teamId=${teamId}`)).json;
    expect(team).toMatchObject({ conversations: 3, handedToHuman: 3 });
  });

  it('reports CSAT: average, the 1–5 distribution and the comments, paged', async () => {
    const { widgetId } = await given();
    const report = (await get(`/v1/reports/csat?${WEEK}&widgetId=${widgetId}`)).json;
    expect(report).toMatchObject({
      count: 6,
      average: 3.83,
      withComment: 2,
      distribution: [
        { score: 1, count: 1 },
        { score: 2, count: 0 },
        { score: 3, count: 1 },
        { score: 4, count: 1 },
        { score: 5, count: 3 },
      ],
    });
    const first = (await get(`/v1/reports/csat/comments?${WEEK}&widgetId=${widgetId}&take=1`)).json;
    expect(first.items).toHaveLength(1);
    expect(first.items[0]).toMatchObject({ score: 5, comment: 'Great, "thanks"' });
    const second = (await get(`/v1/reports/csat/comments?${WEEK}&widgetId=${widgetId}&take=1&cursor=${first.nextCursor}`)).json;
    expect(second.items[0]).toMatchObject({ score: 1, comment: '=Too slow' });
    expect(second.nextCursor).toBeNull();
    const csv = (await get(`/v1/reports/csat/comments?${WEEK}&widgetId=${widgetId}&format=csv`)).body.split('\r\n');
    expect(csv[0]).toBe('rated_at,conversation_id,widget_id,score,comment');
    expect(csv[1]).toMatch(/,5,"Great, ""thanks"""$/);
    // A spreadsheet must not run a visitor's text as a formula.
    expect(csv[2]).toMatch(/,1,'=Too slow$/);
    expect((await get(`/v1/reports/csat?${WEEK}&widgetId=${widgetId}&format=csv`)).body).toBe(
      'score,count\r\n1,1\r\n2,0\r\n3,1\r\n4,1\r\n5,3\r\n',
    );
  });

  it('maps the busiest hours to the weekday and hour of the asked zone', async () => {
    const { widgetId } = await given();
    const kolkata = (await get(`/v1/reports/busiest-hours?${WEEK}&timeZone=Asia/Kolkata&widgetId=${widgetId}`)).json;
    expect(kolkata.total).toBe(10);
    expect(kolkata.max).toBe(1);
    expect(kolkata.cells[1]).toEqual(Array.from({ length: 24 }, (_, h) => (h >= 9 && h <= 18 ? 1 : 0)));
    expect(
      kolkata.cells
        .filter((_: number[], day: number) => day !== 1)
        .flat()
        .every((n: number) => n === 0),
    ).toBe(true);
    const utc = (await get(`/v1/reports/busiest-hours?${WEEK}&widgetId=${widgetId}`)).json;
    expect(utc.cells[1]).toEqual(Array.from({ length: 24 }, (_, h) => (h >= 3 && h <= 12 ? 1 : 0)));
    const csv = (await get(`/v1/reports/busiest-hours?${WEEK}&timeZone=Asia/Kolkata&widgetId=${widgetId}&format=csv`)).body.split('\r\n');
    expect(csv[0]?.startsWith('weekday,h00,h01')).toBe(true);
    expect(csv[2]).toBe(`tue,${Array.from({ length: 24 }, (_, h) => (h >= 9 && h <= 18 ? 1 : 0)).join(',')}`);
  });

  it('lists the unanswered and abandoned conversations', async () => {
    const { widgetId, conversations } = await given();
    for (const kind of ['unanswered', 'abandoned']) {
      const page = (await get(`/v1/reports/${kind}?${WEEK}&widgetId=${widgetId}`)).json;
      expect(page.object).toBe(`report.${kind}`);
      expect(page.items).toEqual([
        {
          conversationId: conversations[9],
          widgetId,
          teamId: null,
          startedAt: iso(T0 + 9 * 60 * MINUTE),
          handoffAt: iso(T0 + 9 * 60 * MINUTE + 2 * MINUTE),
          lastVisitorMessageAt: iso(T0 + 9 * 60 * MINUTE + 3 * MINUTE),
          resolvedAt: null,
          abandoned: true,
        },
      ]);
    }
    const csv = (await get(`/v1/reports/unanswered?${WEEK}&widgetId=${widgetId}&format=csv`)).body.split('\r\n');
    expect(csv[0]).toBe('conversation_id,widget_id,team_id,started_at,handoff_at,last_visitor_message_at,resolved_at,abandoned');
    expect(csv[1]?.startsWith(`${conversations[9]},${widgetId},,`)).toBe(true);
  });

  it('records a real conversation: the session, messages, the handoff by a reply, the resolution and the rating', async () => {
    const { widgetId } = await createBotAndWidget(server(), { name: 'Live' });
    const agent = await createAgent(server());
    const session = await server().request('POST', `/v1/widgets/${widgetId}/sessions`, {
      auth: 'none',
      body: { messages: [{ type: 'user', text: 'What is the price?' }] },
    });
    expect(session.status).toBe(201);
    const { token, conversationId } = session.json;
    await server().services.botTurns.idle();
    const reply = await server().request('POST', `/v1/inbox/${conversationId}/messages`, {
      auth: agent.token,
      body: { text: 'Hello, I am here' },
    });
    expect(reply.status).toBe(201);
    expect((await server().request('POST', `/v1/inbox/${conversationId}/resolve`, { body: {} })).status).toBe(200);
    const rated = await server().request('POST', `/v1/conversations/${conversationId}/rating`, {
      auth: token,
      body: { score: 4, comment: 'ok' },
    });
    expect(rated.status).toBe(201);
    const today = new Date().toISOString().slice(0, 10);
    const summary = (await get(`/v1/reports/summary?from=${today}&to=${today}&widgetId=${widgetId}`)).json;
    expect(summary).toMatchObject({
      conversations: 1,
      handedToHuman: 1,
      resolvedByBot: 0,
      resolved: 1,
      visitorMessages: 1,
      agentMessages: 1,
      unanswered: 0,
    });
    const mine = (await get(`/v1/reports/summary?from=${today}&to=${today}&agentId=${agent.id}`)).json;
    expect(mine).toMatchObject({ conversations: 1, agentMessages: 1 });
    const times = (await get(`/v1/reports/response-times?from=${today}&to=${today}&widgetId=${widgetId}`)).json;
    expect(times.firstResponse.wallClock.count).toBe(1);
    expect(times.resolution.wallClock.count).toBe(1);
    expect((await get(`/v1/reports/csat?from=${today}&to=${today}&widgetId=${widgetId}`)).json).toMatchObject({
      count: 1,
      average: 4,
      withComment: 1,
    });

    // The events hold references and numbers only, never the words.
    const events = await server()
      .services.database.db.selectFrom('events')
      .selectAll()
      .where('conversation_id', '=', conversationId)
      .orderBy('id')
      .execute();
    expect([...new Set(events.map((e) => e.type))].sort()).toEqual(
      [
        'agent_message',
        'bot_answered',
        'first_human_response',
        'handoff_asked',
        'rated',
        'resolved',
        'session_started',
        'visitor_message',
      ].sort(),
    );
    expect(summary.botMessages).toBe(events.filter((e) => e.type === 'bot_answered').length);
    expect(events.filter((e) => e.type !== 'bot_answered').length).toBe(7);
    expect(JSON.stringify(events)).not.toMatch(/price|Hello|ok"/);
    expect(events.find((e) => e.type === 'rated')?.value).toBe(4);
    expect(events.find((e) => e.type === 'agent_message')?.agent_id).toBe(agent.id);
    // Erasure-safe: deleting the conversation takes its events and its figures with it.
    await server().services.database.db.deleteFrom('conversations').where('id', '=', conversationId).execute();
    expect(
      await server().services.database.db.selectFrom('events').select('id').where('conversation_id', '=', conversationId).execute(),
    ).toEqual([]);
    expect((await get(`/v1/reports/summary?from=${today}&to=${today}&widgetId=${widgetId}`)).json.conversations).toBe(0);
  });

  it('counts the widget’s beacons, from allowed origins only, JSON or text/plain', async () => {
    const { widgetId } = await createBotAndWidget(server(), { origin: ['https://shop.example'] });
    const beacon = (body: string, headers: Record<string, string>) =>
      server().request('POST', `/v1/widgets/${widgetId}/events`, { auth: 'none', rawBody: body, headers });
    expect((await beacon('{"type":"widget_loaded"}', { origin: 'https://shop.example', 'content-type': 'application/json' })).status).toBe(
      204,
    );
    expect(
      (await beacon('{"type":"widget_opened"}', { origin: 'https://shop.example', 'content-type': 'text/plain;charset=UTF-8' })).status,
    ).toBe(204);
    expect((await beacon('{"type":"widget_loaded"}', { origin: 'https://evil.example', 'content-type': 'text/plain' })).status).toBe(403);
    expect((await beacon('{"type":"widget_loaded"}', { 'content-type': 'text/plain' })).status).toBe(403);
    const bad = await beacon('{"type":"visitor_message"}', { origin: 'https://shop.example', 'content-type': 'text/plain' });
    expect(bad.status).toBe(400);
    expect(bad.json.error).toMatchObject({ code: 'PARLEY_ERR_REQUEST_VALIDATION', field: 'type' });
    expect((await beacon('not json', { origin: 'https://shop.example', 'content-type': 'text/plain' })).json.error.code).toBe(
      'PARLEY_ERR_REQUEST_INVALID_JSON',
    );
    expect((await beacon('{"type":"widget_loaded"}', { origin: 'https://shop.example', 'content-type': 'application/json' })).status).toBe(
      204,
    );
    const today = new Date().toISOString().slice(0, 10);
    const summary = (await get(`/v1/reports/summary?from=${today}&to=${today}&widgetId=${widgetId}`)).json;
    expect(summary).toMatchObject({ widgetLoads: 2, widgetOpens: 1 });
  });

  it('counts a widget load for each public config served to an allowed page, 200 or 304', async () => {
    const { widgetId } = await createBotAndWidget(server(), { origin: ['https://shop.example'] });
    const config = (headers: Record<string, string>) =>
      server().request('GET', `/v1/widgets/${widgetId}/config`, { auth: 'none', headers });
    const first = await config({ origin: 'https://shop.example' });
    expect(first.status).toBe(200);
    const etag = first.headers['etag'];
    expect(typeof etag).toBe('string');
    expect((await config({ origin: 'https://shop.example', 'if-none-match': String(etag) })).status).toBe(304);
    expect((await config({ origin: 'https://evil.example' })).status).toBe(403);
    const today = new Date().toISOString().slice(0, 10);
    const summary = (await get(`/v1/reports/summary?from=${today}&to=${today}&widgetId=${widgetId}`)).json;
    expect(summary).toMatchObject({ widgetLoads: 2, widgetOpens: 0 });
  });

  it('refuses bad periods and zones with a code naming the field', async () => {
    const cases: [string, string, string][] = [
      ['from=2026-03-08&to=2026-03-02', 'PARLEY_ERR_REPORT_PERIOD_INVALID', 'to'],
      ['from=2025-01-01&to=2026-01-02', 'PARLEY_ERR_REPORT_PERIOD_TOO_LONG', 'to'],
      ['from=2026-03-02&to=2026-03-08&timeZone=Mars/Olympus', 'PARLEY_ERR_REQUEST_VALIDATION', 'timeZone'],
      ['from=2026-02-30&to=2026-03-08', 'PARLEY_ERR_REQUEST_VALIDATION', 'from'],
      ['from=yesterday&to=2026-03-08', 'PARLEY_ERR_REQUEST_VALIDATION', 'from'],
      ['to=2026-03-08', 'PARLEY_ERR_REQUEST_VALIDATION', 'from'],
      ['from=2026-03-02&to=2026-03-08&format=xml', 'PARLEY_ERR_REQUEST_VALIDATION', 'format'],
      ['from=2026-03-02&to=2026-03-08&widgetId=nope', 'PARLEY_ERR_REQUEST_VALIDATION', 'widgetId'],
      ['from=2026-03-02&to=2026-03-08&cursor=bogus', 'PARLEY_ERR_REQUEST_UNKNOWN_FIELD', 'cursor'],
    ];
    for (const [query, code, field] of cases) {
      const response = await get(`/v1/reports/summary?${query}`);
      expect(response.status, query).toBe(400);
      expect(response.json.error, query).toMatchObject({ code, field });
    }
    const badCursor = await get(`/v1/reports/unanswered?${WEEK}&cursor=bogus`);
    expect(badCursor.json.error.code).toBe('PARLEY_ERR_REQUEST_INVALID_CURSOR');
    expect((await get('/v1/reports/csat?from=2026-01-01&to=2026-12-31')).status).toBe(200);
    expect((await server().request('GET', `/v1/reports/summary?${WEEK}`, { auth: 'none' })).json.error.code).toBe(
      'PARLEY_ERR_AUTH_MISSING',
    );
  });

  it('shows an agent who is not an admin their own figures only', async () => {
    const { agentA } = await given();
    const agent = await createAgent(server(), { role: 'agent' });
    const own = await get(`/v1/reports/summary?${WEEK}`, agent.token);
    expect(own.status).toBe(200);
    expect(own.json).toMatchObject({ conversations: 0, period: { agentId: agent.id } });
    const other = await get(`/v1/reports/summary?${WEEK}&agentId=${agentA}`, agent.token);
    expect(other.status).toBe(403);
    expect(other.json.error.code).toBe('PARLEY_ERR_AUTH_ADMIN_REQUIRED');
  });
});
