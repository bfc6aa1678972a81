import { mkdtempSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import SqliteDatabase from 'better-sqlite3';
import { afterEach, expect, it } from 'vitest';
import { SqliteCheckpointer } from './sqlite-checkpointer.js';

const dirs: string[] = [];
afterEach(() => dirs.splice(0).forEach((dir) => rmSync(dir, { recursive: true, force: true })));

function openWal(): { file: string; db: SqliteDatabase.Database } {
  const dir = mkdtempSync(join(tmpdir(), 'parley-ckpt-'));
  dirs.push(dir);
  const file = join(dir, 'db.sqlite');
  const db = new SqliteDatabase(file);
  db.pragma('journal_mode = WAL');
  db.pragma('wal_autocheckpoint = 0');
  db.exec('create table t (id integer primary key, body text)');
  return { file, db };
}

it('folds the write-ahead log into the database file from its own thread while the writer never checkpoints', async () => {
  const { file, db } = openWal();
  const insert = db.prepare('insert into t (body) values (?)');
  for (let i = 0; i < 2000; i++) insert.run('x'.repeat(500));
  const before = statSync(file).size;
  const checkpointer = new SqliteCheckpointer(file, 20);
  // The database file grows only through checkpoints: wait until the worker has copied the pages in.
  while (statSync(file).size <= before) await new Promise((resolve) => setTimeout(resolve, 20));
  await checkpointer.close();
  expect(statSync(file).size).toBeGreaterThan(before + 500 * 1000);
  expect(db.prepare('select count(*) as n from t').get()).toEqual({ n: 2000 });
  db.close();
});

it('closes promptly with a last checkpoint', async () => {
  const { file, db } = openWal();
  const checkpointer = new SqliteCheckpointer(file, 60_000);
  db.prepare('insert into t (body) values (?)').run('last');
  const before = statSync(file).size;
  await checkpointer.close();
  expect(statSync(file).size).toBeGreaterThan(before);
  db.close();
});
