import { randomBytes } from 'node:crypto';
import { setTimeout as sleep } from 'node:timers/promises';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { POSTGRES_URL, postgresUnavailable } from '../testing/test-server.js';
import { createPostgresPool } from './postgres-pool.js';

/** Only this test's connections are terminated: other suites use the same database at the same time. */
const APPLICATION_NAME = `parley-pool-test-${randomBytes(4).toString('hex')}`;

async function terminateOurBackends(): Promise<number> {
  const admin = new pg.Client({ connectionString: POSTGRES_URL });
  await admin.connect();
  try {
    const { rows } = await admin.query<{ done: boolean }>(
      'select pg_terminate_backend(pid) as done from pg_stat_activity where application_name = $1',
      [APPLICATION_NAME],
    );
    return rows.filter((row) => row.done).length;
  } finally {
    await admin.end();
  }
}

describe('the PostgreSQL pool when its backends are terminated', () => {
  const logged: string[] = [];
  const log = {
    error: (_details: object, message: string) => logged.push(`error: ${message}`),
    warn: (_details: object, message: string) => logged.push(`warn: ${message}`),
    info: (_details: object, message: string) => logged.push(`info: ${message}`),
  };
  let pool: pg.Pool;

  beforeAll(async () => {
    const reason = await postgresUnavailable();
    if (reason !== null) throw new Error(`PostgreSQL at ${POSTGRES_URL} is needed for this suite: ${reason}`);
    const url = new URL(POSTGRES_URL);
    url.searchParams.set('application_name', APPLICATION_NAME);
    pool = createPostgresPool({ url: url.toString(), schema: null, log });
  });
  afterAll(async () => {
    await pool.end();
  });

  it('drops the broken clients, fails the query in flight, logs one incident and serves the next query', async () => {
    // Four connections: three idle in the pool, one running a query when the backends go.
    const clients = await Promise.all([pool.connect(), pool.connect(), pool.connect(), pool.connect()]);
    for (const client of clients.slice(1)) client.release();
    const inFlight = clients[0]!.query('select pg_sleep(10)');
    const outcome = inFlight.then(
      () => 'completed',
      (error: unknown) => (error instanceof Error ? error.message : String(error)),
    );
    await sleep(100);

    // Without a listener on the pool and on every client, this ends the process (an unhandled 'error' event).
    expect(await terminateOurBackends()).toBe(4);
    expect(await outcome).toMatch(/terminating connection due to administrator command|Connection terminated/);
    clients[0]!.release(true);
    for (let i = 0; i < 40 && pool.idleCount > 0; i++) await sleep(25);
    expect(pool.idleCount).toBe(0);

    const { rows } = await pool.query<{ one: number }>('select 1 as one');
    expect(rows[0]?.one).toBe(1);
    expect(logged).toEqual([
      'error: PostgreSQL connection lost; the pool drops it and reconnects for the next query',
      'warn: PostgreSQL connection restored',
    ]);
  });
});
