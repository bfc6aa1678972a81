import fc from 'fast-check';
import { sql, type Kysely } from 'kysely';
import { expect, it } from 'vitest';
import type { ConversationOwner, Message } from '@parley/protocol';
import { botState, type OwnershipState } from '../engine/ownership-state.js';
import { createBotAndWidget, insertConversation } from '../testing/fixtures.js';
import { describeEachStore, type TestServer } from '../testing/test-server.js';
import { up as reportRollupsMigration } from '../store/migrations/0013-report-rollups.js';
import { ReportRecorder } from './report-recorder.js';

const HOUR = 3_600_000;

/** The server's recorder (the engine sees only its port), to write its queue at chosen points. */
function recorderOf(server: TestServer): ReportRecorder {
  const recorder = server.services.engine.reports;
  if (!(recorder instanceof ReportRecorder)) throw new Error('the engine reports to a ReportRecorder');
  return recorder;
}
const T0 = Date.parse('2026-05-04T00:00:00Z');
const iso = (ms: number): string => new Date(ms).toISOString();

/** What the recorder is told, in order; `at` is minutes after the conversation's start. */
type Command =
  | { readonly kind: 'message'; readonly c: number; readonly role: 'visitor' | 'bot' | 'agent'; readonly at: number }
  | { readonly kind: 'owner'; readonly c: number; readonly owner: ConversationOwner; readonly at: number }
  | { readonly kind: 'rate'; readonly c: number; readonly score: number; readonly comment: boolean; readonly at: number }
  | { readonly kind: 'beacon'; readonly c: number; readonly type: 'widget_opened' | 'offline_email_left'; readonly at: number }
  | { readonly kind: 'delete'; readonly c: number }
  | { readonly kind: 'flush' };

const CONVERSATIONS = 4;
const conversation = fc.integer({ min: 0, max: CONVERSATIONS - 1 });
/** Up to three days after the start: the figures of one conversation land in different hours. */
const minutes = fc.integer({ min: 0, max: 3 * 24 * 60 });
const command: fc.Arbitrary<Command> = fc.oneof(
  {
    weight: 4,
    arbitrary: fc.record({
      kind: fc.constant('message' as const),
      c: conversation,
      role: fc.constantFrom('visitor' as const, 'bot' as const, 'agent' as const),
      at: minutes,
    }),
  },
  {
    weight: 4,
    arbitrary: fc.record({
      kind: fc.constant('owner' as const),
      c: conversation,
      owner: fc.constantFrom<ConversationOwner>('bot', 'queued', 'human', 'resolved'),
      at: minutes,
    }),
  },
  {
    weight: 2,
    arbitrary: fc.record({
      kind: fc.constant('rate' as const),
      c: conversation,
      score: fc.integer({ min: 1, max: 5 }),
      comment: fc.boolean(),
      at: minutes,
    }),
  },
  {
    weight: 1,
    arbitrary: fc.record({
      kind: fc.constant('beacon' as const),
      c: conversation,
      type: fc.constantFrom('widget_opened' as const, 'offline_email_left' as const),
      at: minutes,
    }),
  },
  { weight: 1, arbitrary: fc.record({ kind: fc.constant('delete' as const), c: conversation }) },
  { weight: 2, arbitrary: fc.constant({ kind: 'flush' as const }) },
);

type Totals = Map<string, Record<string, number>>;

/**
 * The rollups recomputed from the conversation rows, written out plainly (not with report-rollups.ts):
 * per widget and '' and hour, the non-zero figures.
 */
async function recomputed(server: TestServer): Promise<Totals> {
  const { db } = server.services.database;
  const totals: Totals = new Map();
  const add = (widget: string, hour: number, column: string, n: number): void => {
    if (n === 0) return;
    for (const w of [widget, '']) {
      const key = `${w} ${hour}`;
      const row = totals.get(key) ?? {};
      row[column] = (row[column] ?? 0) + n;
      totals.set(key, row);
    }
  };
  for (const f of await db.selectFrom('report_conversations').selectAll().execute()) {
    const hour = Math.floor(Date.parse(f.started_at) / HOUR);
    const minute = new Date(f.started_at).getUTCMinutes();
    const started = (figure: string, n: number): void => {
      add(f.widget_id, hour, figure, n);
      if (minute < 15) add(f.widget_id, hour, `${figure}_q1`, n);
      if (minute < 30) add(f.widget_id, hour, `${figure}_q2`, n);
      if (minute < 45) add(f.widget_id, hour, `${figure}_q3`, n);
    };
    started('conversations', 1);
    started('handed', f.handoff_at === null ? 0 : 1);
    started('resolved_by_bot', f.handoff_at === null && f.resolved_at !== null ? 1 : 0);
    started('resolved', f.resolved_at === null ? 0 : 1);
    started('reopened', Number(f.reopened) > 0 ? 1 : 0);
    add(f.widget_id, hour, 'first_responses', f.first_response_s === null ? 0 : 1);
    add(f.widget_id, hour, 'first_response_s', Number(f.first_response_s ?? 0));
    add(f.widget_id, hour, 'first_response_bh_s', Number(f.first_response_bh_s ?? 0));
    add(f.widget_id, hour, 'resolutions', f.resolution_s === null ? 0 : 1);
    add(f.widget_id, hour, 'resolution_s', Number(f.resolution_s ?? 0));
    add(f.widget_id, hour, 'resolution_bh_s', Number(f.resolution_bh_s ?? 0));
    if (f.rating !== null && f.rated_at !== null) {
      const rated = Math.floor(Date.parse(f.rated_at) / HOUR);
      add(f.widget_id, rated, `rated_${f.rating}`, 1);
      add(f.widget_id, rated, 'rated_commented', Number(f.rating_commented));
    }
  }
  const columns: Record<string, string> = {
    visitor_message: 'visitor_messages',
    bot_answered: 'bot_messages',
    agent_message: 'agent_messages',
    offline_email_left: 'offline_emails',
    widget_opened: 'widget_opens',
    widget_loaded: 'widget_loads',
  };
  // Event counts: the per-type hourly counts are kept apart (report_counts, '' rows included).
  for (const c of await db.selectFrom('report_counts').selectAll().execute()) {
    const column = columns[c.type];
    if (column === undefined || c.n === 0) continue;
    const key = `${c.widget_id} ${c.hour}`;
    const row = totals.get(key) ?? {};
    row[column] = (row[column] ?? 0) + Number(c.n);
    totals.set(key, row);
  }
  return totals;
}

async function stored(server: TestServer): Promise<Totals> {
  const totals: Totals = new Map();
  for (const row of await server.services.database.db.selectFrom('report_rollups').selectAll().execute()) {
    const figures: Record<string, number> = {};
    for (const [column, value] of Object.entries(row)) {
      if (column !== 'widget_id' && column !== 'hour' && Number(value) !== 0) figures[column] = Number(value);
    }
    if (Object.keys(figures).length > 0) totals.set(`${row.widget_id} ${row.hour}`, figures);
  }
  return totals;
}

describeEachStore('report rollups', (server) => {
  it('equal a recomputation from the conversation rows after any sequence of events, updates and deletions', async () => {
    const s = server();
    const widgets = [(await createBotAndWidget(s)).widgetId, (await createBotAndWidget(s)).widgetId];
    const { db } = s.services.database;
    const reports = recorderOf(s);
    let run = 0;
    await fc.assert(
      fc.asyncProperty(
        fc.array(command, { minLength: 1, maxLength: 40 }),
        fc.integer({ min: 0, max: 48 }),
        fc.integer({ min: 0, max: 59 }),
        async (commands, startHour, startMinute) => {
          run += 1;
          const ids: string[] = [];
          const states: OwnershipState[] = [];
          const starts: number[] = [];
          for (let c = 0; c < CONVERSATIONS; c += 1) {
            const start = T0 + (startHour + c * 7) * HOUR + ((startMinute + c * 17) % 60) * 60_000 + c * 1000;
            const id = await insertConversation(s, widgets[c % 2] ?? '', start, `ROLLUP${String(run).padStart(5, '0')}${String(c)}`);
            ids.push(id);
            states.push(botState(id));
            starts.push(start);
            reports.record({ type: 'session_started', conversationId: id, at: iso(start) });
          }
          let seq = 0;
          for (const cmd of commands) {
            if (cmd.kind === 'flush') {
              await reports.flush();
              continue;
            }
            const id = ids[cmd.c] ?? '';
            const at = iso((starts[cmd.c] ?? T0) + ('at' in cmd ? cmd.at : 0) * 60_000);
            seq += 1;
            const message = (role: Message['author']['role'], extra: Partial<Message> = {}): Message => ({
              id: `msg_R${String(run).padStart(5, '0')}${String(seq).padStart(4, '0')}${Math.random().toString(36).slice(2, 10)}`.slice(
                0,
                30,
              ),
              conversationId: id,
              seq,
              author: { role, id: role === 'agent' ? 'agt_rollup' : role === 'bot' ? 'bot_rollup' : id, name: role },
              type: 'text',
              text: 'never stored by reports',
              payload: null,
              clientId: null,
              createdAt: at,
              ...extra,
            });
            if (cmd.kind === 'message') reports.messagesStored([message(cmd.role)]);
            else if (cmd.kind === 'rate') {
              reports.messagesStored([
                message('visitor', { type: 'event', payload: { event: 'rating', score: cmd.score, comment: cmd.comment ? 'ok' : null } }),
              ]);
            } else if (cmd.kind === 'beacon') reports.record({ type: cmd.type, conversationId: id, at });
            else if (cmd.kind === 'owner') {
              const previous = states[cmd.c] ?? botState(id);
              const next: OwnershipState = {
                ...previous,
                owner: cmd.owner,
                assigneeId: cmd.owner === 'human' ? 'agt_rollup' : previous.assigneeId,
              };
              states[cmd.c] = next;
              reports.ownershipChanged(previous, next, null, at);
            } else {
              // What erasure or a widget's deletion does: the conversation goes, its row with it (cascade).
              await reports.flush();
              await db.deleteFrom('conversations').where('id', '=', id).execute();
            }
          }
          await reports.flush();
          expect(await stored(s)).toEqual(await recomputed(s));
        },
      ),
      { numRuns: 30 },
    );
  });

  it('answer a whole-hour zone from the rollups as the rows answer a half-hour zone', async () => {
    const s = server();
    const { widgetId } = await createBotAndWidget(s);
    const reports = recorderOf(s);
    // Five conversations at 00:00 UTC of consecutive days; answered after 60, 120, 180, 240, 600 s.
    const waits = [60, 120, 180, 240, 600];
    for (const [i, wait] of waits.entries()) {
      const start = Date.parse('2026-06-01T00:00:00Z') + i * 24 * HOUR;
      const id = await insertConversation(s, widgetId, start, `ROLLUPZONE${String(i)}`);
      const queued: OwnershipState = { ...botState(id), owner: 'queued' };
      reports.ownershipChanged(botState(id), queued, 'handoff', iso(start));
      reports.messagesStored([
        {
          id: `msg_ROLLUPZONE${String(i)}${Math.random().toString(36).slice(2, 12)}`.slice(0, 30),
          conversationId: id,
          seq: 1,
          author: { role: 'agent', id: 'agt_zone', name: 'agent' },
          type: 'text',
          text: 'hi',
          payload: null,
          clientId: null,
          createdAt: iso(start + wait * 1000),
        },
      ]);
      reports.ownershipChanged(queued, { ...queued, owner: 'resolved' }, 'resolve', iso(start + 2 * wait * 1000));
    }
    const get = async (path: string) => (await s.request('GET', path)).json;
    const period = (zone: string) => `from=2026-06-01&to=2026-06-30&timeZone=${zone}&widgetId=${widgetId}`;
    const utc = await get(`/v1/reports/response-times?${period('UTC')}`);
    expect(utc.firstResponse.wallClock).toEqual({ count: 5, medianSeconds: 180, p90Seconds: 600, averageSeconds: 240 });
    expect(utc.resolution.wallClock).toEqual({ count: 5, medianSeconds: 360, p90Seconds: 1200, averageSeconds: 480 });
    // Kolkata (UTC+5:30) groups the rows; its June starts 5:30 earlier: the same five conversations.
    const kolkata = await get(`/v1/reports/response-times?${period('Asia/Kolkata')}`);
    expect(kolkata.firstResponse).toEqual(utc.firstResponse);
    expect(kolkata.resolution).toEqual(utc.resolution);
    const summary = await get(`/v1/reports/summary?${period('UTC')}`);
    expect(summary).toMatchObject({ conversations: 5, handedToHuman: 5, resolved: 5, agentMessages: 5, messages: 5 });
    expect(summary.days.slice(0, 6).map((d: { conversations: number }) => d.conversations)).toEqual([1, 1, 1, 1, 1, 0]);
    expect(summary.days.slice(0, 6).map((d: { messages: number }) => d.messages)).toEqual([1, 1, 1, 1, 1, 0]);
    expect(await get(`/v1/reports/csat?${period('UTC')}`)).toMatchObject({ count: 0, average: null });
    // New York (UTC−4 in June): each conversation started at 20:00 the day before.
    const newYork = await get(`/v1/reports/summary?from=2026-05-31&to=2026-06-30&timeZone=America/New_York&widgetId=${widgetId}`);
    expect(newYork.days.slice(0, 6).map((d: { conversations: number }) => d.conversations)).toEqual([1, 1, 1, 1, 1, 0]);
    expect(newYork.days.slice(0, 6).map((d: { messages: number }) => d.messages)).toEqual([1, 1, 1, 1, 1, 0]);
    // Kolkata: the same conversations at 05:30 local, from the rows; the messages per UTC hour of the rollups.
    const inKolkata = await get(`/v1/reports/summary?${period('Asia/Kolkata')}`);
    expect(inKolkata.days.slice(0, 6).map((d: { conversations: number }) => d.conversations)).toEqual([1, 1, 1, 1, 1, 0]);
    expect(inKolkata.days.slice(0, 6).map((d: { messages: number }) => d.messages)).toEqual([1, 1, 1, 1, 1, 0]);
    const busiest = await get(`/v1/reports/busiest-hours?${period('America/New_York')}`);
    expect(busiest.total).toBe(4);
    expect(busiest.cells.flat().filter((n: number) => n > 0)).toEqual([1, 1, 1, 1]);
  });

  it('count the part of an hour at either end of a half-hour zone’s period from the rows', async () => {
    const s = server();
    const { widgetId } = await createBotAndWidget(s);
    const reports = recorderOf(s);
    // Kolkata's June runs from 2026-05-31T18:30Z to 2026-06-30T18:30Z: the first and third are in it, the others not.
    const starts = ['2026-05-31T18:40:00Z', '2026-05-31T18:20:00Z', '2026-06-30T18:10:00Z', '2026-06-30T18:40:00Z'].map(Date.parse);
    for (const [i, start] of starts.entries()) {
      const id = await insertConversation(s, widgetId, start, `ROLLUPEDGE${String(i)}`);
      const queued: OwnershipState = { ...botState(id), owner: 'queued' };
      reports.ownershipChanged(botState(id), queued, 'handoff', iso(start));
      const message = (at: number, role: Message['author']['role'], extra: Partial<Message> = {}): Message => ({
        id: `msg_ROLLUPEDGE${String(i)}${role}${Math.random().toString(36).slice(2, 12)}`.slice(0, 30),
        conversationId: id,
        seq: 1,
        author: { role, id: role === 'agent' ? 'agt_edge' : id, name: role },
        type: 'text',
        text: 'hi',
        payload: null,
        clientId: null,
        createdAt: iso(at),
        ...extra,
      });
      reports.messagesStored([message(start + (i + 1) * 100_000, 'agent')]);
      reports.messagesStored([
        message(start + 60_000, 'visitor', { type: 'event', payload: { event: 'rating', score: i + 1, comment: null } }),
      ]);
    }
    const get = async (path: string) => (await s.request('GET', path)).json;
    const june = `from=2026-06-01&to=2026-06-30&widgetId=${widgetId}`;
    const kolkata = await get(`/v1/reports/response-times?${june}&timeZone=Asia/Kolkata`);
    expect(kolkata.firstResponse.wallClock).toEqual({ count: 2, medianSeconds: 100, p90Seconds: 300, averageSeconds: 200 });
    expect(kolkata.firstResponse.businessHours).toEqual(kolkata.firstResponse.wallClock);
    const utc = await get(`/v1/reports/response-times?${june}&timeZone=UTC`);
    expect(utc.firstResponse.wallClock).toEqual({ count: 2, medianSeconds: 300, p90Seconds: 400, averageSeconds: 350 });
    expect(await get(`/v1/reports/csat?${june}&timeZone=Asia/Kolkata`)).toMatchObject({ count: 2, average: 2 });
    expect(await get(`/v1/reports/csat?${june}&timeZone=UTC`)).toMatchObject({ count: 2, average: 3.5 });
    expect(await get(`/v1/reports/summary?${june}&timeZone=Asia/Kolkata`)).toMatchObject({ conversations: 2, handedToHuman: 2 });
  });

  it('place conversations in the local days and hours on both sides of a daylight-saving change', async () => {
    const s = server();
    const { widgetId } = await createBotAndWidget(s);
    const reports = recorderOf(s);
    // Paris moves from +1 to +2 at 2026-03-29T01:00Z: both start at 00:30 local, on Sunday and on Monday.
    for (const [i, start] of ['2026-03-28T23:30:00Z', '2026-03-29T22:30:00Z'].map(Date.parse).entries()) {
      const id = await insertConversation(s, widgetId, start, `ROLLUPDST${String(i)}`);
      reports.record({ type: 'session_started', conversationId: id, at: iso(start) });
    }
    const get = async (path: string) => (await s.request('GET', path)).json;
    const period = `from=2026-03-28&to=2026-03-30&timeZone=Europe/Paris&widgetId=${widgetId}`;
    const summary = await get(`/v1/reports/summary?${period}`);
    expect(summary.days.map((d: { conversations: number }) => d.conversations)).toEqual([0, 1, 1]);
    const busiest = await get(`/v1/reports/busiest-hours?${period}`);
    expect(busiest.cells[6]?.[0]).toBe(1);
    expect(busiest.cells[0]?.[0]).toBe(1);
    expect(busiest.total).toBe(2);
  });

  it('are filled from what is already recorded when an installation upgrades (migration 0013 run again on this data)', async () => {
    const s = server();
    const { db, dialect } = s.services.database;
    const reports = recorderOf(s);
    // Recorded before the upgrade (besides what the other tests left): started at minutes 5, 20 and 50 of an hour.
    const { widgetId } = await createBotAndWidget(s);
    for (const [i, minute] of [5, 20, 50].entries()) {
      const start = Date.parse('2026-07-01T10:00:00Z') + minute * 60_000;
      const id = await insertConversation(s, widgetId, start, `ROLLUPUPGRADE${String(i)}`);
      const queued: OwnershipState = { ...botState(id), owner: 'queued' };
      if (i > 0) reports.ownershipChanged(botState(id), queued, 'handoff', iso(start + 60_000));
      reports.messagesStored([
        {
          id: `msg_ROLLUPUPGRADE${String(i)}${Math.random().toString(36).slice(2, 12)}`.slice(0, 30),
          conversationId: id,
          seq: 1,
          author: { role: 'visitor', id, name: 'visitor' },
          type: 'event',
          text: 'rated',
          payload: { event: 'rating', score: i + 3, comment: i === 1 ? 'fine' : null },
          clientId: null,
          createdAt: iso(start + 2 * HOUR),
        },
      ]);
      reports.ownershipChanged(i > 0 ? queued : botState(id), { ...queued, owner: 'resolved' }, 'resolve', iso(start + HOUR));
    }
    await reports.flush();
    const expected = await recomputed(s);
    expect(expected.size).toBeGreaterThan(0);
    // Back to before migration 0013: no rollups, no duration indexes, no trigger.
    await db.schema.dropTable('report_rollups').execute();
    for (const name of ['first_response', 'first_response_bh', 'resolution', 'resolution_bh']) {
      await db.schema.dropIndex(`report_conversations_${name}`).execute();
      await db.schema.dropIndex(`report_conversations_${name}_widget`).execute();
    }
    if (dialect === 'sqlite') await sql`drop trigger report_rollups_forget`.execute(db);
    else {
      await sql`drop trigger report_rollups_forget on report_conversations`.execute(db);
      await sql`drop function report_rollups_forget()`.execute(db);
    }
    await reportRollupsMigration(db as unknown as Kysely<unknown>);
    expect(await stored(s)).toEqual(expected);
    // The trigger is back: a conversation deleted leaves the totals.
    const [gone] = await db.selectFrom('report_conversations').select('conversation_id').limit(1).execute();
    await db
      .deleteFrom('conversations')
      .where('id', '=', gone?.conversation_id ?? '')
      .execute();
    expect(await stored(s)).toEqual(await recomputed(s));
  });
});
