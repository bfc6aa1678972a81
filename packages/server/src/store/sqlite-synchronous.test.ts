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

  // SQLite's numbers: 1 NORMAL (no fsync at commit). With full the connection still runs NORMAL: the WAL is flushed
  // after each commit off the event loop (wal-sync.ts), and a write resolves only after that flush.
  it.each([
    ['full', 1, true],
    ['normal', 1, false],
  ] as const)(
    'opens the database with synchronous=%s (connection: %i, WAL flushed after commits: %s)',
    async (synchronous: SqliteSynchronous, expected: number, flushes: boolean) => {
      const flushed: number[] = [];
      const database = await openDatabase(
        { kind: 'sqlite', file: join(dir, `${synchronous}.db`), synchronous },
        { fdatasync: async (fd) => void flushed.push(fd) },
      );
      try {
        const { rows } = await sql<{ synchronous: number }>`pragma synchronous`.execute(database.db);
        expect(rows[0]?.synchronous).toBe(expected);
        const before = flushed.length;
        await database.probeWrite();
        expect(flushed.length > before).toBe(flushes);
      } finally {
        await database.close();
      }
    },
  );
});
