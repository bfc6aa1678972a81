import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import pg from 'pg';
import { afterAll, describe, expect, it } from 'vitest';
import { freePort, killServer, SERVER_MAIN, startServer, type ServerProcess } from '@parley/testkit';
import { POSTGRES_URL, postgresToUse } from './support/postgres.js';

/** Nodes started at the same instant on one empty database. */
const NODES = 4;
const ADMIN_KEY_LINE = /Admin API key \(shown once, store it now\): (pk_\S+)/;

interface Started {
  readonly servers: ServerProcess[];
  readonly ports: number[];
  /** Why each node that did not come up failed (its output). */
  readonly failures: string[];
}

/** Starts `env(i)` for every node at once and waits for each to print its URL or exit (they take turns: on a busy machine the last waits long). */
async function startAtOnce(env: (node: number) => Record<string, string>): Promise<Started> {
  const ports = await Promise.all(Array.from({ length: NODES }, () => freePort()));
  const results = await Promise.allSettled(
    ports.map((port, node) => startServer({ ...env(node), PARLEY_PORT: String(port), PARLEY_HOST: '127.0.0.1' }, 90_000)),
  );
  const servers: ServerProcess[] = [];
  const failures: string[] = [];
  for (const result of results) {
    if (result.status === 'fulfilled') servers.push(result.value);
    else failures.push(result.reason instanceof Error ? result.reason.message : String(result.reason));
  }
  return { servers, ports, failures };
}

async function expectAllReady(started: Started): Promise<void> {
  expect(started.failures, 'every node starts').toEqual([]);
  for (const port of started.ports) expect((await fetch(`http://127.0.0.1:${port}/readyz`)).status).toBe(200);
  const keys = started.servers.map((server) => ADMIN_KEY_LINE.exec(server.output())?.[1]).filter((key) => key !== undefined);
  expect(keys, 'exactly one node prints the first admin key').toHaveLength(1);
  expect(started.servers.filter((server) => server.output().includes('Password (shown once'))).toHaveLength(1);
  // Every node accepts the one key: it is the one stored.
  for (const port of started.ports) {
    const widgets = await fetch(`http://127.0.0.1:${port}/v1/widgets`, { headers: { authorization: `Bearer ${keys[0]}` } });
    expect(widgets.status).toBe(200);
  }
}

describe('nodes started at the same time on one empty database', () => {
  const stops: (() => Promise<void>)[] = [];
  afterAll(async () => {
    for (const stop of stops.reverse()) await stop();
  });

  it(`on PostgreSQL: ${NODES} nodes all come up, and exactly one creates the admin, the key and the demo widget`, async () => {
    expect(existsSync(SERVER_MAIN), `${SERVER_MAIN} is missing: run \`npm run build\` first (npm test does)`).toBe(true);
    if (!(await postgresToUse())) return;
    const schema = `parley_e2e_start_${process.pid}_${Math.random().toString(36).slice(2, 8)}`;
    const dataDirs = Array.from({ length: NODES }, () => mkdtempSync(join(tmpdir(), 'parley-start-pg-')));
    const admin = new pg.Client({ connectionString: POSTGRES_URL });
    await admin.connect();
    stops.push(async () => {
      await admin.query(`drop schema if exists "${schema}" cascade`);
      await admin.end();
      for (const dir of dataDirs) rmSync(dir, { recursive: true, force: true });
    });
    const started = await startAtOnce((node) => ({
      PARLEY_DATABASE_URL: POSTGRES_URL,
      PARLEY_DATABASE_SCHEMA: schema,
      PARLEY_SECRET: 'e2e-concurrent-start-secret-0123456789abcdef',
      PARLEY_DATA_DIR: dataDirs[node] ?? '',
    }));
    stops.push(async () => {
      await Promise.all(started.servers.map((server) => killServer(server, 'SIGTERM')));
    });
    await expectAllReady(started);
    const count = async (table: string) => Number((await admin.query(`select count(*) as n from "${schema}"."${table}"`)).rows[0].n);
    expect(await count('agents')).toBe(1);
    expect(await count('api_keys')).toBe(1);
    expect(await count('widgets')).toBe(1);
    expect(await count('bots')).toBe(1);
  }, 180_000);

  it(`on SQLite: ${NODES} processes on one new file do not both create the demo admin and widget`, async () => {
    const dataDir = mkdtempSync(join(tmpdir(), 'parley-start-sqlite-'));
    stops.push(async () => rmSync(dataDir, { recursive: true, force: true }));
    const started = await startAtOnce(() => ({ PARLEY_DATA_DIR: dataDir, PARLEY_SECRET: 'e2e-concurrent-start-secret-0123456789abcdef' }));
    stops.push(async () => {
      await Promise.all(started.servers.map((server) => killServer(server, 'SIGTERM')));
    });
    await expectAllReady(started);
    const db = new Database(join(dataDir, 'parley.db'), { readonly: true });
    try {
      const count = (table: string) => db.prepare<[], { n: number }>(`select count(*) as n from ${table}`).get()?.n;
      expect(count('agents')).toBe(1);
      expect(count('api_keys')).toBe(1);
      expect(count('widgets')).toBe(1);
      expect(count('bots')).toBe(1);
    } finally {
      db.close();
    }
  }, 180_000);
});
