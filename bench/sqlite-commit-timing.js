// Times what a SQLite commit holds up, for docs/scaling.md's "The commit's fsync off the event loop". Preloaded into
// the server by the capacity bench, it writes one JSON file per server process when it exits:
//   BENCH_SERVER_NODE_ARGS="--import ./bench/sqlite-commit-timing.js" COMMIT_TIMING_DIR=/tmp/timing node bench/gateway-capacity.js
// - every outermost better-sqlite3 transaction (the writer's group commits; with synchronous=FULL its fsync is inside);
// - every fs.fdatasync (the WAL's sync off the event loop, store/wal-sync.ts), from the call to its callback;
// - the event loop's delay (monitorEventLoopDelay, 1 ms resolution), and each stall of 50 ms or more, with its time;
// - every second, the system's I/O pressure (/proc/pressure/io avg10) and dirty page cache (/proc/meminfo).
import fs, { mkdirSync, writeFileSync } from 'node:fs';
import { createRequire, syncBuiltinESMExports } from 'node:module';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { monitorEventLoopDelay, performance } from 'node:perf_hooks';

const require = createRequire(import.meta.url);
const DIR = process.env.COMMIT_TIMING_DIR ?? join(tmpdir(), 'parley-commit-timing');
const started = Date.now();
const loop = monitorEventLoopDelay({ resolution: 1 });
loop.enable();

/** Durations in ms: count, total, longest, and how many fell under 0.5, 1, 2, 5, 10 ms and above. */
const timing = () => ({ n: 0, ms: 0, maxMs: 0, buckets: { '<0.5': 0, '<1': 0, '<2': 0, '<5': 0, '<10': 0, '>=10': 0 } });
const transactions = timing();
const fdatasyncs = timing();
/** [ms since start, what, ms]: stalls of 50 ms or more. */
const slow = [];
const record = (entry, what, ms) => {
  entry.n += 1;
  entry.ms += ms;
  entry.maxMs = Math.max(entry.maxMs, ms);
  const key = ms < 0.5 ? '<0.5' : ms < 1 ? '<1' : ms < 2 ? '<2' : ms < 5 ? '<5' : ms < 10 ? '<10' : '>=10';
  entry.buckets[key] += 1;
  if (ms >= 50 && slow.length < 5000) slow.push([Date.now() - started, what, +ms.toFixed(1)]);
};

const Database = require('better-sqlite3');
const transaction = Database.prototype.transaction;
Database.prototype.transaction = function timed(fn) {
  const run = transaction.call(this, fn);
  const inTransaction = () => this.inTransaction;
  return function (...args) {
    // Nested calls are savepoints inside the outer transaction, timed with it.
    if (inTransaction()) return run.apply(this, args);
    const at = performance.now();
    try {
      return run.apply(this, args);
    } finally {
      record(transactions, 'transaction', performance.now() - at);
    }
  };
};
const fdatasync = fs.fdatasync;
fs.fdatasync = function timed(fd, callback) {
  const at = performance.now();
  return fdatasync.call(fs, fd, (error) => {
    record(fdatasyncs, 'fdatasync', performance.now() - at);
    callback(error);
  });
};
// The server imports { fdatasync } from 'node:fs': its named export must see the patched function.
syncBuiltinESMExports();

let lastTick = performance.now();
setInterval(() => {
  const now = performance.now();
  const late = now - lastTick - 10;
  if (late >= 50 && slow.length < 5000) slow.push([Date.now() - started, 'loop', +late.toFixed(1)]);
  lastTick = now;
}, 10).unref();
const pressure = [];
setInterval(() => {
  try {
    const io = fs.readFileSync('/proc/pressure/io', 'utf8').split('\n')[0]?.split(' ')[1];
    const dirty = /Dirty:\s+(\d+)/.exec(fs.readFileSync('/proc/meminfo', 'utf8'))?.[1];
    pressure.push([Date.now() - started, io, Number(dirty)]);
  } catch {
    // not Linux
  }
}, 1000).unref();

process.on('exit', () => {
  const ms = (ns) => +(ns / 1e6).toFixed(2);
  mkdirSync(DIR, { recursive: true });
  writeFileSync(
    join(DIR, `commit-timing-${process.pid}.json`),
    `${JSON.stringify(
      {
        main: process.argv[1],
        seconds: (Date.now() - started) / 1000,
        eventLoopDelayMs: {
          p50: ms(loop.percentile(50)),
          p99: ms(loop.percentile(99)),
          p999: ms(loop.percentile(99.9)),
          max: ms(loop.max),
        },
        transactions,
        fdatasyncs,
        slow,
        pressure,
      },
      null,
      1,
    )}\n`,
  );
});
