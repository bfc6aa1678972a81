import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { KyselyPlugin } from 'kysely';
import type { FastifyBaseLogger } from 'fastify';
import type { Message } from '@parley/protocol';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { openDatabase, type OpenDatabase } from '../store/database.js';
import { ReportRecorder } from './report-recorder.js';

const T0 = Date.parse('2026-05-04T10:00:00Z');
const iso = (ms: number): string => new Date(ms).toISOString();

/**
 * What a batch writes of the conversations' rows (report_conversations): most messages change nothing the
 * rollups count, so those rows are written by one update of their last visitor time, or not at all. SQLite,
 * where the recorder is the rows' only writer (PostgreSQL keeps the full merge under row locks).
 */
describe('report recorder batches (SQLite)', () => {
  const dir = mkdtempSync(join(tmpdir(), 'parley-report-recorder-'));
  let database: OpenDatabase;
  let statements: string[] = [];
  let errors: unknown[] = [];
  let seq = 0;

  const log = {
    error: (details: unknown) => errors.push(details),
    warn: () => undefined,
    info: () => undefined,
    debug: () => undefined,
  } as unknown as FastifyBaseLogger;

  /** Every statement the recorder runs, as SQL. */
  const recording = (): KyselyPlugin => ({
    transformQuery: ({ node, queryId }) => {
      statements.push(database.db.getExecutor().compileQuery(node, queryId).sql);
      return node;
    },
    transformResult: async ({ result }) => result,
  });

  const recorder = (hoursOf: (widgetId: string) => Promise<null> = async () => null): ReportRecorder =>
    new ReportRecorder({ db: database.db.withPlugin(recording()), log, hoursOf });

  const message = (conversationId: string, role: Message['author']['role'], at: number): Message => ({
    id: `msg_${String(++seq).padStart(26, '0')}`,
    conversationId,
    seq,
    author: { role, id: role === 'agent' ? 'agt_1' : conversationId, name: role },
    type: 'text',
    text: 'hello',
    payload: null,
    clientId: null,
    createdAt: iso(at),
  });

  const conversation = async (): Promise<string> => {
    const id = `conv_${String(++seq).padStart(26, '0')}`;
    await database.db
      .insertInto('conversations')
      .values({
        id,
        widget_id: 'wgt_1',
        contact_id: null,
        status: 'open',
        identity_user_id: null,
        meta: '{}',
        created_at: iso(T0),
        updated_at: iso(T0),
      })
      .execute();
    return id;
  };

  const row = (conversationId: string) =>
    database.db.selectFrom('report_conversations').selectAll().where('conversation_id', '=', conversationId).executeTakeFirstOrThrow();
  const count = async (type: string): Promise<number> =>
    Number(
      (
        await database.db
          .selectFrom('report_counts')
          .select('n')
          .where('type', '=', type)
          .where('widget_id', '=', 'wgt_1')
          .executeTakeFirst()
      )?.n ?? 0,
    );
  const writesOf = (table: string): string[] =>
    statements.filter((sql) => sql.includes(`"${table}"`) || sql.includes(` ${table} `)).filter((sql) => !/^select/i.test(sql));

  beforeAll(async () => {
    database = await openDatabase({ kind: 'sqlite', file: join(dir, 'reports.db'), synchronous: 'normal' });
    await database.db
      .insertInto('widgets')
      .values({
        id: 'wgt_1',
        name: 'w',
        description: '',
        blueprint_id: null,
        settings: '{}',
        bot_id: null,
        meta: '{}',
        identity_secret: 'secret',
        version: 1,
        created_at: iso(T0),
        updated_at: iso(T0),
      })
      .execute();
  });
  afterAll(async () => {
    await database?.close();
    rmSync(dir, { recursive: true, force: true });
  });
  beforeEach(() => {
    statements = [];
    errors = [];
  });

  it('writes a known conversation’s visitor messages as one update of its last visitor time, keeping the latest', async () => {
    const reports = recorder();
    const [a, b] = [await conversation(), await conversation()];
    reports.messagesStored([message(a, 'visitor', T0 + 1000), message(b, 'visitor', T0 + 1000)]);
    await reports.flush();
    expect((await row(a)).last_visitor_at).toBe(iso(T0 + 1000));

    statements = [];
    reports.messagesStored([message(a, 'visitor', T0 + 5000), message(a, 'visitor', T0 + 3000), message(b, 'visitor', T0 + 2000)]);
    await reports.flush();
    reports.messagesStored([message(b, 'visitor', T0 + 1500)]);
    await reports.flush();

    expect((await row(a)).last_visitor_at).toBe(iso(T0 + 5000));
    // An older message in a later batch (another node's, a clock step) does not move it back.
    expect((await row(b)).last_visitor_at).toBe(iso(T0 + 2000));
    expect(await count('visitor_message')).toBe(6);
    // Rows this recorder wrote are not read again for visitor messages.
    expect(statements.filter((sql) => /^select/i.test(sql) && sql.includes('"report_conversations"'))).toEqual([]);
    // One statement for each of these batches (the second's message is older: its update leaves the row as it was).
    const conversationsWrites = writesOf('report_conversations');
    expect(conversationsWrites).toHaveLength(2);
    for (const sql of conversationsWrites)
      expect(sql).toMatch(/^with v\(id, at\) as \(values .*\)\s+update report_conversations set last_visitor_at/s);
    expect(errors).toEqual([]);
  });

  it('does not write a row the batch left as it was (an agent’s messages after the first response)', async () => {
    const reports = recorder();
    const id = await conversation();
    reports.messagesStored([message(id, 'agent', T0 + 60_000)]);
    await reports.flush();
    const answered = await row(id);
    expect(answered.first_response_at).toBe(iso(T0 + 60_000));

    statements = [];
    reports.messagesStored([message(id, 'agent', T0 + 120_000), message(id, 'agent', T0 + 180_000)]);
    await reports.flush();
    expect(writesOf('report_conversations')).toEqual([]);
    expect(await row(id)).toEqual(answered);
    expect(await count('agent_message')).toBeGreaterThanOrEqual(3);
    expect(errors).toEqual([]);
  });

  it('writes nothing for visitor messages once a human answered, and counts them', async () => {
    const reports = recorder();
    const [read, known] = [await conversation(), await conversation()];
    reports.messagesStored([message(read, 'visitor', T0 + 1000), message(known, 'visitor', T0 + 1000)]);
    await reports.flush();
    reports.messagesStored([message(read, 'agent', T0 + 60_000), message(known, 'agent', T0 + 60_000)]);
    await reports.flush();
    const before = await count('visitor_message');

    statements = [];
    // One in a batch with an agent's message (its row is read), one alone (its row is known).
    reports.messagesStored([message(read, 'visitor', T0 + 90_000), message(read, 'agent', T0 + 95_000)]);
    reports.messagesStored([message(known, 'visitor', T0 + 90_000)]);
    await reports.flush();

    expect(writesOf('report_conversations')).toEqual([]);
    expect(await count('visitor_message')).toBe(before + 2);
    for (const id of [read, known]) {
      const answered = await row(id);
      expect(answered.first_response_at).toBe(iso(T0 + 60_000));
      // The last visitor message before the answer: what the unanswered list showed, and no report reads it after.
      expect(answered.last_visitor_at).toBe(iso(T0 + 1000));
    }
    expect(errors).toEqual([]);
  });

  it('reads a known row again when a batch brings more than visitor messages for it', async () => {
    const reports = recorder();
    const id = await conversation();
    reports.messagesStored([message(id, 'visitor', T0 + 1000)]);
    await reports.flush();
    statements = [];
    reports.messagesStored([message(id, 'visitor', T0 + 2000), message(id, 'agent', T0 + 30_000)]);
    await reports.flush();
    expect(statements.filter((sql) => /^select/i.test(sql) && sql.includes('"report_conversations"')).length).toBeGreaterThan(0);
    const answered = await row(id);
    expect(answered.first_response_s).toBe(30);
    expect(answered.last_visitor_at).toBe(iso(T0 + 2000));
    expect(errors).toEqual([]);
  });

  it('counts a known conversation’s visitor messages when it was deleted before the batch, and writes no row', async () => {
    const reports = recorder();
    const id = await conversation();
    reports.messagesStored([message(id, 'visitor', T0 + 1000)]);
    await reports.flush();
    const before = await count('visitor_message');
    reports.messagesStored([message(id, 'visitor', T0 + 2000)]);
    await database.db.deleteFrom('conversations').where('id', '=', id).execute();
    await reports.flush();
    expect(errors).toEqual([]);
    expect(await count('visitor_message')).toBe(before + 1);
    expect(
      await database.db.selectFrom('report_conversations').select('conversation_id').where('conversation_id', '=', id).execute(),
    ).toEqual([]);
  });

  it('still records the batch when a conversation in it is deleted after its row was read', async () => {
    const [answered, deleted] = [await conversation(), await conversation()];
    const warmup = recorder();
    warmup.messagesStored([message(deleted, 'visitor', T0 + 1000)]);
    await warmup.flush();

    // The first response asks for the widget's business hours while the batch is applied, after the rows were
    // read: the other conversation is deleted meanwhile (its row goes with it, by cascade).
    const reports = recorder(async () => {
      await database.db.deleteFrom('conversations').where('id', '=', deleted).execute();
      return null;
    });
    reports.messagesStored([message(deleted, 'visitor', T0 + 2000), message(answered, 'agent', T0 + 90_000)]);
    await reports.flush();

    expect(errors).toEqual([]);
    expect((await row(answered)).first_response_s).toBe(90);
    expect(
      await database.db.selectFrom('report_conversations').select('conversation_id').where('conversation_id', '=', deleted).execute(),
    ).toEqual([]);
  });
});
