import { createRequire } from 'node:module';
import { Worker } from 'node:worker_threads';

/** How often the worker folds the write-ahead log back into the database file. */
const CHECKPOINT_INTERVAL_MS = 1000;
/**
 * Past this many bytes of frames since the write-ahead log last started over, the checkpointer asks for the main connection to
 * be held while it copies the rest (see SqliteCheckpointer). The main connection's `journal_size_limit` is the same.
 */
export const WAL_LIMIT_BYTES = 64 * 1024 * 1024;
/** The longest the main connection is held for one checkpoint: past it the writes go on and the next round tries again. */
const HOLD_LIMIT_MS = 1000;

/**
 * Runs `whileHeld` with every statement of the main connection held back (queued, not failed) until it settles:
 * no transaction is open on the main connection meanwhile.
 */
export type HoldConnection = (whileHeld: () => Promise<void>) => Promise<void>;

export interface CheckpointerOptions {
  readonly intervalMs?: number;
  readonly walLimitBytes?: number;
  /** How the main connection is held so that a checkpoint can copy every frame; none: the WAL is never held for. */
  readonly hold?: HoldConnection;
}

/** Messages between the thread and the worker. */
type ToWorker = 'held' | 'not-held' | 'close';
type FromWorker = 'hold' | 'checkpointed';

/**
 * SQLite's automatic checkpoint runs inside the commit that crosses 1,000 WAL pages and fsyncs the
 * database file: 10–25 ms during which better-sqlite3 blocks the event loop and every realtime
 * connection of the node waits (measured: p99.9 of a commit 14 ms with it, 0.9 ms without). So the
 * main connection never checkpoints (wal_autocheckpoint = 0) and this worker thread, with its own
 * connection to the same file, runs PASSIVE checkpoints: they never wait for or block a writer, and
 * commits stay appends to the WAL.
 *
 * SQLite starts the WAL over (writes it again from its beginning) at a write that begins once a checkpoint has copied
 * every frame. A PASSIVE checkpoint copies the frames there were when it started, so under sustained load, with a
 * commit during every round, the WAL never starts over and grew 25–70 MB a second in the capacity bench. A blocking
 * checkpoint cannot be used instead: a write that began DEFERRED and finds the WAL reset under it fails at once with
 * SQLITE_BUSY (tried: 478 sends failed), and the busy timeout of one that waits would block the event loop. So past
 * `walLimitBytes` of frames since the WAL last started over, the worker asks the main thread to hold its connection (its
 * queries and group commits queue in memory, the event loop goes on) and copies the tail while nothing writes; the
 * first write after the hold starts the WAL over, and `journal_size_limit` shortens the file to the limit then.
 */
export class SqliteCheckpointer {
  private readonly worker: Worker;
  private closed = false;

  constructor(file: string, { intervalMs = CHECKPOINT_INTERVAL_MS, walLimitBytes = WAL_LIMIT_BYTES, hold }: CheckpointerOptions = {}) {
    const module = createRequire(import.meta.url).resolve('better-sqlite3');
    // An eval'd CommonJS worker: no separate file to ship or to find from the TypeScript sources in tests.
    this.worker = new Worker(
      `
      const { workerData, parentPort } = require('node:worker_threads');
      const Database = require(workerData.module);
      const db = new Database(workerData.file);
      db.pragma('busy_timeout = 1000');
      const pageSize = db.pragma('page_size', { simple: true });
      // { busy, log: frames in the WAL, checkpointed: frames copied }; null when another checkpoint was running.
      const checkpoint = () => {
        try { return db.pragma('wal_checkpoint(PASSIVE)', { simple: false })[0]; } catch { return null; }
      };
      let waiting = false;
      const round = () => {
        if (waiting) return;
        const result = checkpoint();
        if (result === null || !workerData.holds) return;
        // 'log' counts the frames since the WAL last started over, as the checkpoint found them when it began: it may
        // have copied all of those while more were committed, so only the count says whether the WAL keeps growing.
        if (result.log * pageSize > workerData.walLimitBytes) {
          waiting = true;
          parentPort.postMessage('hold');
        }
      };
      const timer = setInterval(round, workerData.intervalMs);
      parentPort.on('message', (message) => {
        if (message === 'held') {
          checkpoint();
          waiting = false;
          parentPort.postMessage('checkpointed');
          return;
        }
        if (message === 'not-held') { waiting = false; return; }
        clearInterval(timer); checkpoint(); db.close(); parentPort.close();
      });
      `,
      { eval: true, workerData: { module, file, intervalMs, walLimitBytes, holds: hold !== undefined } },
    );
    this.worker.unref();
    if (hold !== undefined) {
      this.worker.on('message', (message: FromWorker) => {
        if (message !== 'hold' || this.closed) return;
        // A hold that could not be had (the database closing) lets the worker's rounds go on.
        hold(() => this.checkpointWhileHeld()).catch(() => {
          if (!this.closed) this.post('not-held');
        });
      });
    }
  }

  /** Tells the worker the connection is held and waits for its checkpoint (at most HOLD_LIMIT_MS, or its exit). */
  private checkpointWhileHeld(): Promise<void> {
    return new Promise((resolve) => {
      const done = (): void => {
        clearTimeout(timer);
        this.worker.off('message', onMessage);
        this.worker.off('exit', done);
        resolve();
      };
      const onMessage = (message: FromWorker): void => {
        if (message === 'checkpointed') done();
      };
      const timer = setTimeout(done, HOLD_LIMIT_MS);
      if (this.closed) return done();
      this.worker.on('message', onMessage);
      this.worker.once('exit', done);
      this.post('held');
    });
  }

  private post(message: ToWorker): void {
    this.worker.postMessage(message);
  }

  /** Runs a last checkpoint and ends the thread. */
  async close(): Promise<void> {
    this.closed = true;
    // Held while closing: an unref'd worker would let a process with nothing else to do (the CLI) end
    // before the last checkpoint, with this promise never settled.
    this.worker.ref();
    const exited = new Promise<void>((resolve) => this.worker.once('exit', () => resolve()));
    this.post('close');
    const timeout = new Promise<void>((resolve) => setTimeout(resolve, 2000).unref());
    await Promise.race([exited, timeout]);
    await this.worker.terminate();
  }
}
