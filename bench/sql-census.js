// Counts every SQL statement a server runs, by its text, and writes the counts when the process exits.
// Preloaded into the server by the capacity bench for docs/scaling.md's "statements per message":
//   BENCH_SERVER_NODE_ARGS="--import ./bench/sql-census.js" SQL_CENSUS_FILE=/tmp/census.json node bench/gateway-capacity.js
// better-sqlite3 statements (run/get/all/iterate) and pg queries (Client#query, which the pool uses) are counted.
import { writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';

const require = createRequire(import.meta.url);
const counts = new Map();
const count = (text) => {
  const key = String(text).replace(/\s+/g, ' ').trim().slice(0, 300);
  counts.set(key, (counts.get(key) ?? 0) + 1);
};

try {
  const Database = require('better-sqlite3');
  const scratch = new Database(':memory:');
  const proto = Object.getPrototypeOf(scratch.prepare('select 1'));
  scratch.close();
  for (const method of ['run', 'get', 'all', 'iterate']) {
    const original = proto[method];
    proto[method] = function counted(...args) {
      count(this.source);
      return original.apply(this, args);
    };
  }
  // Transactions' begin/commit are statements better-sqlite3 prepares itself: count the transaction calls instead.
  const transaction = Database.prototype.transaction;
  Database.prototype.transaction = function counted(fn) {
    const wrapped = transaction.call(this, fn);
    const outer = (...args) => {
      count(this.inTransaction ? '(savepoint)' : '(transaction: begin … commit)');
      return wrapped(...args);
    };
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
  const sorted = [...counts].sort((a, b) => b[1] - a[1]).map(([sql, n]) => ({ n, sql }));
  writeFileSync(file, `${JSON.stringify(sorted, null, 2)}\n`);
};
process.on('exit', write);
