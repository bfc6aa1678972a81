import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';
import { buildApp, type Parley } from '../../app.js';
import { loadConfig } from '../../config.js';
import { POSTGRES_URL, postgresUnavailable, TEST_ADMIN_KEY, TEST_SECRET } from '../../testing/test-server.js';

const REDIS_URL = process.env['PARLEY_TEST_REDIS_URL'] ?? 'redis://127.0.0.1:6379';

export interface ScaledNode {
  readonly parley: Parley;
  readonly baseUrl: string;
}

/**
 * `count` server nodes in this process, on one fresh PostgreSQL schema (named after `name`) and one Redis:
 * the scaled mode. Started one after the other, so the second migrates an already migrated schema, as a
 * rolling deploy does. `env` adds PARLEY_* settings to every node. `close` stops them and drops the schema.
 */
export async function startScaledNodes(
  name: string,
  count = 2,
  env: Readonly<Record<string, string>> = {},
): Promise<{ nodes: ScaledNode[]; close(): Promise<void> }> {
  const reason = await postgresUnavailable();
  if (reason !== null) throw new Error(`PostgreSQL at ${POSTGRES_URL} is needed for this suite: ${reason}`);
  const schema = `${name}_${process.pid}_${Math.random().toString(36).slice(2, 8)}`;
  const dirs: string[] = [];
  const nodes: ScaledNode[] = [];
  const close = async (): Promise<void> => {
    for (const node of nodes) await node.parley.app.close();
    for (const dir of dirs) rmSync(dir, { recursive: true, force: true });
    const client = new pg.Client({ connectionString: POSTGRES_URL });
    await client.connect();
    await client.query(`drop schema if exists "${schema}" cascade`).finally(() => client.end());
  };
  try {
    for (let i = 0; i < count; i++) {
      const dataDir = mkdtempSync(join(tmpdir(), 'parley-node-'));
      dirs.push(dataDir);
      const config = loadConfig({
        PARLEY_DATA_DIR: dataDir,
        PARLEY_ADMIN_KEY: TEST_ADMIN_KEY,
        PARLEY_SECRET: TEST_SECRET,
        PARLEY_LOG_LEVEL: 'silent',
        PARLEY_DATABASE_URL: POSTGRES_URL,
        PARLEY_DATABASE_SCHEMA: schema,
        PARLEY_REDIS_URL: REDIS_URL,
        ...env,
      });
      const parley = await buildApp(config, { logger: false });
      nodes.push({ parley, baseUrl: await parley.app.listen({ host: '127.0.0.1', port: 0 }) });
    }
  } catch (error) {
    await close();
    throw error;
  }
  return { nodes, close };
}
