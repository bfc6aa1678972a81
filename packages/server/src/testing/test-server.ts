import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';
import { afterAll, beforeAll, describe } from 'vitest';
import { buildApp, type BuildOptions, type Parley } from '../app.js';
import { loadConfig } from '../config.js';
import type { Services } from '../services.js';

/** Test-only harness (excluded from the build): a real app on a fresh SQLite file or PostgreSQL schema. */
export type Dialect = 'sqlite' | 'postgres';

export const TEST_ADMIN_KEY = 'test-admin-key-0123456789abcdefghij';
export const TEST_SECRET = 'test-secret-0123456789abcdefghijklmnopqrstuvwxyz';
export const POSTGRES_URL = process.env['PARLEY_TEST_DATABASE_URL'] ?? 'postgres://postgres@127.0.0.1:5432/test';

export interface TestResponse {
  readonly status: number;
  readonly headers: Record<string, string | string[] | number | undefined>;
  readonly body: string;
  /** The body's bytes (archives and other binary answers); startTestServer sets it. */
  readonly raw?: Buffer;
  // Tests read response bodies loosely on purpose: each assertion states the shape it expects.
  // eslint-disable-next-line @typescript-eslint/no-explicit-any
  readonly json: any;
}

export interface RequestOptions {
  readonly body?: unknown;
  readonly rawBody?: string;
  readonly headers?: Record<string, string>;
  /** `admin` (default) sends the admin key, `none` no credentials, any other string is sent as a Bearer token. */
  readonly auth?: 'admin' | 'none' | string;
  /** The client's socket address (default 127.0.0.1): X-Forwarded-For is believed only from PARLEY_TRUST_PROXY's proxies. */
  readonly remoteAddress?: string;
}

export interface TestServer {
  readonly services: Services;
  readonly dialect: Dialect;
  request(method: 'GET' | 'POST' | 'PATCH' | 'DELETE' | 'PUT' | 'OPTIONS', url: string, options?: RequestOptions): Promise<TestResponse>;
  close(): Promise<void>;
}

export interface TestApp extends Parley {
  /** Closes the app, then removes its data dir and PostgreSQL schema. */
  dispose(): Promise<void>;
}

/** A built app on a fresh data dir and, for PostgreSQL, a fresh schema; a failed build leaves neither behind. */
export async function buildTestApp(
  dialect: Dialect,
  options: BuildOptions = {},
  env: Readonly<Record<string, string>> = {},
): Promise<TestApp> {
  const dataDir = mkdtempSync(join(tmpdir(), 'parley-test-'));
  const schema = `parley_test_${process.pid}_${Math.random().toString(36).slice(2, 10)}`;
  const removeStorage = async (): Promise<void> => {
    rmSync(dataDir, { recursive: true, force: true });
    if (dialect === 'postgres') await dropSchema(schema);
  };
  const config = loadConfig({
    PARLEY_DATA_DIR: dataDir,
    PARLEY_ADMIN_KEY: TEST_ADMIN_KEY,
    PARLEY_SECRET: TEST_SECRET,
    PARLEY_LOG_LEVEL: 'silent',
    ...(dialect === 'postgres' ? { PARLEY_DATABASE_URL: POSTGRES_URL, PARLEY_DATABASE_SCHEMA: schema } : {}),
    ...env,
  });
  try {
    const built = await buildApp(config, { logger: false, ...options });
    await built.app.ready();
    return {
      ...built,
      async dispose() {
        await built.app.close();
        await removeStorage();
      },
    };
  } catch (error) {
    await removeStorage();
    throw error;
  }
}

/** `env` adds PARLEY_* variables to the test configuration (PARLEY_TRUST_PROXY, PARLEY_METRICS_TOKEN, …). */
export async function startTestServer(
  dialect: Dialect,
  options: BuildOptions = {},
  env: Readonly<Record<string, string>> = {},
): Promise<TestServer> {
  const { app, services, dispose } = await buildTestApp(dialect, options, env);
  return {
    services,
    dialect,
    async request(method, url, { body, rawBody, headers = {}, auth = 'admin', remoteAddress } = {}) {
      const authorization = auth === 'none' ? {} : { authorization: `Bearer ${auth === 'admin' ? TEST_ADMIN_KEY : auth}` };
      const payload = rawBody ?? (body === undefined ? undefined : JSON.stringify(body));
      const response = await app.inject({
        method,
        url,
        headers: { ...(payload === undefined ? {} : { 'content-type': 'application/json' }), ...authorization, ...headers },
        ...(payload === undefined ? {} : { payload }),
        ...(remoteAddress === undefined ? {} : { remoteAddress }),
      });
      let json: unknown;
      try {
        json = response.body === '' ? undefined : JSON.parse(response.body);
      } catch {
        // Not JSON (HTML, metrics text): tests read `body` instead.
      }
      return { status: response.statusCode, headers: response.headers, body: response.body, raw: response.rawPayload, json };
    },
    close: dispose,
  };
}

async function dropSchema(schema: string): Promise<void> {
  const client = new pg.Client({ connectionString: POSTGRES_URL });
  await client.connect();
  try {
    await client.query(`drop schema if exists "${schema}" cascade`);
  } finally {
    await client.end();
  }
}

let postgresProbe: Promise<string | null> | undefined;

/** null when PostgreSQL answers, else why not. */
export function postgresUnavailable(): Promise<string | null> {
  postgresProbe ??= (async () => {
    const client = new pg.Client({ connectionString: POSTGRES_URL, connectionTimeoutMillis: 3000 });
    try {
      await client.connect();
      await client.query('select 1');
      return null;
    } catch (error) {
      return error instanceof Error ? error.message : String(error);
    } finally {
      await client.end().catch(() => undefined);
    }
  })();
  return postgresProbe;
}

/**
 * Runs a suite once per storage dialect, each against its own fresh server. PostgreSQL missing is a
 * failure under CI=true; on a developer machine without it the PostgreSQL run fails too, with the
 * reason, unless PARLEY_TEST_SKIP_POSTGRES=1 says to leave it out on purpose.
 */
export function describeEachDialect<S extends { close(): Promise<void> }>(
  name: string,
  start: (dialect: Dialect) => Promise<S>,
  suite: (server: () => S) => void,
): void {
  const dialects: Dialect[] =
    process.env['PARLEY_TEST_SKIP_POSTGRES'] === '1' && process.env['CI'] !== 'true' ? ['sqlite'] : ['sqlite', 'postgres'];
  for (const dialect of dialects) {
    describe(`${name} [${dialect}]`, () => {
      let server: S | undefined;
      beforeAll(async () => {
        if (dialect === 'postgres') {
          const reason = await postgresUnavailable();
          if (reason !== null) throw new Error(`PostgreSQL at ${POSTGRES_URL} is needed for this suite: ${reason}`);
        }
        server = await start(dialect);
      });
      afterAll(async () => {
        await server?.close();
      });
      suite(() => {
        if (server === undefined) throw new Error('test server did not start');
        return server;
      });
    });
  }
}

export function describeEachStore(name: string, suite: (server: () => TestServer) => void, options: BuildOptions = {}): void {
  describeEachDialect(name, (dialect) => startTestServer(dialect, options), suite);
}
