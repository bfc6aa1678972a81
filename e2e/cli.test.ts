import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { buildApp, loadConfig } from '@parley/server';

const CLI = resolve(import.meta.dirname, '../packages/server/dist/cli.js');

describe('the parley CLI (npm run parley -- keys …)', () => {
  const dataDir = mkdtempSync(join(tmpdir(), 'parley-cli-'));
  afterAll(() => rmSync(dataDir, { recursive: true, force: true }));
  const cli = (...args: string[]) =>
    spawnSync(process.execPath, [CLI, ...args], { env: { ...process.env, PARLEY_DATA_DIR: dataDir }, encoding: 'utf8', timeout: 20_000 });

  it('creates a key that authenticates, lists it without the secret, and revokes it', async () => {
    expect(existsSync(CLI), `${CLI} is missing: run \`npm run build\` first (npm test does)`).toBe(true);
    const created = cli('keys', 'create', '--name', 'deploys');
    expect(created.status).toBe(0);
    const key = /pk_\S+/.exec(created.stdout)?.[0];
    const id = /key_[0-9A-Z]{26}/.exec(created.stdout)?.[0];
    expect(key).toBeDefined();
    expect(id).toBeDefined();

    const { app } = await buildApp(loadConfig({ PARLEY_DATA_DIR: dataDir, PARLEY_LOG_LEVEL: 'silent' }), { logger: false });
    const authorised = await app.inject({ method: 'GET', url: '/v1/widgets', headers: { authorization: `Bearer ${key}` } });
    expect(authorised.statusCode).toBe(200);
    await app.close();

    const listed = cli('keys', 'list');
    expect(listed.stdout).toContain('deploys');
    expect(listed.stdout).not.toContain(key);
    expect(cli('keys', 'revoke', String(id)).status).toBe(0);
    expect(cli('keys', 'revoke', String(id)).status).toBe(1);
  });

  it('explains its usage and refuses a create without a name', () => {
    expect(cli().stdout).toContain('keys create --name');
    const nameless = cli('keys', 'create');
    expect(nameless.status).toBe(2);
    expect(nameless.stderr).toContain('--name');
  });
});
