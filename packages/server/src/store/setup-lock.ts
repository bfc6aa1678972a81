import { createHash } from 'node:crypto';
import { mkdirSync } from 'node:fs';
import { dirname } from 'node:path';
import SqliteDatabase from 'better-sqlite3';
import pg from 'pg';
import type { StorageConfig } from '../config.js';

/**
 * Held from before the database is opened until the first-start setup is done, so that any number of
 * nodes (or `npm start` twice on one SQLite file) starting at once on an empty database take turns:
 * the first creates the schema, runs the migrations and makes the first admin, key and demo widget;
 * the others wait, then find them and start normally. A process that dies holding it releases it
 * (the PostgreSQL session or the SQLite file lock ends with the process).
 */
export interface SetupLock {
  release(): Promise<void>;
}

/** How long a start waits for another process's setup before it gives up and says so. */
const WAIT_LIMIT_MS = 120_000;

export async function acquireSetupLock(storage: StorageConfig, onWait: () => void): Promise<SetupLock> {
  return storage.kind === 'sqlite' ? sqliteSetupLock(storage.file, onWait) : postgresSetupLock(storage.url, storage.schema, onWait);
}

/**
 * A session-level advisory lock on a client of its own (not the pool's: the pool's clients come and
 * go, and a session lock belongs to the connection that took it). One key per schema, so two
 * deployments, or two test runs, in one database do not wait for each other.
 */
async function postgresSetupLock(url: string, schema: string | null, onWait: () => void): Promise<SetupLock> {
  const key = createHash('sha256')
    .update(`parley-setup:${schema ?? ''}`)
    .digest()
    .readBigInt64BE(0)
    .toString();
  const client = new pg.Client({ connectionString: url, application_name: 'parley-setup' });
  // A connection lost while held only ends the lock early: the start itself goes on through the pool.
  client.on('error', () => undefined);
  await client.connect();
  try {
    const { rows } = await client.query<{ locked: boolean }>('select pg_try_advisory_lock($1::bigint) as locked', [key]);
    if (rows[0]?.locked !== true) {
      onWait();
      await client.query(`set statement_timeout = ${WAIT_LIMIT_MS}`);
      await client.query('select pg_advisory_lock($1::bigint)', [key]).catch((error: unknown) => {
        throw new Error(
          `Waited ${WAIT_LIMIT_MS / 1000} s for another node to finish setting up the database (${describe(error)}): ` +
            `look for a node stuck starting (the connection named parley-setup in pg_stat_activity) and stop it.`,
          { cause: error },
        );
      });
    }
  } catch (error) {
    await client.end().catch(() => undefined);
    throw error;
  }
  return {
    release: async () => {
      // Ending the session releases its advisory locks; an explicit unlock first says so in the server's log if it fails.
      await client.query('select pg_advisory_unlock($1::bigint)', [key]).catch(() => undefined);
      await client.end().catch(() => undefined);
    },
  };
}

/**
 * An exclusive transaction on a small file beside the database: SQLite's own file locking, which the
 * operating system drops when the process ends. The database file itself cannot serve, since this
 * process must write to it while holding the lock.
 */
function sqliteSetupLock(file: string, onWait: () => void): SetupLock {
  mkdirSync(dirname(file), { recursive: true });
  const lock = new SqliteDatabase(`${file}-setup-lock`, { timeout: 0 });
  try {
    try {
      lock.exec('begin exclusive');
    } catch (error) {
      if (!isBusy(error)) throw error;
      onWait();
      // Blocks the thread while it waits: nothing else runs before setup anyway.
      lock.pragma(`busy_timeout = ${WAIT_LIMIT_MS}`);
      try {
        lock.exec('begin exclusive');
      } catch (again) {
        if (!isBusy(again)) throw again;
        throw new Error(
          `Waited ${WAIT_LIMIT_MS / 1000} s for another Parley process on ${file} to finish setting up: ` +
            'look for one stuck starting and stop it.',
          { cause: again },
        );
      }
    }
  } catch (error) {
    lock.close();
    throw error;
  }
  return {
    release: () => {
      lock.exec('rollback');
      lock.close();
      return Promise.resolve();
    },
  };
}

function isBusy(error: unknown): boolean {
  return error instanceof SqliteDatabase.SqliteError && error.code.startsWith('SQLITE_BUSY');
}

function describe(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
