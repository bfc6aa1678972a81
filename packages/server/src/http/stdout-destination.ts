import type { Writable } from 'node:stream';

/** Log bytes a stdout nobody reads may hold in this process before lines are dropped instead. */
const QUEUE_LIMIT_BYTES = 4 * 1024 * 1024;

/**
 * Where the server's log lines go: stdout, without ever blocking the event loop.
 *
 * pino's default destination writes synchronously to fd 1, and when the pipe is full (a log collector
 * that stalled, a parent that stopped reading) it sleeps in Atomics.wait and retries, forever: the
 * node then ignores SIGTERM, since no timer or signal handler runs while the thread sleeps. Through
 * `process.stdout` instead, Node writes what the pipe takes at once and queues the rest; past
 * QUEUE_LIMIT_BYTES lines are dropped and counted, and the count is logged once stdout drains.
 */
export class StdoutDestination {
  private dropped = 0;

  constructor(
    private readonly out: Writable = process.stdout,
    private readonly limitBytes = QUEUE_LIMIT_BYTES,
  ) {
    survivesClosedReader(out);
  }

  write(line: string): void {
    if (this.out.destroyed || this.out.writableEnded) return;
    if (this.out.writableLength < this.limitBytes) {
      this.out.write(line);
      return;
    }
    // The queue is over its limit, so an earlier write returned false and 'drain' will come when it empties.
    if (this.dropped++ === 0) this.out.once('drain', () => this.reportDropped());
  }

  private reportDropped(): void {
    const line = { level: 40, time: Date.now(), msg: `${this.dropped} log lines dropped: stdout was not read fast enough` };
    this.dropped = 0;
    this.write(`${JSON.stringify(line)}\n`);
  }
}

const guarded = new WeakSet<Writable>();

/**
 * A stdout or stderr whose reader went away (EPIPE) emits 'error', which unhandled ends the process:
 * a node must not die, nor stop serving, because its log pipe closed. The stream is destroyed by the
 * error, and later writes are skipped (StdoutDestination) or dropped by Node.
 */
export function survivesClosedReader(stream: Writable): void {
  if (guarded.has(stream)) return;
  guarded.add(stream);
  stream.on('error', () => undefined);
}
