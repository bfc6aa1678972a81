import { closeSync, fdatasync, fstatSync, openSync, statSync } from 'node:fs';

/**
 * PARLEY_SQLITE_SYNCHRONOUS=full without the fsync on the event loop.
 *
 * With `synchronous=FULL`, SQLite fsyncs the WAL inside every commit, and better-sqlite3 runs the commit on the
 * event loop: 0.9 ms quiet, up to 6.5 ms busy, during which no socket of the node is read or written. Instead the
 * main connection runs with `synchronous=NORMAL` (a commit writes the WAL and returns; SQLite still syncs the WAL
 * header when it starts the log again and the checkpointer syncs both files before the log is reset), and the
 * WAL file is flushed here, with `fdatasync` on libuv's threadpool, before anything that depends on a commit is
 * handed out: an append resolves (its ack, its fan-out), a Kysely query or transaction resolves.
 *
 * Syncs are coalesced (group fsync): each commit takes the next generation; a waiter needs a sync that *started
 * after* its commit; one sync is in flight at a time and the next one covers every commit made meanwhile.
 *
 * What it changes beside FULL: a commit is visible on the main connection before it is on disk (FULL syncs before
 * it publishes the commit), for at most the time of a sync or two. Every result read or written through that
 * connection waits for the syncs of the commits made before it ended (see DurableSqliteDialect in database.ts),
 * so nothing leaves the process — no ack, no fan-out, no webhook, no answer — before what it shows is on disk.
 * Only an operating-system crash or a power cut in that window loses such a commit, and then nothing that
 * depended on it has been handed out. A failed sync fails its waiters with a storage error (SQLITE_IOERR_FSYNC,
 * as a commit whose fsync fails under FULL): their writes are not acknowledged; unlike under FULL their rows stay
 * committed (a resend of a message finds it stored and is acknowledged once a later sync succeeds).
 */
export class WalSync {
  private generationNow = 0;
  private syncedUpTo = 0;
  private syncing = false;
  private waiters: Waiter[] = [];
  private idle: (() => void)[] = [];

  /**
   * `sync` flushes the WAL file to disk (walFile().sync in production); `onFailure` hears each failed sync
   * once (write health), however many waiters it fails.
   */
  constructor(
    private readonly sync: () => Promise<void>,
    private readonly onFailure: (error: WalSyncError) => void = () => undefined,
  ) {}

  /** Called right after a commit on the main connection returned: the generation that commit belongs to. */
  committed(): number {
    return ++this.generationNow;
  }

  /** The newest commit's generation: what a result computed now may have seen. */
  get generation(): number {
    return this.generationNow;
  }

  /** Whether every commit up to `generation` is on disk. */
  isDurable(generation: number): boolean {
    return generation <= this.syncedUpTo;
  }

  /** Resolves once a sync started after the commit of `generation` has completed; rejects with a WalSyncError if it failed. */
  durable(generation: number): Promise<void> {
    if (this.isDurable(generation)) return Promise.resolve();
    return new Promise((resolve, reject) => {
      this.waiters.push({ generation, resolve, reject });
      if (!this.syncing) this.start();
    });
  }

  /** Resolves when no sync is in flight (close). */
  settled(): Promise<void> {
    if (!this.syncing) return Promise.resolve();
    return new Promise((resolve) => this.idle.push(resolve));
  }

  private start(): void {
    // Every commit up to here has returned from its write(2): the sync that starts now covers them all.
    const covers = this.generationNow;
    this.syncing = true;
    this.sync().then(
      () => this.finish(covers, null),
      (error: unknown) => this.finish(covers, new WalSyncError(error)),
    );
  }

  private finish(covers: number, error: WalSyncError | null): void {
    this.syncing = false;
    if (error === null) this.syncedUpTo = Math.max(this.syncedUpTo, covers);
    else this.onFailure(error);
    const done = this.waiters.filter((w) => w.generation <= covers);
    this.waiters = this.waiters.filter((w) => w.generation > covers);
    for (const waiter of done) {
      if (error === null) waiter.resolve();
      else waiter.reject(error);
    }
    // Commits made while this sync ran need one that started after them.
    if (this.waiters.length > 0) this.start();
    else for (const resolve of this.idle.splice(0)) resolve();
  }
}

interface Waiter {
  readonly generation: number;
  resolve(): void;
  reject(error: unknown): void;
}

/**
 * A sync of the WAL failed: the commits it covered may not be on disk, so what waited for them fails. The code
 * is SQLite's for a failed fsync, which storage-failure.ts counts as the storage failing (/readyz 503).
 */
export class WalSyncError extends Error {
  readonly code = 'SQLITE_IOERR_FSYNC';

  constructor(cause: unknown) {
    const reason = typeof cause === 'object' && cause !== null && 'code' in cause ? String(cause.code) : String(cause);
    super(`The SQLite write-ahead log could not be flushed to disk (${reason}): the write is not acknowledged.`, { cause });
  }
}

export type Fdatasync = (fd: number) => Promise<void>;

const fdatasyncOnThreadpool: Fdatasync = (fd) =>
  new Promise((resolve, reject) => fdatasync(fd, (error) => (error === null ? resolve() : reject(error))));

export interface WalFile {
  /** Flushes the live WAL file (the one at `path` now) to disk. */
  sync(): Promise<void>;
  close(): void;
}

/**
 * The WAL file at `path` (`<database>-wal`), flushed with `flush` (fdatasync on libuv's threadpool). fsync works
 * on the inode, so a descriptor of our own covers what SQLite wrote through its own. The file is opened at the
 * first sync: a new database has no WAL until its first write, which comes before any sync. Checkpoints keep the
 * inode (RESTART writes over it, TRUNCATE shortens it); SQLite deletes the file only when its last connection
 * closes, and a later one is a new inode: each sync checks the path still names the inode held (a stat on the
 * event loop, about a microsecond) and opens it again if not. SQLite locks the database and -shm files, never
 * the WAL, so closing this descriptor cannot drop one of SQLite's POSIX locks.
 */
export function walFile(path: string, flush: Fdatasync = fdatasyncOnThreadpool): WalFile {
  let held: { fd: number; dev: number; ino: number } | null = null;
  const live = (): number => {
    const now = statSync(path);
    if (held !== null && held.dev === now.dev && held.ino === now.ino) return held.fd;
    if (held !== null) closeSync(held.fd);
    held = null;
    // Read-write: Windows' FlushFileBuffers needs write access. The file is never written through it.
    const fd = openSync(path, 'r+');
    const opened = fstatSync(fd);
    held = { fd, dev: opened.dev, ino: opened.ino };
    return fd;
  };
  return {
    sync: async () => flush(live()),
    close: () => {
      if (held !== null) closeSync(held.fd);
      held = null;
    },
  };
}
