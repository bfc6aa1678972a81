import type SqliteDatabase from 'better-sqlite3';
import { sql, type CompiledQuery } from 'kysely';
import type { Db } from './database.js';
import { isUniqueViolation, type MessageRow } from './conversations-store.js';
import type { WalSync } from './wal-sync.js';
import {
  messageEventOf,
  messageEventFailed,
  postgresEventCte,
  SQLITE_INSERT_MESSAGE_EVENT,
  sqliteEventValues,
  type MessageEvent,
} from './message-events.js';

/** A message to store; its seq is assigned by the writer. */
export type NewMessage = Omit<MessageRow, 'seq'>;

export interface WrittenMessage {
  readonly row: MessageRow;
  /** False when the conversation already held this clientId: `row` is the stored original. */
  readonly created: boolean;
  /**
   * Who owned the conversation in the message's own transaction, when the writer read it: SQLite's with the report
   * event (so not for notes and system lines), PostgreSQL's with every message it stores.
   */
  readonly ownerAtCommit?: OwnerAtCommit;
}

/**
 * A conversation's ownership as a message's transaction saw it: enough to tell, with no read of its own,
 * that a bot turn for that message would end at the ownership check (a human owns it, nothing to undo).
 */
export interface OwnerAtCommit {
  /** bot, queued, human or resolved; bot when the conversation has no ownership row. */
  readonly owner: string;
  readonly snoozed: boolean;
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

/** A message of a burst failed after its first write: the burst is rolled back and written message by message. */
class SavepointsNeeded extends Error {
  constructor(cause: unknown) {
    super('A message of the burst failed after its first write; the burst is written again with savepoints.', { cause });
  }
}

interface OwnershipRow {
  readonly owner: string;
  readonly snoozed_until: string | null;
  readonly team_id: string | null;
  readonly assignee_id: string | null;
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
 * poll) are written in one transaction and committed once. A commit is the dearest part of an append
 * (its WAL write); a burst of messages now pays it once, not once per message, so the last of the
 * burst no longer waits for every commit before it. A message's webhook deliveries (the outbox
 * statements it is given) and its report event are written with it, so they ride the same commit.
 *
 * No savepoints in the common case: a savepoint makes SQLite copy every page a message touches to a
 * statement journal first (spilled to a temporary file past 64 KiB), which cost more CPU than the
 * message's statements themselves. Each statement here is a one-row write, which SQLite checks before it
 * writes anything, so a failing statement leaves nothing behind; only a failure after a message's first
 * write (its seq bump) needs undoing: then the burst is rolled back and written again, each message in a
 * savepoint of its own, so that the one that fails is the only one to fail.
 *
 * Durability (PARLEY_SQLITE_SYNCHRONOUS=full): the connection commits without an fsync (synchronous=NORMAL) and
 * the burst's appends resolve, so the messages are acked and fanned out, only once a sync of the WAL that started
 * after the commit has completed (WalSync: fdatasync on libuv's threadpool, shared by the bursts committed while
 * one runs), so the event loop reads and writes sockets meanwhile. A failed sync fails the burst's messages.
 */
export class SqliteMessageWriter implements MessageWriter {
  private readonly byClientId: SqliteDatabase.Statement<[string, string], MessageRow>;
  private readonly conversationOf: SqliteDatabase.Statement<[string], { last_seq: number; widget_id: string; contact_id: string | null }>;
  private readonly bumpSeq: SqliteDatabase.Statement<[number, string, string]>;
  private readonly ownershipOf: SqliteDatabase.Statement<[string], OwnershipRow>;
  private readonly insertEvent: SqliteDatabase.Statement<unknown[]>;
  private readonly inserts = new Map<string, SqliteDatabase.Statement<[Record<string, unknown>]>>();
  /** The outbox's statements, by their SQL (parameters differ per message). */
  private readonly outboxStatements = new Map<string, SqliteDatabase.Statement<unknown[]>>();
  /** The burst with no savepoint; throws SavepointsNeeded when a message failed after its first write. */
  private readonly writeBurst: (entries: readonly Pending[]) => Outcome[];
  /** The burst again, each message in a savepoint: what a failing message needs. */
  private readonly writeEachInSavepoint: (entries: readonly Pending[]) => Outcome[];
  private pending: Pending[] = [];
  readonly writesOutbox = true;

  /** `walSync`: null when commits need no sync (synchronous=normal) or are synced by SQLite itself. */
  constructor(
    private readonly db: Db,
    private readonly sqlite: SqliteDatabase.Database,
    private readonly walSync: WalSync | null = null,
  ) {
    this.byClientId = sqlite.prepare('select * from messages where conversation_id = ? and client_id = ?');
    // Read, then a plain update: an UPDATE … RETURNING is a multi-row write to SQLite (its RETURNING runs as a
    // trigger), journalled like a savepoint. The transaction holds the write lock, so the read stays exact.
    this.conversationOf = sqlite.prepare('select last_seq, widget_id, contact_id from conversations where id = ?');
    this.bumpSeq = sqlite.prepare('update conversations set last_seq = ?, updated_at = ? where id = ?');
    this.ownershipOf = sqlite.prepare(
      'select owner, snoozed_until, team_id, assignee_id from conversation_states where conversation_id = ?',
    );
    this.insertEvent = sqlite.prepare<unknown[]>(SQLITE_INSERT_MESSAGE_EVENT);
    this.writeBurst = sqlite.transaction((entries: readonly Pending[]): Outcome[] =>
      entries.map((entry) => {
        try {
          return { ok: true, written: this.write(entry) };
        } catch (error) {
          // SQLITE_FULL, IOERR and the like may roll back the whole transaction: nothing of the burst is stored.
          if (!sqlite.inTransaction) throw error;
          // Refused before its first write: nothing of it to undo.
          if (error instanceof ConversationMissingError) return { ok: false, error };
          throw new SavepointsNeeded(error);
        }
      }),
    );
    // Called inside a transaction, better-sqlite3 runs it as a savepoint: the message, its outbox rows and
    // its report event are stored together or not at all.
    const inSavepoint = sqlite.transaction((entry: Pending) => this.write(entry));
    this.writeEachInSavepoint = sqlite.transaction((entries: readonly Pending[]): Outcome[] =>
      entries.map((entry) => {
        try {
          return { ok: true, written: inSavepoint(entry) };
        } catch (error) {
          // As above: an error that rolled back the whole transaction fails the burst.
          if (!sqlite.inTransaction) throw error;
          return { ok: false, error };
        }
      }),
    );
  }

  /** One message's statements. A throw after the seq bump leaves a partial write: the caller undoes it. */
  private write({ message, outbox }: Pending): WrittenMessage {
    if (message.client_id !== null) {
      const existing = this.byClientId.get(message.conversation_id, message.client_id);
      if (existing !== undefined) return { row: existing, created: false };
    }
    const conversation = this.conversationOf.get(message.conversation_id);
    if (conversation === undefined) throw new ConversationMissingError(message.conversation_id);
    const row: MessageRow = { ...message, seq: Number(conversation.last_seq) + 1 };
    this.bumpSeq.run(row.seq, message.created_at, message.conversation_id);
    this.insertFor(row).run({ ...row });
    if (outbox !== undefined) {
      for (const query of outbox(row, conversation.widget_id)) this.outboxStatement(query.sql).run(...query.parameters);
    }
    const ownerAtCommit = this.writeEvent(message, conversation);
    return ownerAtCommit === undefined ? { row, created: true } : { row, created: true, ownerAtCommit };
  }

  /**
   * The message's report event: a failure there never fails the message. The insert is one row, which
   * SQLite refuses (a constraint) before writing any of it, so it needs no savepoint of its own.
   */
  private writeEvent(message: NewMessage, conversation: { widget_id: string; contact_id: string | null }): OwnerAtCommit | undefined {
    const event = messageEventOf(message);
    if (event === null) return undefined;
    let ownership: OwnershipRow | undefined;
    try {
      ownership = this.ownershipOf.get(message.conversation_id);
      this.insertEvent.run(
        ...sqliteEventValues(event, {
          widget_id: conversation.widget_id,
          contact_id: conversation.contact_id,
          team_id: ownership?.team_id ?? null,
          assignee_id: ownership?.assignee_id ?? null,
        }),
      );
    } catch (error) {
      // As for a message: an error that rolled back the whole transaction fails the burst.
      if (!this.sqlite.inTransaction) throw error;
      messageEventFailed(error);
      return undefined;
    }
    // The event's read, passed on: the engine then knows whether the message's bot turn would end at once.
    return ownership === undefined
      ? { owner: 'bot', snoozed: false }
      : { owner: ownership.owner, snoozed: ownership.snoozed_until !== null };
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
    let outcomes: Outcome[];
    let generation = 0;
    try {
      outcomes = await this.db.connection().execute(async () => {
        const written = this.writeAll(batch);
        // The generation of what the burst wrote (committed now), or of what it read: a resend answered with its
        // stored original waits for that original's sync too, which may still be running.
        if (this.walSync !== null)
          generation = written.some((o) => o.ok && o.written.created) ? this.walSync.committed() : this.walSync.generation;
        return written;
      });
    } catch (error) {
      // The commit itself failed (disk full, database locked too long): nothing of the batch was stored. (Or the
      // WAL's sync failed: the connection's release waits for it too, see DurableSqliteDriver; then as below.)
      for (const entry of batch) entry.reject(error);
      return;
    }
    let unsynced: unknown = null;
    // Acks and fan-out come after: not before the commit is on disk. A failed sync leaves the messages stored but
    // perhaps not on disk: they are not acknowledged (a resend finds its original and waits for a later sync).
    if (this.walSync !== null) await this.walSync.durable(generation).catch((error: unknown) => (unsynced = error));
    outcomes.forEach((outcome, i) => {
      const entry = batch[i];
      if (!outcome.ok) entry?.reject(outcome.error);
      else if (unsynced !== null) entry?.reject(unsynced);
      else entry?.resolve(outcome.written);
    });
  }

  /** The burst in one transaction, committed on return. */
  private writeAll(batch: readonly Pending[]): Outcome[] {
    try {
      return this.writeBurst(batch);
    } catch (error) {
      // A message failed after its first write; the burst was rolled back: write it again, message by message.
      if (error instanceof SavepointsNeeded) return this.writeEachInSavepoint(batch);
      throw error;
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
 * PostgreSQL: one statement, so one round trip instead of five (begin, check, bump, insert, commit). It also answers
 * the conversation's ownership as the statement saw it (WrittenMessage.ownerAtCommit), so a visitor message to a
 * conversation a person holds starts no bot turn, whose first step would be that read.
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
    const { rows } = await sql<MessageRow & { created: boolean; owner_at_commit: string | null; snoozed_at_commit: boolean | null }>`
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
      select i.*, true as created, coalesce(s.owner, 'bot') as owner_at_commit, s.snoozed_until is not null as snoozed_at_commit
      from inserted i left join conversation_states s on s.conversation_id = i.conversation_id
      union all
      select e.*, false as created, null, null from existing e`.execute(this.db);
    const first = rows[0];
    if (first === undefined) throw new ConversationMissingError(message.conversation_id);
    const { created, owner_at_commit: owner, snoozed_at_commit: snoozed, ...row } = first;
    const written = { row: { ...row, seq: Number(row.seq) }, created };
    // The ownership in the statement's snapshot, read with the write as SQLite's writer does: a change committed while
    // the statement ran orders after the message (the message was sent under the former owner), as on SQLite.
    return owner === null ? written : { ...written, ownerAtCommit: { owner, snoozed: snoozed === true } };
  }
}
