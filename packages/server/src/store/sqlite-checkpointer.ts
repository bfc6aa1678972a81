import { createRequire } from 'node:module';
import { Worker } from 'node:worker_threads';

/** How often the worker folds the write-ahead log back into the database file. */
const CHECKPOINT_INTERVAL_MS = 1000;

/**
 * SQLite's automatic checkpoint runs inside the commit that crosses 1,000 WAL pages and fsyncs the
 * database file: 10–25 ms during which better-sqlite3 blocks the event loop and every realtime
 * connection of the node waits (measured: p99.9 of a commit 14 ms with it, 0.9 ms without). So the
 * main connection never checkpoints (wal_autocheckpoint = 0) and this worker thread, with its own
 * connection to the same file, runs PASSIVE checkpoints: they never wait for or block a writer, and
 * commits stay appends to the WAL.
 */
export class SqliteCheckpointer {
  private readonly worker: Worker;

  constructor(file: string, intervalMs = CHECKPOINT_INTERVAL_MS) {
    const module = createRequire(import.meta.url).resolve('better-sqlite3');
    // An eval'd CommonJS worker: no separate file to ship or to find from the TypeScript sources in tests.
    this.worker = new Worker(
      `
      const { workerData, parentPort } = require('node:worker_threads');
      const Database = require(workerData.module);
      const db = new Database(workerData.file);
      db.pragma('busy_timeout = 1000');
      const checkpoint = () => {
        try { db.pragma('wal_checkpoint(PASSIVE)'); } catch { /* busy: the next round catches up */ }
      };
      const timer = setInterval(checkpoint, workerData.intervalMs);
      parentPort.on('message', () => { clearInterval(timer); checkpoint(); db.close(); parentPort.close(); });
      `,
      { eval: true, workerData: { module, file, intervalMs } },
    );
    this.worker.unref();
  }

  /** Runs a last checkpoint and ends the thread. */
  async close(): Promise<void> {
    // Held while closing: an unref'd worker would let a process with nothing else to do (the CLI) end
    // before the last checkpoint, with this promise never settled.
    this.worker.ref();
    const exited = new Promise<void>((resolve) => this.worker.once('exit', () => resolve()));
    this.worker.postMessage('close');
    const timeout = new Promise<void>((resolve) => setTimeout(resolve, 2000).unref());
    await Promise.race([exited, timeout]);
    await this.worker.terminate();
  }
}
