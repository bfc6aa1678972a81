import SqliteDatabase from 'better-sqlite3';
import { Kysely, SqliteDialect } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ParleySqliteDialect } from './sqlite-dialect.js';

interface Schema {
  readonly items: { readonly id: number; readonly kind: string };
}

describe('ParleySqliteDialect', () => {
  const sqlite = new SqliteDatabase(':memory:');
  const ours = new Kysely<Schema>({ dialect: new ParleySqliteDialect({ database: sqlite }) });
  const kysely = new Kysely<Schema>({ dialect: new SqliteDialect({ database: sqlite }) });
  beforeAll(async () => {
    await ours.schema
      .createTable('items')
      .addColumn('id', 'integer', (c) => c.primaryKey())
      .addColumn('kind', 'text')
      .execute();
    await ours
      .insertInto('items')
      .values(Array.from({ length: 30 }, (_, i) => ({ id: i + 1, kind: i % 3 === 0 ? 'a' : 'b' })))
      .execute();
  });
  afterAll(async () => {
    await ours.destroy();
    sqlite.close();
  });

  const page = (db: Kysely<Schema>, limit: number, offset: number) =>
    db.selectFrom('items').selectAll().where('kind', '=', 'b').orderBy('id').limit(limit).offset(offset);

  it('binds LIMIT and OFFSET as +? (a value the planner does not read, so the statement stays prepared)', () => {
    expect(page(ours, 5, 10).compile().sql).toBe('select * from "items" where "kind" = ? order by "id" limit +? offset +?');
    expect(page(ours, 5, 10).compile().parameters).toEqual(['b', 5, 10]);
    expect(page(kysely, 5, 10).compile().sql).toBe('select * from "items" where "kind" = ? order by "id" limit ? offset ?');
  });

  it('answers the same rows as the plain dialect, for any limit and offset', async () => {
    for (const [limit, offset] of [
      [5, 0],
      [5, 10],
      [0, 0],
      [100, 3],
      [1, 19],
      [1, 20],
      [-1, 4],
    ] as const) {
      expect(await page(ours, limit, offset).execute(), `${limit} ${offset}`).toEqual(await page(kysely, limit, offset).execute());
    }
    expect((await page(ours, -1, 4).execute()).length).toBe(16); // SQLite: a negative LIMIT is no limit, as before
  });
});
