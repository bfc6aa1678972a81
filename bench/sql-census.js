// Counts every SQL statement a server runs, by its text, and writes the counts when the process exits.
// Preloaded into the server by the capacity bench for docs/scaling.md's "statements per message":
//   BENCH_SERVER_NODE_ARGS="--import ./bench/sql-census.js" SQL_CENSUS_FILE=/tmp/census.json node bench/gateway-capacity.js
// better-sqlite3 statements (run/get/all/iterate) are counted and timed (a transaction's time includes its
// statements and its commit); pg queries (Client#query, which the pool uses) are counted only.
import { writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';

const require = createRequire(import.meta.url);
/** SQL text → { n, us }: how often it ran and the time its calls took (synchronous better-sqlite3 calls only). */
const counts = new Map();
const count = (text, us = 0) => {
  const key = String(text).replace(/\s+/g, ' ').trim().slice(0, 300);
  const entry = counts.get(key) ?? { n: 0, us: 0 };
  entry.n += 1;
  entry.us += us;
  counts.set(key, entry);
};
const timed = (text, call) => {
  const started = process.hrtime.bigint();
  try {
    return call();
  } finally {
    count(text, Number(process.hrtime.bigint() - started) / 1000);
  }
};

try {
  const Database = require('better-sqlite3');
  const scratch = new Database(':memory:');
  const proto = Object.getPrototypeOf(scratch.prepare('select 1'));
  scratch.close();
  for (const method of ['run', 'get', 'all', 'iterate']) {
    const original = proto[method];
    proto[method] = function counted(...args) {
      return timed(this.source, () => original.apply(this, args));
    };
  }
  // Transactions' begin/commit are statements better-sqlite3 prepares itself: count the transaction calls instead.
  const transaction = Database.prototype.transaction;
  Database.prototype.transaction = function counted(fn) {
    const wrapped = transaction.call(this, fn);
    const outer = (...args) => timed(this.inTransaction ? '(savepoint)' : '(transaction: begin … commit)', () => wrapped(...args));
    for (const kind of ['deferred', 'immediate', 'exclusive']) outer[kind] = wrapped[kind];
    return outer;
  };
} catch {
  // no better-sqlite3 here
}

try {
  const pg = require('pg');
  const query = pg.Client.prototype.query;
  pg.Client.prototype.query = function counted(config, ...rest) {
    count(typeof config === 'string' ? config : config?.text);
    return query.call(this, config, ...rest);
  };
} catch {
  // no pg here
}

const write = () => {
  const file = process.env.SQL_CENSUS_FILE;
  if (!file) return;
  const sorted = [...counts].sort((a, b) => b[1].n - a[1].n).map(([sql, { n, us }]) => ({ n, us: Math.round(us), sql }));
  writeFileSync(file, `${JSON.stringify(sorted, null, 2)}\n`);
};
process.on('exit', write);
