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

it('starts the write-ahead log over once it passes its limit, while commits never pause long enough for it to by itself', async () => {
  const { file, db } = openWal();
  // As the server's connection: a commit waits for a checkpoint that holds the database, instead of failing.
  db.pragma('busy_timeout = 5000');
  const limit = 256 * 1024;
  const checkpointer = new SqliteCheckpointer(file, 10, limit);
  const insert = db.prepare('insert into t (body) values (?)');
  const burst = db.transaction(() => {
    for (let i = 0; i < 20; i++) insert.run('x'.repeat(500));
  });
  const wal = `${file}-wal`;
  let largest = 0;
  let shrank = false;
  // Commits back to back, as under sustained load; only a TRUNCATE checkpoint makes the file smaller (a WAL that
  // starts over by itself is reused from its beginning at the size it had).
  for (let round = 0; round < 4000 && !shrank; round++) {
    burst();
    const size = statSync(wal).size;
    shrank = size < largest;
    largest = Math.max(largest, size);
    if (round % 10 === 0) await new Promise((resolve) => setImmediate(resolve));
  }
  await checkpointer.close();
  expect(shrank, `the WAL never shrank (largest ${largest} bytes)`).toBe(true);
  expect(largest).toBeGreaterThan(limit);
  db.close();
});
