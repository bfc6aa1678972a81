import { mkdirSync, realpathSync } from 'node:fs';
import { dirname } from 'node:path';
import SqliteDatabase from 'better-sqlite3';
import {
  Kysely,
  Migrator,
  PostgresDialect,
  SqliteDriver,
  sql,
  type Driver,
  type LogEvent,
  type Migration,
  type SqliteDatabase as KyselySqlite,
  type SqliteDialectConfig,
  type SqliteStatement as KyselySqliteStatement,
} from 'kysely';
import pg from 'pg';
import type { SqliteSynchronous, StorageConfig } from '../config.js';
import { ParleySqliteDialect } from './sqlite-dialect.js';
import * as initial from './migrations/0001-initial.js';
import * as readCursors from './migrations/0002-read-cursors.js';
import * as agents from './migrations/0003-agents.js';
import * as cannedResponses from './migrations/0004-canned-responses.js';
import * as writeProbes from './migrations/0005-write-probes.js';
import * as conversationActivity from './migrations/0006-conversation-activity.js';
import * as visitorBlocks from './migrations/0007-visitor-blocks.js';
import * as conversationPriority from './migrations/0008-conversation-priority.js';
import * as inboxIndexes from './migrations/0009-inbox-indexes.js';
import * as contacts from './migrations/0010-contacts.js';
import * as events from './migrations/0011-events.js';
import * as webhooks from './migrations/0012-webhooks.js';
import * as reportRollups from './migrations/0013-report-rollups.js';
import * as privacy from './migrations/0014-privacy.js';
import * as consent from './migrations/0015-consent.js';
import * as campaigns from './migrations/0016-campaigns.js';
import * as configVersions from './migrations/0017-config-versions.js';
import * as calls from './migrations/0018-calls.js';
import * as translation from './migrations/0019-translation.js';
import * as visitorConversations from './migrations/0020-visitor-conversations.js';
import * as conversationLinks from './migrations/0021-conversation-links.js';
import { PostgresMessageWriter, SqliteMessageWriter, type MessageWriter } from './message-writer.js';
import { createPostgresPool } from './postgres-pool.js';
import type { Database } from './schema.js';
import { SqliteCheckpointer, WAL_LIMIT_BYTES, type CheckpointerOptions } from './sqlite-checkpointer.js';
import { walFile, WalSync, WalSyncError, type Fdatasync, type WalFile } from './wal-sync.js';
import { probeWrite } from './write-probe.js';
import { WriteHealth, type StorageLog } from './write-health.js';

export type Db = Kysely<Database>;

export interface OpenDatabase {
  readonly db: Db;
  readonly dialect: StorageConfig['kind'];
  /** The hot path of every message, in the cheapest shape each dialect allows. */
  readonly messageWriter: MessageWriter;
  /** Whether the last write failed for a reason of the storage (disk full, database unreachable). */
  readonly writeHealth: WriteHealth;
  /** Cheap round trip for /readyz. */
  ping(): Promise<void>;
  /** A real, tiny write (committed, then gone) for /readyz while writes fail; success marks the storage writable. */
  probeWrite(): Promise<void>;
  close(): Promise<void>;
}

const MIGRATIONS: Record<string, Migration> = {
  '0001-initial': initial,
  '0002-read-cursors': readCursors,
  '0003-agents': agents,
  '0004-canned-responses': cannedResponses,
  '0005-write-probes': writeProbes,
  '0006-conversation-activity': conversationActivity,
  '0007-visitor-blocks': visitorBlocks,
  '0008-conversation-priority': conversationPriority,
  '0009-inbox-indexes': inboxIndexes,
  '0010-contacts': contacts,
  '0011-events': events,
  '0012-webhooks': webhooks,
  '0013-report-rollups': reportRollups,
  '0014-privacy': privacy,
  '0015-consent': consent,
  '0016-campaigns': campaigns,
  '0017-config-versions': configVersions,
  '0018-calls': calls,
  '0019-translation': translation,
  '0020-visitor-conversations': visitorConversations,
  '0021-conversation-links': conversationLinks,
};

export interface OpenOptions {
  /** Where lost connections and failing writes are reported (once per incident); none in the CLI. */
  readonly log?: StorageLog;
  /** SQLite with synchronous=full: how the WAL file is flushed (fdatasync on libuv's threadpool; tests hold or fail it). */
  readonly fdatasync?: Fdatasync;
  /** SQLite: how often the checkpointer runs and the WAL size past which it holds the connection (tests shorten both). */
  readonly checkpoints?: Omit<CheckpointerOptions, 'hold'>;
}

export async function openDatabase(storage: StorageConfig, { log, fdatasync, checkpoints }: OpenOptions = {}): Promise<OpenDatabase> {
  const writeHealth = new WriteHealth(log ?? null);
  // Every failed query or connect may be the storage failing; writeHealth keeps only those.
  const failed = (error: unknown): void => writeHealth.failed(error);
  const opened =
    storage.kind === 'sqlite'
      ? openSqlite(storage.file, storage.synchronous, failed, fdatasync, checkpoints ?? {})
      : await openPostgres(storage.url, storage.schema, failed, log ?? null);
  await migrate(opened.db, opened.dialect === 'postgres' ? await currentSchema(opened.db) : undefined);
  return {
    ...opened,
    writeHealth,
    // Built after the migrations: the SQLite writer prepares its statements against the tables.
    messageWriter: healthTracked(opened.writer(), writeHealth, opened.dialect === 'sqlite'),
    probeWrite: async () => {
      await probeWrite(opened.db);
      writeHealth.succeeded();
    },
  };
}

type Opened = Omit<OpenDatabase, 'messageWriter' | 'writeHealth' | 'probeWrite'> & { writer(): MessageWriter };

/**
 * Kysely's log reports failures only, so each commit of the message hot path is recorded here as proof
 * the storage is writable. Its failures too when the writer bypasses Kysely (SQLite's prepared
 * statements); PostgreSQL's goes through Kysely, whose log already records them once.
 */
function healthTracked(writer: MessageWriter, health: WriteHealth, bypassesKysely: boolean): MessageWriter {
  return {
    writesOutbox: writer.writesOutbox,
    append: async (message, outbox) => {
      try {
        const written = await writer.append(message, outbox);
        health.succeeded();
        return written;
      } catch (error) {
        // A failed WAL sync was reported once by its WalSync, however many appends it failed.
        if (bypassesKysely && !(error instanceof WalSyncError)) health.failed(error);
        throw error;
      }
    },
  };
}

/** Kysely reports each failed query to its log (a failed connect it does not: see openPostgres). */
const reportingErrors =
  (failed: (error: unknown) => void) =>
  (event: LogEvent): void => {
    if (event.level === 'error') failed(event.error);
  };

function openSqlite(
  file: string,
  synchronous: SqliteSynchronous,
  failed: (error: unknown) => void,
  fdatasync: Fdatasync | undefined,
  checkpoints: Omit<CheckpointerOptions, 'hold'>,
): Opened {
  mkdirSync(dirname(file), { recursive: true });
  const sqlite = new SqliteDatabase(file);
  // WAL lets readers proceed while a write commits. The connection itself never fsyncs at commit (NORMAL):
  // with PARLEY_SQLITE_SYNCHRONOUS=full (the default) the WAL is flushed off the event loop by a WalSync, and
  // nothing that depends on a commit (an ack, a fan-out, a query's answer) is handed out before it is on disk,
  // so an acknowledged message survives power loss as with FULL; normal survives a process crash only.
  const wal = sqlite.pragma('journal_mode = WAL', { simple: true }) === 'wal';
  sqlite.pragma('synchronous = NORMAL');
  sqlite.pragma('foreign_keys = ON');
  sqlite.pragma('busy_timeout = 5000');
  // Checkpoints happen on a worker thread instead of inside a commit on the event loop (see SqliteCheckpointer).
  // Its connection syncs the WAL before copying it into the database file, and the database file before the
  // WAL may be started again (checked with strace), so a checkpoint never drops a commit the WAL held.
  sqlite.pragma('wal_autocheckpoint = 0');
  // When the WAL starts over after the checkpointer held this connection (see SqliteCheckpointer), a file that grew
  // past the limit meanwhile is shortened to it.
  sqlite.pragma(`journal_size_limit = ${checkpoints.walLimitBytes ?? WAL_LIMIT_BYTES}`);
  // An in-memory database has no WAL and nothing to make durable. SQLite names the WAL after the database file's
  // real path (a symbolic link to the file is resolved), so must we.
  const walSync = synchronous === 'full' && wal ? durableWal(`${realpathSync(file)}-wal`, failed, fdatasync) : null;
  const config: SqliteDialectConfig = { database: withStatementCache(sqlite, walSync?.sync ?? null) };
  const dialect = walSync === null ? new ParleySqliteDialect(config) : new DurableSqliteDialect(config, walSync.sync, walSync.file);
  const db = new Kysely<Database>({ dialect, log: reportingErrors(failed) });
  // Every statement of the main connection, the message writer's group commits included, runs on Kysely's one
  // connection: holding it holds them all, queued behind its mutex, without blocking the event loop.
  const checkpointer = new SqliteCheckpointer(file, { ...checkpoints, hold: (whileHeld) => db.connection().execute(whileHeld) });
  return {
    db,
    dialect: 'sqlite',
    writer: () => new SqliteMessageWriter(db, sqlite, walSync?.sync ?? null),
    ping: async () => {
      await sql`select 1`.execute(db);
    },
    close: async () => {
      await checkpointer.close();
      await db.destroy();
    },
  };
}

function durableWal(path: string, failed: (error: unknown) => void, fdatasync: Fdatasync | undefined): { sync: WalSync; file: WalFile } {
  const file = walFile(path, fdatasync);
  return { file, sync: new WalSync(() => file.sync(), failed) };
}

/**
 * Kysely's SQLite driver, whose connection, when released, waits until every commit made before then is on
 * disk (WalSync): a query or transaction resolves only then, so what it wrote is durable and what it read was
 * (another user's commit may be visible to it before its sync). The wait comes after the connection's mutex is
 * unlocked, so the next query is not held up meanwhile. (A controlled transaction, db.startTransaction(),
 * releases its connection without awaiting it: its commit would not wait. Nothing uses one.)
 */
class DurableSqliteDriver extends SqliteDriver {
  constructor(
    config: SqliteDialectConfig,
    private readonly walSync: WalSync,
    private readonly wal: WalFile,
  ) {
    super(config);
  }

  override async releaseConnection(): Promise<void> {
    const generation = this.walSync.generation;
    await super.releaseConnection();
    if (!this.walSync.isDurable(generation)) await this.walSync.durable(generation);
  }

  override async destroy(): Promise<void> {
    await this.walSync.settled();
    this.wal.close();
    await super.destroy();
  }
}

class DurableSqliteDialect extends ParleySqliteDialect {
  constructor(
    private readonly config: SqliteDialectConfig,
    private readonly walSync: WalSync,
    private readonly wal: WalFile,
  ) {
    super(config);
  }

  override createDriver(): Driver {
    return new DurableSqliteDriver(this.config, this.walSync, this.wal);
  }
}

const STATEMENT_CACHE_SIZE = 256;

/**
 * Kysely prepares every query anew; preparing cost as much as running in the gateway profile. The
 * same SQL text (Kysely compiles values to parameters) reuses its statement, least recently used
 * evicted. Safe because better-sqlite3 runs a statement synchronously and Kysely holds one
 * connection per query, so a cached statement is never in use twice at once.
 *
 * With a WalSync, each commit a statement makes is counted (a statement that writes, run outside a transaction,
 * or the end of a transaction that wrote), so that the connection's release waits for its sync.
 */
function withStatementCache(sqlite: SqliteDatabase.Database, walSync: WalSync | null): KyselySqlite {
  const cache = new Map<string, KyselySqliteStatement>();
  let wrote = false;
  const ran = (writes: boolean): void => {
    if (writes) wrote = true;
    if (wrote && !sqlite.inTransaction) {
      wrote = false;
      walSync?.committed();
    }
  };
  const prepare = (text: string): KyselySqliteStatement => {
    const statement = sqlite.prepare(text);
    if (walSync === null) return statement;
    // readonly is false for INSERT … RETURNING too, which Kysely runs with all().
    const writes = !statement.readonly;
    return {
      reader: statement.reader,
      all: (parameters) => {
        const rows = statement.all(parameters);
        ran(writes);
        return rows;
      },
      run: (parameters) => {
        const result = statement.run(parameters);
        ran(writes);
        return result;
      },
      iterate: (parameters) => statement.iterate(parameters),
    };
  };
  return {
    close: () => sqlite.close(),
    prepare(text: string) {
      let statement = cache.get(text);
      if (statement !== undefined) cache.delete(text);
      else statement = prepare(text);
      cache.set(text, statement);
      if (cache.size > STATEMENT_CACHE_SIZE) cache.delete(cache.keys().next().value ?? '');
      return statement;
    },
  };
}

async function openPostgres(
  url: string,
  schema: string | null,
  failed: (error: unknown) => void,
  storageLog: StorageLog | null,
): Promise<Opened> {
  if (schema !== null) {
    const client = new pg.Client({ connectionString: url });
    // A connection lost here fails the query below, which the start reports; the event alone must not end the process.
    client.on('error', () => undefined);
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
  const pool = createPostgresPool({ url, schema, log: storageLog });
  const dialect = new PostgresDialect({
    pool: {
      // A connect that fails (the database refuses, or is gone) never reaches Kysely's log: report it here.
      connect: () =>
        pool.connect().catch((error: unknown) => {
          failed(error);
          throw error;
        }),
      end: () => pool.end(),
    },
  });
  const db = new Kysely<Database>({ dialect, log: reportingErrors(failed) });
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
    // Migrations are numbered when work starts and may land in another order (0008 before 0007): a
    // database that already ran a later one still runs an earlier one that arrives after it.
    allowUnorderedMigrations: true,
    ...(migrationTableSchema === undefined ? {} : { migrationTableSchema }),
  });
  for (let attempt = 1; ; attempt++) {
    const { error, results } = await migrator.migrateToLatest();
    if (error === undefined) return;
    const failed = results?.find((r) => r.status === 'Error')?.migrationName;
    // Before any migration runs, Kysely looks for its tables by introspecting every schema of the database, and
    // PostgreSQL fails that query (3F000) when another schema is dropped meanwhile (other deployments, other test
    // runs): nothing was applied, so it is asked again.
    if (failed === undefined && isSchemaGone(error) && attempt < 5) {
      await new Promise((resolve) => setTimeout(resolve, 50 * attempt));
      continue;
    }
    throw new Error(`Database migration ${failed ?? 'unknown'} failed: ${error instanceof Error ? error.message : String(error)}`);
  }
}

function isSchemaGone(error: unknown): boolean {
  return error instanceof pg.DatabaseError && error.code === '3F000';
}
