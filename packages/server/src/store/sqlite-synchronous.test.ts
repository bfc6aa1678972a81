import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { sql } from 'kysely';
import { afterAll, describe, expect, it } from 'vitest';
import type { SqliteSynchronous } from '../config.js';
import { openDatabase } from './database.js';

describe('SQLite durability setting', () => {
  const dir = mkdtempSync(join(tmpdir(), 'parley-sync-'));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  // SQLite's numbers: 1 NORMAL (WAL fsynced at checkpoints only), 2 FULL (WAL fsynced at every commit).
  it.each([
    ['full', 2],
    ['normal', 1],
  ] as const)('opens the database with synchronous=%s', async (synchronous: SqliteSynchronous, expected: number) => {
    const database = await openDatabase({ kind: 'sqlite', file: join(dir, `${synchronous}.db`), synchronous });
    try {
      const { rows } = await sql<{ synchronous: number }>`pragma synchronous`.execute(database.db);
      expect(rows[0]?.synchronous).toBe(expected);
    } finally {
      await database.close();
    }
  });
});
