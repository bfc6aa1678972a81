import { mkdirSync } from 'node:fs';
import { dirname } from 'node:path';
import SqliteDatabase from 'better-sqlite3';
import { Kysely, Migrator, PostgresDialect, SqliteDialect, sql, type Migration, type SqliteDatabase as KyselySqlite } from 'kysely';
import pg from 'pg';
import type { StorageConfig } from '../config.js';
import * as initial from './migrations/0001-initial.js';
import * as readCursors from './migrations/0002-read-cursors.js';
import * as agents from './migrations/0003-agents.js';
import * as cannedResponses from './migrations/0004-canned-responses.js';
import { PostgresMessageWriter, SqliteMessageWriter, type MessageWriter } from './message-writer.js';
import type { Database } from './schema.js';
import { SqliteCheckpointer } from './sqlite-checkpointer.js';

export type Db = Kysely<Database>;

export interface OpenDatabase {
  readonly db: Db;
  readonly dialect: StorageConfig['kind'];
  /** The hot path of every message, in the cheapest shape each dialect allows. */
  readonly messageWriter: MessageWriter;
  /** Cheap round trip for /readyz. */
  ping(): Promise<void>;
  close(): Promise<void>;
}

const MIGRATIONS: Record<string, Migration> = {
  '0001-initial': initial,
  '0002-read-cursors': readCursors,
  '0003-agents': agents,
  '0004-canned-responses': cannedResponses,
};

export async function openDatabase(storage: StorageConfig): Promise<OpenDatabase> {
  const opened = storage.kind === 'sqlite' ? openSqlite(storage.file) : await openPostgres(storage.url, storage.schema);
  await migrate(opened.db, opened.dialect === 'postgres' ? await currentSchema(opened.db) : undefined);
  // Built after the migrations: the SQLite writer prepares its statements against the tables.
  return { ...opened, messageWriter: opened.writer() };
}

type Opened = Omit<OpenDatabase, 'messageWriter'> & { writer(): MessageWriter };

function openSqlite(file: string): Opened {
  mkdirSync(dirname(file), { recursive: true });
  const sqlite = new SqliteDatabase(file);
  // WAL lets readers proceed while a write commits; NORMAL sync is durable across process crashes in WAL mode.
  sqlite.pragma('journal_mode = WAL');
  sqlite.pragma('synchronous = NORMAL');
  sqlite.pragma('foreign_keys = ON');
  sqlite.pragma('busy_timeout = 5000');
  // Checkpoints happen on a worker thread instead of inside a commit on the event loop (see SqliteCheckpointer).
  sqlite.pragma('wal_autocheckpoint = 0');
  const checkpointer = new SqliteCheckpointer(file);
  const db = new Kysely<Database>({ dialect: new SqliteDialect({ database: withStatementCache(sqlite) }) });
  return {
    db,
    dialect: 'sqlite',
    writer: () => new SqliteMessageWriter(db, sqlite),
    ping: async () => {
      await sql`select 1`.execute(db);
    },
    close: async () => {
      await checkpointer.close();
      await db.destroy();
    },
  };
}

const STATEMENT_CACHE_SIZE = 256;

/**
 * Kysely prepares every query anew; preparing cost as much as running in the gateway profile. The
 * same SQL text (Kysely compiles values to parameters) reuses its statement, least recently used
 * evicted. Safe because better-sqlite3 runs a statement synchronously and Kysely holds one
 * connection per query, so a cached statement is never in use twice at once.
 */
function withStatementCache(sqlite: SqliteDatabase.Database): KyselySqlite {
  const cache = new Map<string, SqliteDatabase.Statement>();
  return {
    close: () => sqlite.close(),
    prepare(text: string) {
      let statement = cache.get(text);
      if (statement !== undefined) cache.delete(text);
      else statement = sqlite.prepare(text);
      cache.set(text, statement);
      if (cache.size > STATEMENT_CACHE_SIZE) cache.delete(cache.keys().next().value ?? '');
      return statement;
    },
  };
}

async function openPostgres(url: string, schema: string | null): Promise<Opened> {
  if (schema !== null) {
    const client = new pg.Client({ connectionString: url });
    await client.connect();
    try {
      // Two starts creating it at once (outside main's setup lock: the CLI, tests) make the slower one
      // fail on pg_namespace's unique index although the schema is there: that is success.
      await client.query(`create schema if not exists "${schema}"`).catch((error: unknown) => {
        if (!(error instanceof pg.DatabaseError && (error.code === '23505' || error.code === '42P06'))) throw error;
      });
    } finally {
      await client.end();
    }
  }
  const pool = new pg.Pool({
    connectionString: url,
    max: 10,
    ...(schema === null ? {} : { options: `-c search_path="${schema}"` }),
  });
  const db = new Kysely<Database>({ dialect: new PostgresDialect({ pool }) });
  return {
    db,
    dialect: 'postgres',
    writer: () => new PostgresMessageWriter(db),
    ping: async () => {
      await sql`select 1`.execute(db);
    },
    close: () => db.destroy(),
  };
}

/** The schema unqualified names resolve to: PARLEY_DATABASE_SCHEMA, or the first of the role's search_path. */
async function currentSchema(db: Db): Promise<string> {
  const { rows } = await sql<{ schema: string }>`select current_schema() as schema`.execute(db);
  const schema = rows[0]?.schema;
  if (schema === undefined) throw new Error('PostgreSQL reported no current schema; check the search_path of the database role.');
  return schema;
}

/**
 * On PostgreSQL the migration bookkeeping tables are pinned to our schema: left unpinned, Kysely
 * looks for them in every schema of the database, finds another deployment's (or test run's) and
 * then fails on its own schema, where they were never created.
 */
async function migrate(db: Db, migrationTableSchema: string | undefined): Promise<void> {
  const migrator = new Migrator({
    db,
    provider: { getMigrations: () => Promise.resolve(MIGRATIONS) },
    ...(migrationTableSchema === undefined ? {} : { migrationTableSchema }),
  });
  const { error, results } = await migrator.migrateToLatest();
  if (error !== undefined) {
    const failed = results?.find((r) => r.status === 'Error')?.migrationName ?? 'unknown';
    throw new Error(`Database migration ${failed} failed: ${error instanceof Error ? error.message : String(error)}`);
  }
}
