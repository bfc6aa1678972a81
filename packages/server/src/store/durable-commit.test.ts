import { randomUUID } from 'node:crypto';
import { fdatasync, fstatSync, mkdirSync, mkdtempSync, rmSync, statSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import SqliteDatabase from 'better-sqlite3';
import { Kysely, SqliteDialect, sql } from 'kysely';
import { afterAll, describe, expect, it } from 'vitest';
import type { SqliteSynchronous } from '../config.js';
import { openDatabase, type OpenDatabase } from './database.js';
import { newId, nowIso } from './ids.js';
import { visitorMessage } from '../testing/fixtures.js';
import { SqliteMessageWriter } from './message-writer.js';
import type { Database } from './schema.js';
import { isStorageFailure } from './storage-failure.js';
import { WalSync } from './wal-sync.js';

/**
 * PARLEY_SQLITE_SYNCHRONOUS=full with the WAL flushed off the event loop (wal-sync.ts): what the main connection
 * commits is handed out (an append resolves, a Kysely write resolves) only once the WAL's sync is done.
 */

/** The flush given to openDatabase: passes through to fdatasync until the test holds or fails it. */
function controlledFlush() {
  let mode: 'pass' | 'hold' | 'fail' = 'pass';
  const held: (() => void)[] = [];
  const inodes: number[] = [];
  const flush = (fd: number): Promise<void> => {
    inodes.push(fstatSync(fd).ino);
    if (mode === 'fail') return Promise.reject(Object.assign(new Error('EIO: i/o error, fdatasync'), { code: 'EIO' }));
    const real = () => new Promise<void>((resolve, reject) => fdatasync(fd, (error) => (error ? reject(error) : resolve())));
    if (mode === 'pass') return real();
    return new Promise<void>((resolve, reject) => held.push(() => void real().then(resolve, reject)));
  };
  return {
    flush,
    inodes,
    hold: () => (mode = 'hold'),
    fail: () => (mode = 'fail'),
    pass: () => (mode = 'pass'),
    /** Lets the held syncs finish. */
    release: () => {
      mode = 'pass';
      for (const finish of held.splice(0)) finish();
    },
    get waiting() {
      return held.length;
    },
  };
}

async function state(promise: Promise<unknown>): Promise<'pending' | 'resolved' | 'rejected'> {
  let seen: 'pending' | 'resolved' | 'rejected' = 'pending';
  promise.then(
    () => (seen = 'resolved'),
    () => (seen = 'rejected'),
  );
  // Two turns: the writer's group commit runs at setImmediate, its connection then resolves in microtasks.
  for (let i = 0; i < 2; i++) await new Promise((resolve) => setImmediate(resolve));
  return seen;
}

async function newConversation(database: OpenDatabase): Promise<string> {
  const now = nowIso();
  const widgetId = newId('wgt');
  const conversationId = newId('conv');
  await sql`insert into widgets (id, name, description, settings, meta, identity_secret, created_at, updated_at)
    values (${widgetId}, 'w', '', '{}', '{}', 'secret', ${now}, ${now})`.execute(database.db);
  await sql`insert into conversations (id, widget_id, status, meta, created_at, updated_at)
    values (${conversationId}, ${widgetId}, 'open', '{}', ${now}, ${now})`.execute(database.db);
  return conversationId;
}

describe('SQLite commits wait for the WAL sync (synchronous=full)', () => {
  const dir = mkdtempSync(join(tmpdir(), 'parley-durable-'));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  async function open(synchronous: SqliteSynchronous = 'full') {
    const control = controlledFlush();
    const file = join(dir, `${randomUUID()}.db`);
    const database = await openDatabase({ kind: 'sqlite', file, synchronous }, { fdatasync: control.flush });
    return { database, control, file };
  }

  it('resolves an append only after the sync of its commit, on the live WAL file', async () => {
    const { database, control, file } = await open();
    try {
      const conversationId = await newConversation(database);
      control.hold();
      const append = database.messageWriter.append(visitorMessage(conversationId, 'hello', 'c1'));
      expect(await state(append)).toBe('pending');
      expect(control.waiting).toBe(1);
      control.release();
      expect((await append).row.seq).toBe(1);
      expect(control.inodes.at(-1)).toBe(statSync(`${file}-wal`).ino);
    } finally {
      await database.close();
    }
  });

  it('resolves a Kysely write, and a read made after it, only after the sync', async () => {
    const { database, control } = await open();
    try {
      control.hold();
      const write = sql`insert into write_probes (id, payload) values ('p1', 'x')`.execute(database.db);
      expect(await state(write)).toBe('pending');
      // The connection is not held meanwhile: a read runs, but its answer (which sees the row) waits too.
      const read = sql<{ n: number }>`select count(*) as n from write_probes`.execute(database.db);
      expect(await state(read)).toBe('pending');
      expect(control.waiting).toBe(1);
      control.release();
      await write;
      expect((await read).rows[0]?.n).toBe(1);
      // A transaction: one sync at its commit.
      const before = control.inodes.length;
      await database.db.transaction().execute(async (trx) => {
        await sql`insert into write_probes (id, payload) values ('p2', 'x')`.execute(trx);
        await sql`delete from write_probes where id = 'p2'`.execute(trx);
      });
      expect(control.inodes.length - before).toBe(1);
      // A read with nothing unsynced before it: no sync.
      await sql`select 1`.execute(database.db);
      expect(control.inodes.length - before).toBe(1);
    } finally {
      await database.close();
    }
  });

  it('coalesces the syncs of concurrent appends and writes: at most two for twenty', async () => {
    const { database, control } = await open();
    try {
      const conversationId = await newConversation(database);
      const before = control.inodes.length;
      await Promise.all([
        ...Array.from({ length: 10 }, (_, i) => database.messageWriter.append(visitorMessage(conversationId, 'hello', `many-${i}`))),
        ...Array.from({ length: 10 }, (_, i) => sql`insert into write_probes (id, payload) values (${`w${i}`}, 'x')`.execute(database.db)),
      ]);
      expect(control.inodes.length - before).toBeLessThanOrEqual(2);
    } finally {
      await database.close();
    }
  });

  it('fails the appends and writes of a failed sync with a storage error, and takes writes again after', async () => {
    const { database, control } = await open();
    try {
      const conversationId = await newConversation(database);
      control.fail();
      const append = database.messageWriter.append(visitorMessage(conversationId, 'hello', 'lost-ack'));
      await expect(append).rejects.toSatisfy(isStorageFailure);
      await expect(sql`insert into write_probes (id, payload) values ('f1', 'x')`.execute(database.db)).rejects.toSatisfy(isStorageFailure);
      expect(database.writeHealth.state).toMatchObject({ kind: 'failing', reason: 'SQLITE_IOERR_FSYNC' });
      control.pass();
      // The resend finds its original stored, and is acknowledged once a sync succeeds.
      const resend = await database.messageWriter.append(visitorMessage(conversationId, 'hello', 'lost-ack'));
      expect(resend).toMatchObject({ created: false, row: { seq: 1 } });
      expect((await database.messageWriter.append(visitorMessage(conversationId, 'hello', 'next'))).row.seq).toBe(2);
      expect(database.writeHealth.state.kind).toBe('writable');
    } finally {
      await database.close();
    }
  });

  it('syncs the WAL SQLite writes, beside the real file, when the database is opened through a symbolic link', async () => {
    const control = controlledFlush();
    const real = join(dir, 'real');
    mkdirSync(real);
    writeFileSync(join(real, 'parley.db'), '');
    symlinkSync(join(real, 'parley.db'), join(dir, 'linked.db'));
    const database = await openDatabase(
      { kind: 'sqlite', file: join(dir, 'linked.db'), synchronous: 'full' },
      { fdatasync: control.flush },
    );
    try {
      await database.probeWrite();
      expect(control.inodes.at(-1)).toBe(statSync(join(real, 'parley.db-wal')).ino);
    } finally {
      await database.close();
    }
  });

  it('syncs nothing with synchronous=normal', async () => {
    const { database, control } = await open('normal');
    try {
      const conversationId = await newConversation(database);
      await database.messageWriter.append(visitorMessage(conversationId, 'hello', 'n1'));
      expect(control.inodes).toEqual([]);
    } finally {
      await database.close();
    }
  });
});

describe('SqliteMessageWriter with a WalSync', () => {
  const dir = mkdtempSync(join(tmpdir(), 'parley-durable-writer-'));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('resolves its appends only after the sync, on a connection that would not wait by itself', async () => {
    const file = join(dir, 'writer.db');
    // Migrated, then closed: the writer gets a plain Kysely connection (no waiting driver) and its own WalSync.
    const migrated = await openDatabase({ kind: 'sqlite', file, synchronous: 'normal' });
    const conversationId = await newConversation(migrated);
    await migrated.close();
    const sqlite = new SqliteDatabase(file);
    const db = new Kysely<Database>({ dialect: new SqliteDialect({ database: sqlite }) });
    const syncs: (() => void)[] = [];
    const walSync = new WalSync(() => new Promise<void>((resolve) => syncs.push(resolve)));
    const writer = new SqliteMessageWriter(db, sqlite, walSync);
    try {
      const append = writer.append(visitorMessage(conversationId, 'hello', 'w1'));
      expect(await state(append)).toBe('pending');
      expect(syncs).toHaveLength(1);
      syncs[0]?.();
      expect((await append).row.seq).toBe(1);
    } finally {
      await db.destroy();
    }
  });
});
