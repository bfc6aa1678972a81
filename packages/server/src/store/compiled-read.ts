import type { Compilable, CompiledQuery } from 'kysely';
import type { Db } from './database.js';

/** Stands in for argument `index` while the query is compiled; no real value of ours contains a NUL. */
const marker = (index: number): string => `\u0000compiled-read-argument-${index}\u0000`;

interface Compiled<R> {
  readonly query: CompiledQuery<R>;
  /** For each of the query's parameters, the argument it takes (-1: a constant of the query itself). */
  readonly slots: readonly number[];
}

/**
 * A read built and compiled by Kysely once per database handle, its arguments bound at each run. Kysely builds and
 * compiles every query anew, which costs 6–15 µs of CPU before the database sees the query — as much as SQLite
 * takes to answer a point read — and a reconnecting visitor's token check and hello run eight such reads
 * (docs/scaling.md, reconnect storms). Same SQL, same parameters, same rows as calling `build` each time.
 *
 * `build` must use its arguments as bound values only, never to choose the query's shape (an `if` on one, a list
 * whose length varies): they are compiled as markers and replaced at each run. One that is not found among the
 * compiled parameters fails the first call, so a misuse is caught by the first test that runs the read.
 */
export function compiledRead<A extends readonly unknown[], R>(
  build: (db: Db, ...args: A) => Compilable<R>,
): (db: Db, ...args: A) => Promise<R[]> {
  // Per handle: a transaction is another handle (and another connection), so it compiles its own.
  const compiled = new WeakMap<Db, Compiled<R>>();
  return async (db, ...args) => {
    let entry = compiled.get(db);
    if (entry === undefined) {
      entry = compile(db, build, args.length);
      compiled.set(db, entry);
    }
    const { query, slots } = entry;
    const parameters = query.parameters.map((constant, index) => {
      const slot = slots[index] ?? -1;
      return slot === -1 ? constant : args[slot];
    });
    return (await db.executeQuery<R>({ ...query, parameters })).rows;
  };
}

function compile<A extends readonly unknown[], R>(db: Db, build: (db: Db, ...args: A) => Compilable<R>, arity: number): Compiled<R> {
  const markers = Array.from({ length: arity }, (_, index) => marker(index));
  const query = build(db, ...(markers as unknown as A)).compile();
  const slots = query.parameters.map((parameter) => (typeof parameter === 'string' ? markers.indexOf(parameter) : -1));
  for (let index = 0; index < arity; index++) {
    if (!slots.includes(index)) throw new Error(`compiledRead: argument ${index} is not a bound value of the query: ${query.sql}`);
  }
  return { query, slots };
}
