import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { MESSAGE_TEXT_MAX } from '@parley/protocol';
import { startTestServer, type TestServer } from '../testing/test-server.js';

/**
 * A full disk without root: SQLite's max_page_count, set on the server's own connection (it is per
 * connection) to the pages the file has now, makes every write that needs a new page fail with
 * SQLITE_FULL ("database or disk is full"), exactly as a full disk does.
 */
async function fillDisk(server: TestServer): Promise<void> {
  const { db } = server.services.database;
  const pages = await sql<{ page_count: number }>`pragma page_count`.execute(db);
  const free = await sql<{ freelist_count: number }>`pragma freelist_count`.execute(db);
  // A free page could take a message although the file cannot grow: there must be none, or this is no full disk.
  expect(free.rows[0]?.freelist_count).toBe(0);
  await sql.raw(`pragma max_page_count = ${pages.rows[0]?.page_count ?? 0}`).execute(db);
}

async function freeDisk(server: TestServer): Promise<void> {
  await sql.raw('pragma max_page_count = 4294967294').execute(server.services.database.db);
}

describe('readiness follows failed writes (SQLite, full disk)', () => {
  let server: TestServer;
  let token = '';
  let conversationId = '';
  beforeAll(async () => {
    server = await startTestServer('sqlite');
    // A builtin bot without rules or fallback never answers: the only writes are the test's own.
    const bot = await server.request('POST', '/v1/bots', { body: { kind: 'builtin', name: 'Silent', config: {} } });
    const widget = await server.request('POST', '/v1/widgets', { body: { name: 'Full disk', botId: bot.json.id } });
    const session = await server.request('POST', `/v1/widgets/${widget.json.id}/sessions`, { body: {}, auth: 'none' });
    expect(session.status).toBe(201);
    token = session.json.token;
    conversationId = session.json.conversationId;
  });
  afterAll(async () => {
    await server.close();
  });

  const send = (clientId: string, text: string) =>
    server.request('POST', `/v1/realtime/poll/send?token=${encodeURIComponent(token)}`, {
      rawBody: JSON.stringify({ type: 'send', clientId, text }),
      auth: 'none',
    });
  const readyz = () => server.request('GET', '/readyz', { auth: 'none' });
  const stored = async () => (await server.services.engine.messagesAfter(conversationId, 0)).filter((m) => m.clientId !== null);

  it('answers 503 after a send fails on a full disk, probes with a real write, and is ready again once a write succeeds', async () => {
    expect((await send('before-full', 'hello')).status).toBe(200);
    expect((await readyz()).status).toBe(200);

    await fillDisk(server);
    const text = 'x'.repeat(MESSAGE_TEXT_MAX);
    const failed = await send('on-full-disk', text);
    expect(failed.status).toBe(503);
    expect(failed.json).toMatchObject({ type: 'error', code: 'PARLEY_ERR_SEND_FAILED', clientId: 'on-full-disk' });

    // Not ready, and still not ready on the next poll: readyz's own write fails too while the disk is full.
    for (let poll = 0; poll < 2; poll++) {
      const notReady = await readyz();
      expect(notReady.status).toBe(503);
      expect(notReady.json.error.code).toBe('PARLEY_ERR_STORAGE_UNAVAILABLE');
      expect(notReady.json.error.message).toContain('SQLITE_FULL');
    }
    expect((await stored()).map((m) => m.clientId)).toEqual(['before-full']);

    // Space again: no traffic comes (a load balancer sent it elsewhere), readyz's probe alone sees the recovery.
    await freeDisk(server);
    expect((await readyz()).status).toBe(200);

    // The visitor's resend with the same clientId is stored, once.
    const resent = await send('on-full-disk', text);
    expect(resent.status).toBe(200);
    expect(resent.json).toMatchObject({ type: 'ack', clientId: 'on-full-disk', duplicate: false });
    expect((await send('on-full-disk', text)).json).toMatchObject({ type: 'ack', clientId: 'on-full-disk', duplicate: true });
    expect((await stored()).map((m) => m.clientId)).toEqual(['before-full', 'on-full-disk']);
    expect((await readyz()).status).toBe(200);
  });

  it('turns ready again by itself when traffic proves the storage writable before readyz is asked', async () => {
    await fillDisk(server);
    expect((await send('second-full', 'y'.repeat(MESSAGE_TEXT_MAX))).status).toBe(503);
    await freeDisk(server);
    expect((await send('second-full', 'y'.repeat(MESSAGE_TEXT_MAX))).status).toBe(200);
    expect(server.services.database.writeHealth.state.kind).toBe('writable');
    expect((await readyz()).status).toBe(200);
  });

  it('fails a whole group commit that the full disk rolled back, storing none of it, and stores each on resend', async () => {
    const { engine } = server.services;
    const author = { role: 'visitor', id: 'v_batch', name: 'Batch' } as const;
    // One event-loop turn: the three appends share one transaction (group commit), the second cannot fit.
    const appendAll = () =>
      Promise.allSettled(
        ['batch-small-1', 'batch-large', 'batch-small-2'].map((clientId) =>
          engine.append({
            conversationId,
            author,
            type: 'text',
            text: clientId === 'batch-large' ? 'z'.repeat(MESSAGE_TEXT_MAX) : 'hi',
            clientId,
          }),
        ),
      );
    await fillDisk(server);
    const outcomes = await appendAll();
    // SQLITE_FULL rolled back the whole transaction, the first message with it; a message after it must not
    // commit on its own while reported failed.
    expect(outcomes.map((outcome) => outcome.status)).toEqual(['rejected', 'rejected', 'rejected']);
    expect((await stored()).map((m) => m.clientId).filter((id) => id?.startsWith('batch-'))).toEqual([]);
    await freeDisk(server);
    expect((await appendAll()).map((outcome) => outcome.status)).toEqual(['fulfilled', 'fulfilled', 'fulfilled']);
    expect((await stored()).map((m) => m.clientId).filter((id) => id?.startsWith('batch-'))).toEqual([
      'batch-small-1',
      'batch-large',
      'batch-small-2',
    ]);
  });

  it('leaves readiness alone when a write fails for a reason of its own', async () => {
    const { engine, database } = server.services;
    const author = { role: 'visitor', id: 'v_nobody', name: 'Nobody' } as const;
    await expect(engine.append({ conversationId: 'conv_gone', author, type: 'text', text: 'hello?', clientId: 'gone-1' })).rejects.toThrow(
      'does not exist',
    );
    await expect(sql`insert into conversations (id) values (null)`.execute(database.db)).rejects.toThrow(/NOT NULL/);
    expect(database.writeHealth.state.kind).toBe('writable');
    expect((await readyz()).status).toBe(200);
  });
});
