import { spawnSync } from 'node:child_process';
import { copyFileSync, existsSync, mkdtempSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { buildApp, loadConfig } from '@parley/server';

const CLI = resolve(import.meta.dirname, '../packages/server/dist/cli.js');
// Each test runs the CLI as child processes (spawnSync): about a second each on a quiet machine, many under a CI load
// of 20+, so they get a minute rather than the default 20 s.

describe('the parley CLI (npm run parley -- keys|agents|backup …)', () => {
  const dataDir = mkdtempSync(join(tmpdir(), 'parley-cli-'));
  afterAll(() => rmSync(dataDir, { recursive: true, force: true }));
  const run = (input: string | undefined, args: string[]) =>
    spawnSync(process.execPath, [CLI, ...args], {
      env: { ...process.env, PARLEY_DATA_DIR: dataDir, PARLEY_DATABASE_URL: '' },
      encoding: 'utf8',
      timeout: 20_000,
      input,
    });
  const cli = (...args: string[]) => run(undefined, args);
  const login = async (email: string, password: string) => {
    const { app } = await buildApp(loadConfig({ PARLEY_DATA_DIR: dataDir, PARLEY_LOG_LEVEL: 'silent' }), { logger: false });
    try {
      return (await app.inject({ method: 'POST', url: '/v1/auth/login', payload: { email, password } })).statusCode;
    } finally {
      await app.close();
    }
  };

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
  }, 60_000);

  it('explains its usage and refuses a create without a name', () => {
    expect(cli().stdout).toContain('keys create --name');
    const nameless = cli('keys', 'create');
    expect(nameless.status).toBe(2);
    expect(nameless.stderr).toContain('--name');
  }, 60_000);

  it('creates a console account, lists it, and resets a lost password (generated, given, or from stdin)', async () => {
    const created = cli('agents', 'create', '--email', 'Owner@Example.com', '--name', 'Owner', '--role', 'admin');
    expect(created.stderr).toBe('');
    expect(created.status).toBe(0);
    const generated = created.stdout.trim().split('\n').at(-1) ?? '';
    expect(generated).toMatch(/^\S{12,}$/);
    expect(await login('owner@example.com', generated)).toBe(200);
    expect(cli('agents', 'list').stdout).toMatch(/agt_\S+ {2}owner@example\.com {2}Owner {2}admin/);

    const reset = cli('agents', 'reset-password', 'owner@example.com');
    expect(reset.status).toBe(0);
    const fresh = reset.stdout.trim().split('\n').at(-1) ?? '';
    expect(fresh).not.toBe(generated);
    expect(await login('owner@example.com', generated)).toBe(401);
    expect(await login('owner@example.com', fresh)).toBe(200);

    expect(cli('agents', 'reset-password', 'OWNER@example.com', '--password', 'chosen-by-me').status).toBe(0);
    expect(await login('owner@example.com', 'chosen-by-me')).toBe(200);
    const piped = run('from-a-pipe-42\n', ['agents', 'reset-password', 'owner@example.com', '--password-stdin']);
    expect(piped.status).toBe(0);
    expect(piped.stdout).not.toContain('from-a-pipe-42');
    expect(await login('owner@example.com', 'from-a-pipe-42')).toBe(200);
  }, 60_000);

  it('refuses an unknown email, a short password and a duplicate account with what to do', () => {
    const unknown = cli('agents', 'reset-password', 'nobody@example.com');
    expect(unknown.status).toBe(1);
    expect(unknown.stderr).toContain('agents list');
    const short = cli('agents', 'create', '--email', 'a@example.com', '--name', 'A', '--password', 'short');
    expect(short.status).toBe(2);
    expect(short.stderr).toContain('--password: must be at least 8 characters');
    expect(cli('agents', 'create', '--email', 'b@example.com', '--name', 'B').status).toBe(0);
    const twice = cli('agents', 'create', '--email', 'b@example.com', '--name', 'B again');
    expect(twice.status).toBe(1);
    expect(twice.stderr).toContain('b@example.com');
  }, 60_000);

  it('backs the database up into a new file that opens as a working Parley database, and never overwrites', async () => {
    const target = join(dataDir, 'copy.db');
    const backup = cli('backup', target);
    expect(backup.stderr).toBe('');
    expect(backup.status).toBe(0);
    expect(statSync(target).size).toBeGreaterThan(0);
    expect(cli('backup', target).status).toBe(1);

    // The copy is a whole database: the accounts made above log in from it.
    const restored = mkdtempSync(join(tmpdir(), 'parley-restored-'));
    try {
      copyFileSync(target, join(restored, 'parley.db'));
      const { app } = await buildApp(loadConfig({ PARLEY_DATA_DIR: restored, PARLEY_LOG_LEVEL: 'silent' }), { logger: false });
      const status = (
        await app.inject({ method: 'POST', url: '/v1/auth/login', payload: { email: 'owner@example.com', password: 'from-a-pipe-42' } })
      ).statusCode;
      await app.close();
      expect(status).toBe(200);
    } finally {
      rmSync(restored, { recursive: true, force: true });
    }
  }, 60_000);
});
