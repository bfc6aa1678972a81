import SqliteDatabase from 'better-sqlite3';
import { Kysely, SqliteDialect } from 'kysely';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { compiledRead } from './compiled-read.js';
import type { Db } from './database.js';
import type { Database } from './schema.js';

describe('compiledRead', () => {
  let db: Db;

  beforeEach(async () => {
    db = new Kysely<Database>({ dialect: new SqliteDialect({ database: new SqliteDatabase(':memory:') }) });
    await db.schema
      .createTable('read_cursors')
      .addColumn('conversation_id', 'text')
      .addColumn('reader_role', 'text')
      .addColumn('reader_id', 'text')
      .addColumn('seq', 'integer')
      .addColumn('updated_at', 'text')
      .execute();
    const rows = ['conv_a', 'conv_b'].flatMap((conversation_id) =>
      [1, 2, 3].map((seq) => ({ conversation_id, reader_role: 'agent', reader_id: `agt_${seq}`, seq, updated_at: `2026-12-0${seq}` })),
    );
    await db.insertInto('read_cursors').values(rows).execute();
  });
  afterEach(() => db.destroy());

  // A constant of the query (the role) between two arguments, one of them the limit: each lands in its place.
  const build = (on: Db, conversationId: string, afterSeq: number, limit: number) =>
    on
      .selectFrom('read_cursors')
      .selectAll()
      .where('conversation_id', '=', conversationId)
      .where('reader_role', '=', 'agent')
      .where('seq', '>', afterSeq)
      .orderBy('seq')
      .limit(limit);

  it('answers the rows the query built each time answers, whatever the arguments', async () => {
    const read = compiledRead(build);
    for (const [conversationId, afterSeq, limit] of [
      ['conv_a', 0, 10],
      ['conv_b', 1, 1],
      ['conv_a', 2, 5],
      ['conv_c', 0, 10],
    ] as const) {
      expect(await read(db, conversationId, afterSeq, limit)).toEqual(await build(db, conversationId, afterSeq, limit).execute());
    }
    expect((await read(db, 'conv_b', 1, 1)).map((row) => row.seq)).toEqual([2]);
  });

  it('builds the query once per database handle, and once more for a transaction', async () => {
    const spy = vi.fn(build);
    const read = compiledRead(spy);
    await read(db, 'conv_a', 0, 10);
    await read(db, 'conv_b', 0, 10);
    expect(spy).toHaveBeenCalledTimes(1);
    const inTransaction = await db.transaction().execute((trx) => read(trx, 'conv_a', 2, 10));
    expect(inTransaction.map((row) => row.seq)).toEqual([3]);
    expect(spy).toHaveBeenCalledTimes(2);
  });

  it('refuses at the first call a build that does not bind an argument as a value', async () => {
    const read = compiledRead((on: Db, conversationId: string) =>
      on
        .selectFrom('read_cursors')
        .selectAll()
        .where('conversation_id', '=', conversationId.startsWith('conv_') ? 'conv_a' : 'conv_b'),
    );
    await expect(read(db, 'conv_a')).rejects.toThrow(/argument 0 is not a bound value/);
  });
});
