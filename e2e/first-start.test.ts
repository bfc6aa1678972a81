import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';

const MAIN = resolve(import.meta.dirname, '../packages/server/dist/main.js');

function freePort(): Promise<number> {
  return new Promise((done, fail) => {
    const probe = createServer().listen(0, '127.0.0.1', () => {
      const address = probe.address();
      probe.close(() => (typeof address === 'object' && address !== null ? done(address.port) : fail(new Error('no port'))));
    });
  });
}

interface Started {
  readonly child: ChildProcess;
  readonly output: () => string;
}

/** Starts the built server like `npm start` does and resolves once it prints its URL. */
function start(dataDir: string, port: number): Promise<Started> {
  const child = spawn(process.execPath, [MAIN], {
    env: { ...process.env, PARLEY_DATA_DIR: dataDir, PARLEY_PORT: String(port), PARLEY_LOG_LEVEL: 'warn' },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  return new Promise((done, fail) => {
    const timer = setTimeout(() => fail(new Error(`server did not start:\n${output}`)), 20_000);
    const onData = (chunk: Buffer) => {
      output += chunk.toString();
      if (output.includes('API reference:')) {
        clearTimeout(timer);
        done({ child, output: () => output });
      }
    };
    child.stdout.on('data', onData);
    child.stderr.on('data', onData);
    child.on('exit', (code) => fail(new Error(`server exited with ${code}:\n${output}`)));
  });
}

function stop(child: ChildProcess): Promise<number | null> {
  return new Promise((done) => {
    child.once('exit', (code) => done(code));
    child.kill('SIGTERM');
  });
}

describe('first start of the built server (as `npm start` runs it)', () => {
  const dataDir = mkdtempSync(join(tmpdir(), 'parley-start-'));
  afterAll(() => rmSync(dataDir, { recursive: true, force: true }));

  it('prints the admin key and URLs, serves the home page, keeps its data across a restart and stops cleanly on SIGTERM', async () => {
    expect(existsSync(MAIN), `${MAIN} is missing: run \`npm run build\` first (npm test does)`).toBe(true);
    const port = await freePort();
    const first = await start(dataDir, port);
    const key = /Admin API key \(shown once, store it now\): (pk_\S+)/.exec(first.output())?.[1];
    expect(key).toBeDefined();
    expect(first.output()).toContain(`http://localhost:${port}/docs`);
    const home = await fetch(`http://127.0.0.1:${port}/`);
    expect(home.status).toBe(200);
    expect(await home.text()).toContain('data-parley-widget=');
    const widgets = await (await fetch(`http://127.0.0.1:${port}/v1/widgets`, { headers: { authorization: `Bearer ${key}` } })).json();
    expect(widgets.items).toHaveLength(1);
    // The demo console admin: email and a generated password, printed once, that log in.
    const admin = /Agent console: \S+\/console {2}\(Email: (\S+)\)\s+Password \(shown once, change it after logging in\): (\S+)/.exec(
      first.output(),
    );
    expect(admin?.[1]).toBe('admin@parley.local');
    const login = await fetch(`http://127.0.0.1:${port}/v1/auth/login`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ email: admin?.[1], password: admin?.[2] }),
    });
    expect(login.status).toBe(200);
    expect(await stop(first.child)).toBe(0);

    expect(existsSync(join(dataDir, 'parley.db'))).toBe(true);
    expect(existsSync(join(dataDir, 'secret'))).toBe(true);

    const second = await start(dataDir, port);
    expect(second.output()).not.toContain('Admin API key');
    expect(second.output()).not.toContain('Password (shown once');
    const again = await (await fetch(`http://127.0.0.1:${port}/v1/widgets`, { headers: { authorization: `Bearer ${key}` } })).json();
    expect(again.items.map((w: { id: string }) => w.id)).toEqual(widgets.items.map((w: { id: string }) => w.id));
    expect(await stop(second.child)).toBe(0);
  });
});
