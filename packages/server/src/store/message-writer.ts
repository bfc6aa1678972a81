import type SqliteDatabase from 'better-sqlite3';
import { sql, type CompiledQuery } from 'kysely';
import type { Db } from './database.js';
import { isUniqueViolation, type MessageRow } from './conversations-store.js';
import {
  messageEventOf,
  messageEventFailed,
  postgresEventCte,
  SQLITE_INSERT_MESSAGE_EVENT,
  sqliteParams,
  type MessageEvent,
} from './message-events.js';

/** A message to store; its seq is assigned by the writer. */
export type NewMessage = Omit<MessageRow, 'seq'>;

export interface WrittenMessage {
  readonly row: MessageRow;
  /** False when the conversation already held this clientId: `row` is the stored original. */
  readonly created: boolean;
}

/**
 * Statements written with a message, in its own transaction once its seq is known: its webhook
 * deliveries (the outbox). Given the stored row and its conversation's widget; answers compiled
 * queries (the writer runs them on its own connection).
 */
export type MessageOutbox = (row: MessageRow, widgetId: string) => readonly CompiledQuery[];

/**
 * The hot path of every chat message: the next seq of its conversation and the row, in one
 * transaction, idempotent on clientId. Each dialect gets the cheapest shape it allows; the portable
 * Kysely version (conversationsStore) stays for callers that compose a larger transaction.
 * A resend that races its original past the clientId check fails on the unique constraint; the
 * caller then reads the original (isUniqueViolation).
 */
export interface MessageWriter {
  /** `outbox` only where `writesOutbox`: its statements run in the message's transaction, rolled back with it. */
  append(message: NewMessage, outbox?: MessageOutbox): Promise<WrittenMessage>;
  /**
   * Whether `append` writes a message's outbox in the message's own transaction (SQLite: inside the group
   * commit). When not, a message with webhook deliveries takes the engine's portable path instead.
   */
  readonly writesOutbox: boolean;
}

export class ConversationMissingError extends Error {
  constructor(conversationId: string) {
    super(`The conversation ${conversationId} does not exist.`);
  }
}

type Outcome = { readonly ok: true; readonly written: WrittenMessage } | { readonly ok: false; readonly error: unknown };

interface Pending {
  readonly message: NewMessage;
  readonly outbox: MessageOutbox | undefined;
  resolve(written: WrittenMessage): void;
  reject(error: unknown): void;
}

/**
 * SQLite: synchronous better-sqlite3 transactions on prepared statements, run while holding Kysely's
 * connection, so they can never interleave with a Kysely transaction that is between awaits.
 *
 * Group commit: the appends of one turn of the event loop (every frame read from the sockets in one
 * poll) are written in one transaction, each in its own savepoint, and committed once. A commit is
 * the dearest part of an append (its WAL write); a burst of messages now pays it once, not once per
 * message, so the last of the burst no longer waits for every commit before it. One message that
 * fails (its conversation is gone) rolls back its savepoint only. A message's webhook deliveries
 * (the outbox statements it is given) are written in its savepoint, so they ride the same commit.
 */
export class SqliteMessageWriter implements MessageWriter {
  private readonly byClientId: SqliteDatabase.Statement<[string, string], MessageRow>;
  private readonly bumpSeq: SqliteDatabase.Statement<[string, string], { last_seq: number; widget_id: string }>;
  private readonly inserts = new Map<string, SqliteDatabase.Statement<[Record<string, unknown>]>>();
  /** The outbox's statements, by their SQL (parameters differ per message). */
  private readonly outboxStatements = new Map<string, SqliteDatabase.Statement<unknown[]>>();
  /** The message's report event, in a savepoint of its own: a failure there never fails the message. */
  private readonly writeEvent: (event: MessageEvent) => void;
  private readonly writeAll: (entries: readonly Pending[]) => Outcome[];
  private pending: Pending[] = [];
  readonly writesOutbox = true;

  constructor(
    private readonly db: Db,
    private readonly sqlite: SqliteDatabase.Database,
  ) {
    this.byClientId = sqlite.prepare('select * from messages where conversation_id = ? and client_id = ?');
    this.bumpSeq = sqlite.prepare(
      'update conversations set last_seq = last_seq + 1, updated_at = ? where id = ? returning last_seq, widget_id',
    );
    const insertEvent = sqlite.prepare<[Record<string, unknown>]>(SQLITE_INSERT_MESSAGE_EVENT);
    this.writeEvent = sqlite.transaction((event: MessageEvent) => void insertEvent.run(sqliteParams(event)));
    // Called inside writeAll's transaction, better-sqlite3 runs it as a savepoint: the message, its
    // outbox rows and its report event are stored together or not at all.
    const write = sqlite.transaction(({ message, outbox }: Pending): WrittenMessage => {
      if (message.client_id !== null) {
        const existing = this.byClientId.get(message.conversation_id, message.client_id);
        if (existing !== undefined) return { row: existing, created: false };
      }
      const bumped = this.bumpSeq.get(message.created_at, message.conversation_id);
      if (bumped === undefined) throw new ConversationMissingError(message.conversation_id);
      const row: MessageRow = { ...message, seq: Number(bumped.last_seq) };
      this.insertFor(row).run({ ...row });
      if (outbox !== undefined) {
        for (const query of outbox(row, bumped.widget_id)) this.outboxStatement(query.sql).run(...query.parameters);
      }
      const event = messageEventOf(message);
      if (event !== null) {
        try {
          this.writeEvent(event);
        } catch (error) {
          // As for a message: an error that rolled back the whole transaction fails the batch.
          if (!sqlite.inTransaction) throw error;
          messageEventFailed(error);
        }
      }
      return { row, created: true };
    });
    this.writeAll = sqlite.transaction((entries: readonly Pending[]): Outcome[] =>
      entries.map((entry) => {
        try {
          return { ok: true, written: write(entry) };
        } catch (error) {
          // SQLITE_FULL, IOERR and the like may roll back the whole transaction, not just the savepoint: the
          // messages before this one are gone, and the next would each commit on their own. Fail the batch.
          if (!sqlite.inTransaction) throw error;
          return { ok: false, error };
        }
      }),
    );
  }

  append(message: NewMessage, outbox?: MessageOutbox): Promise<WrittenMessage> {
    return new Promise((resolve, reject) => {
      this.pending.push({ message, outbox, resolve, reject });
      // After the poll phase: every frame of this turn's socket reads has reached its append by then.
      if (this.pending.length === 1) setImmediate(() => void this.flush());
    });
  }

  private async flush(): Promise<void> {
    const batch = this.pending;
    this.pending = [];
    try {
      const outcomes = await this.db.connection().execute(async () => this.writeAll(batch));
      outcomes.forEach((outcome, i) => {
        const entry = batch[i];
        if (outcome.ok) entry?.resolve(outcome.written);
        else entry?.reject(outcome.error);
      });
    } catch (error) {
      // The commit itself failed (disk full, database locked too long): nothing of the batch was stored.
      for (const entry of batch) entry.reject(error);
    }
  }

  private outboxStatement(text: string): SqliteDatabase.Statement<unknown[]> {
    let statement = this.outboxStatements.get(text);
    if (statement === undefined) {
      statement = this.sqlite.prepare<unknown[]>(text);
      this.outboxStatements.set(text, statement);
    }
    return statement;
  }

  /** One statement per column set, so a column added by a later migration needs no change here. */
  private insertFor(row: MessageRow): SqliteDatabase.Statement<[Record<string, unknown>]> {
    const columns = Object.keys(row);
    const key = columns.join(',');
    let statement = this.inserts.get(key);
    if (statement === undefined) {
      statement = this.sqlite.prepare(`insert into messages (${key}) values (${columns.map((c) => `@${c}`).join(', ')})`);
      this.inserts.set(key, statement);
    }
    return statement;
  }
}

/**
 * PostgreSQL: one statement, so one round trip instead of five (begin, check, bump, insert, commit).
 * The UPDATE row-locks the conversation, so concurrent appends take seqs one after another; nothing
 * is bumped when the clientId is already stored.
 */
export class PostgresMessageWriter implements MessageWriter {
  /** A message with webhook deliveries takes the engine's portable path (one Kysely transaction). */
  readonly writesOutbox = false;

  constructor(private readonly db: Db) {}

  async append(message: NewMessage, outbox?: MessageOutbox): Promise<WrittenMessage> {
    if (outbox !== undefined) throw new Error('PostgresMessageWriter does not write an outbox: check writesOutbox');
    const event = messageEventOf(message);
    if (event === null) return this.write(message, null);
    try {
      return await this.write(message, event);
    } catch (error) {
      if (isUniqueViolation(error) || error instanceof ConversationMissingError) throw error;
      // The event's part failed (the statement is one transaction, so nothing was stored): store the message alone.
      messageEventFailed(error);
      return this.write(message, null);
    }
  }

  private async write(message: NewMessage, event: MessageEvent | null): Promise<WrittenMessage> {
    const columns = Object.keys(message) as (keyof NewMessage)[];
    const values = columns.map((column) => sql`${message[column]}`);
    const { rows } = await sql<MessageRow & { created: boolean }>`
      with existing as (
        select * from messages where conversation_id = ${message.conversation_id} and client_id = ${message.client_id}
      ), bumped as (
        update conversations set last_seq = last_seq + 1, updated_at = ${message.created_at}
        where id = ${message.conversation_id} and not exists (select 1 from existing)
        returning last_seq
      ), inserted as (
        insert into messages (seq, ${sql.join(columns.map((c) => sql.ref(c)))})
        select last_seq, ${sql.join(values)} from bumped
        returning *
      )${event === null ? sql`` : sql`, event as (${postgresEventCte(event)})`}
      select *, true as created from inserted
      union all
      select *, false as created from existing`.execute(this.db);
    const first = rows[0];
    if (first === undefined) throw new ConversationMissingError(message.conversation_id);
    const { created, ...row } = first;
    return { row: { ...row, seq: Number(row.seq) }, created };
  }
}
