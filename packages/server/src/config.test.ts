import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import { ConfigError, loadConfig } from './config.js';

describe('configuration from the environment', () => {
  it('uses the embedded defaults when nothing is set', () => {
    const config = loadConfig({});
    expect(config).toMatchObject({ port: 3000, host: '0.0.0.0', redisUrl: null, secret: null, adminKey: null, translator: null });
    expect(config.storage).toEqual({ kind: 'sqlite', file: resolve('./data/parley.db'), synchronous: 'full' });
    expect(config.publicUrl).toBe('http://localhost:3000');
  });

  it('mails unread replies after the built-in minute unless PARLEY_MAIL_DELAY_MS says otherwise', () => {
    expect(loadConfig({}).mailDelayMs).toBeNull();
    expect(loadConfig({ PARLEY_MAIL_DELAY_MS: '1500' }).mailDelayMs).toBe(1500);
  });

  it('lets link previews reach private addresses only when PARLEY_UNFURL_ALLOW_PRIVATE says so', () => {
    expect(loadConfig({}).unfurlAllowPrivate).toBe(false);
    expect(loadConfig({ PARLEY_UNFURL_ALLOW_PRIVATE: '1' }).unfurlAllowPrivate).toBe(true);
    expect(loadConfig({ PARLEY_UNFURL_ALLOW_PRIVATE: 'TRUE' }).unfurlAllowPrivate).toBe(true);
    expect(loadConfig({ PARLEY_UNFURL_ALLOW_PRIVATE: 'false' }).unfurlAllowPrivate).toBe(false);
    expect(() => loadConfig({ PARLEY_UNFURL_ALLOW_PRIVATE: 'yes please' })).toThrow('PARLEY_UNFURL_ALLOW_PRIVATE="yes please" is invalid');
  });

  it('makes SQLite commits durable across power loss unless PARLEY_SQLITE_SYNCHRONOUS=normal opts out', () => {
    expect(loadConfig({}).storage).toMatchObject({ kind: 'sqlite', synchronous: 'full' });
    expect(loadConfig({ PARLEY_SQLITE_SYNCHRONOUS: 'NORMAL' }).storage).toMatchObject({ kind: 'sqlite', synchronous: 'normal' });
    expect(loadConfig({ PARLEY_SQLITE_SYNCHRONOUS: 'full' }).storage).toMatchObject({ kind: 'sqlite', synchronous: 'full' });
  });

  it('reads the metrics token and the translator private-network allowance, refusing bad values', () => {
    expect(loadConfig({}).metricsToken).toBeNull();
    expect(loadConfig({ PARLEY_METRICS_TOKEN: 'scrape-0123456789abcdef' }).metricsToken).toBe('scrape-0123456789abcdef');
    expect(() => loadConfig({ PARLEY_METRICS_TOKEN: 'short' })).toThrow(/^PARLEY_METRICS_TOKEN="<hidden>" is invalid/);
    const translator = { PARLEY_TRANSLATOR_URL: 'http://127.0.0.1:11434/v1' };
    expect(loadConfig({ ...translator, PARLEY_TRANSLATOR_ALLOW_PRIVATE: '1' }).translator?.allowPrivateNetwork).toBe(true);
    expect(() => loadConfig({ ...translator, PARLEY_TRANSLATOR_ALLOW_PRIVATE: 'sure' })).toThrow(
      /^PARLEY_TRANSLATOR_ALLOW_PRIVATE="sure" is invalid/,
    );
  });

  it('switches to PostgreSQL when PARLEY_DATABASE_URL is a postgres URL', () => {
    const config = loadConfig({ PARLEY_DATABASE_URL: 'postgres://u:p@db:5432/parley', PARLEY_DATABASE_SCHEMA: 'tenant_a' });
    expect(config.storage).toEqual({ kind: 'postgres', url: 'postgres://u:p@db:5432/parley', schema: 'tenant_a' });
  });

  it('reads the data dir, public URL without trailing slash, and the translator', () => {
    const config = loadConfig({
      PARLEY_DATA_DIR: '/var/lib/parley',
      PARLEY_PUBLIC_URL: 'https://chat.example.com/',
      PARLEY_TRANSLATOR_URL: 'http://127.0.0.1:11434/v1',
    });
    expect(config.dataDir).toBe('/var/lib/parley');
    expect(config.storage).toEqual({ kind: 'sqlite', file: '/var/lib/parley/parley.db', synchronous: 'full' });
    expect(config.publicUrl).toBe('https://chat.example.com');
    expect(config.translator).toEqual({
      kind: 'openai',
      messageTimeoutMs: 5000,
      url: 'http://127.0.0.1:11434/v1',
      model: 'gpt-4o-mini',
      apiKey: null,
      allowPrivateNetwork: false,
    });
  });

  it.each([
    ['PARLEY_PORT', 'abc'],
    ['PARLEY_PORT', '70000'],
    ['PARLEY_DATABASE_URL', 'mysql://localhost/db'],
    ['PARLEY_REDIS_URL', 'localhost:6379'],
    ['PARLEY_SECRET', 'short'],
    ['PARLEY_PUBLIC_URL', 'chat.example.com'],
    ['PARLEY_ADMIN_KEY', 'tooshort'],
    ['PARLEY_LOG_LEVEL', 'loud'],
    ['PARLEY_TRANSLATOR_URL', 'ftp://x'],
    ['PARLEY_MAIL_DELAY_MS', '1s'],
    ['PARLEY_REBALANCE_SPREAD_SECONDS', '-5'],
    ['PARLEY_REBALANCE_SPREAD_SECONDS', '3601'],
    ['PARLEY_SQLITE_SYNCHRONOUS', 'off'],
  ])('refuses %s=%s with one line naming the variable', (name, value) => {
    const attempt = () => loadConfig({ [name]: value });
    expect(attempt).toThrow(ConfigError);
    expect(attempt).toThrow(new RegExp(`^${name}=`));
  });

  it('never prints a secret value in the error', () => {
    expect(() => loadConfig({ PARLEY_SECRET: 'hunter2' })).toThrow(/<hidden>/);
  });

  const main = resolve(import.meta.dirname, '../dist/main.js');
  it('exits with code 1 and one clear line on a bad value (built server)', () => {
    expect(existsSync(main), `${main} is missing: run \`npm run build\` first (npm test does)`).toBe(true);
    const result = spawnSync(process.execPath, [main], {
      env: { ...process.env, PARLEY_PORT: 'abc', PARLEY_DATA_DIR: mkdtempSync(join(tmpdir(), 'parley-cfg-')) },
      encoding: 'utf8',
      timeout: 20_000,
    });
    expect(result.status).toBe(1);
    expect(result.stderr.trim().split('\n')).toEqual(['parley: PARLEY_PORT="abc" is invalid: expected a whole number from 1 to 65535.']);
  });
});
