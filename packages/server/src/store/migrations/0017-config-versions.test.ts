import { readdirSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import SqliteDatabase from 'better-sqlite3';
import { Kysely, PostgresDialect, SqliteDialect, type Migration } from 'kysely';
import pg from 'pg';
import { afterAll, describe, expect, it } from 'vitest';
import { POSTGRES_URL } from '../../testing/test-server.js';

const folder = fileURLToPath(new URL('.', import.meta.url));

/** Every migration before 0017, in order, then 0017 itself. */
async function migrations(): Promise<{ before: Migration[]; versions: Migration }> {
  const files = readdirSync(folder)
    .filter((f) => /^\d{4}-.*\.ts$/.test(f) && !f.endsWith('.test.ts'))
    .sort();
  const loaded = await Promise.all(
    files.map(async (f) => ({ f, m: (await import(/* @vite-ignore */ `./${f.slice(0, -3)}.js`)) as Migration })),
  );
  const before = loaded.filter(({ f }) => f < '0017').map(({ m }) => m);
  const versions = loaded.find(({ f }) => f.startsWith('0017-'))?.m;
  if (versions === undefined) throw new Error('0017 not found');
  return { before, versions };
}

async function backfilled(db: Kysely<unknown>): Promise<void> {
  const { before, versions } = await migrations();
  for (const m of before) await m.up(db);
  const now = '2026-01-01T00:00:00.000Z';
  const base = { description: '', meta: '{"env":"prod"}', created_at: now, updated_at: now };
  await db
    .insertInto('blueprints' as never)
    .values({ ...base, id: 'bp_1', name: 'Base', settings: '{"intro":"Hi"}', bot_id: null } as never)
    .execute();
  await db
    .insertInto('widgets' as never)
    .values({
      ...base,
      id: 'wgt_1',
      name: 'Old',
      blueprint_id: 'bp_1',
      settings: '{"title":"T"}',
      bot_id: null,
      identity_secret: 's',
    } as never)
    .execute();
  await versions.up(db);
}

async function expectVersionOne(db: Kysely<unknown>): Promise<void> {
  const widget = (await db
    .selectFrom('widgets' as never)
    .select('version' as never)
    .executeTakeFirstOrThrow()) as { version: number };
  expect(Number(widget.version)).toBe(1);
  const rows = (await db
    .selectFrom('widget_versions' as never)
    .selectAll()
    .execute()) as Record<string, unknown>[];
  expect(rows).toHaveLength(1);
  expect(rows[0]).toMatchObject({
    widget_id: 'wgt_1',
    blueprint_id: 'bp_1',
    author_kind: 'system',
    created_at: '2026-01-01T00:00:00.000Z',
  });
  expect(Number(rows[0]?.['number'])).toBe(1);
  expect(Number(rows[0]?.['blueprint_version'])).toBe(1);
  expect(JSON.parse(String(rows[0]?.['document']))).toEqual({
    name: 'Old',
    description: '',
    blueprintId: 'bp_1',
    meta: { env: 'prod' },
    title: 'T',
  });
  const blueprint = (await db
    .selectFrom('blueprint_versions' as never)
    .selectAll()
    .executeTakeFirstOrThrow()) as Record<string, unknown>;
  expect(JSON.parse(String(blueprint['document']))).toEqual({ name: 'Base', description: '', meta: { env: 'prod' }, intro: 'Hi' });
}

describe('migration 0017: existing widgets and blueprints get version 1', () => {
  it('on SQLite', async () => {
    const db = new Kysely<unknown>({ dialect: new SqliteDialect({ database: new SqliteDatabase(':memory:') }) });
    try {
      await backfilled(db);
      await expectVersionOne(db);
    } finally {
      await db.destroy();
    }
  });

  const schema = `m0017_${process.pid}_${Date.now()}`;
  const admin = new pg.Pool({ connectionString: POSTGRES_URL, max: 1 });
  afterAll(async () => {
    await admin.query(`drop schema if exists "${schema}" cascade`);
    await admin.end();
  });

  it.skipIf(process.env['PARLEY_TEST_SKIP_POSTGRES'] === '1' && process.env['CI'] !== 'true')('on PostgreSQL', async () => {
    await admin.query(`create schema "${schema}"`);
    const pool = new pg.Pool({ connectionString: POSTGRES_URL, max: 1, options: `-c search_path=${schema}` });
    const db = new Kysely<unknown>({ dialect: new PostgresDialect({ pool }) });
    try {
      await backfilled(db);
      await expectVersionOne(db);
    } finally {
      await db.destroy();
    }
  });
});
