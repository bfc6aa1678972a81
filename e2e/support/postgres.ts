import pg from 'pg';

/** The machine's PostgreSQL, as the server's own suites use it (PARLEY_TEST_DATABASE_URL overrides). */
export const POSTGRES_URL = process.env['PARLEY_TEST_DATABASE_URL'] ?? 'postgres://postgres@127.0.0.1:5432/test';

/** null when PostgreSQL answers a query, else why not (for a suite's "needed" message). */
export async function postgresUnavailable(): Promise<string | null> {
  const client = new pg.Client({ connectionString: POSTGRES_URL, connectionTimeoutMillis: 3_000 });
  try {
    await client.connect();
    await client.query('select 1');
    return null;
  } catch (error) {
    return error instanceof Error ? error.message : String(error);
  } finally {
    await client.end().catch(() => undefined);
  }
}

/**
 * Whether a suite runs its PostgreSQL case. As the server's suites: a PostgreSQL that does not answer fails the run
 * (this throws, saying why), unless a developer says to leave it out on purpose (PARLEY_TEST_SKIP_POSTGRES=1, never
 * on CI): then false.
 */
export async function postgresToUse(): Promise<boolean> {
  const missing = await postgresUnavailable();
  if (missing === null) return true;
  if (process.env['CI'] === 'true' || process.env['PARLEY_TEST_SKIP_POSTGRES'] !== '1') {
    throw new Error(`PostgreSQL at ${POSTGRES_URL} is needed: ${missing}`);
  }
  return false;
}

/** Runs `run` on a connection of its own, closed afterwards whatever happens. */
export async function withPostgres<T>(run: (client: pg.Client) => Promise<T>): Promise<T> {
  const client = new pg.Client({ connectionString: POSTGRES_URL });
  await client.connect();
  try {
    return await run(client);
  } finally {
    await client.end();
  }
}
