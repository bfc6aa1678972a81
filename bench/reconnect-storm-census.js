// Preloaded into the reconnect-storm bench's server (--import): counts the SQLite statements it runs, reads and
// writes apart, with the time they took inside better-sqlite3 (in all and per statement), and appends the running totals as one JSON line
// every 250 ms to STORM_CENSUS_FILE. Written as it goes (not at exit like bench/sql-census.js), because the bench
// ends one of its servers with SIGKILL: the lines then show statements per second through the storm.
import { appendFileSync } from 'node:fs';
import { createRequire } from 'node:module';

const file = process.env.STORM_CENSUS_FILE;
const totals = { reads: 0, writes: 0, readUs: 0, writeUs: 0, transactions: 0 };
/** Per statement (its SQL, whitespace folded, first 160 characters): [runs, µs inside better-sqlite3]. */
const bySql = {};

if (file) {
  const Database = createRequire(import.meta.url)('better-sqlite3');
  const scratch = new Database(':memory:');
  const proto = Object.getPrototypeOf(scratch.prepare('select 1'));
  scratch.close();
  for (const method of ['run', 'get', 'all', 'iterate']) {
    const original = proto[method];
    proto[method] = function counted(...args) {
      const started = process.hrtime.bigint();
      try {
        return original.apply(this, args);
      } finally {
        const us = Number(process.hrtime.bigint() - started) / 1000;
        const key = (this.key ??= this.source.replace(/\s+/g, ' ').slice(0, 160));
        const entry = (bySql[key] ??= [0, 0]);
        entry[0] += 1;
        entry[1] += us;
        if (this.reader) {
          totals.reads += 1;
          totals.readUs += us;
        } else {
          totals.writes += 1;
          totals.writeUs += us;
        }
      }
    };
  }
  const transaction = Database.prototype.transaction;
  Database.prototype.transaction = function counted(fn) {
    const wrapped = transaction.call(this, fn);
    const outer = (...args) => {
      if (!this.inTransaction) totals.transactions += 1;
      return wrapped(...args);
    };
    for (const kind of ['deferred', 'immediate', 'exclusive']) outer[kind] = wrapped[kind];
    return outer;
  };
  let last = '';
  setInterval(() => {
    const line = JSON.stringify({ t: Date.now(), ...totals, readUs: Math.round(totals.readUs), writeUs: Math.round(totals.writeUs) });
    if (line.slice(line.indexOf(',')) === last) return; // nothing ran since the last line
    last = line.slice(line.indexOf(','));
    const statements = Object.fromEntries(Object.entries(bySql).map(([sql, [runs, us]]) => [sql, [runs, Math.round(us)]]));
    appendFileSync(file, `${line.slice(0, -1)},"bySql":${JSON.stringify(statements)}}\n`);
  }, 250).unref();
}
