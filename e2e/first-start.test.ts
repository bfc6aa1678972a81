import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { freePort, killServer, SERVER_MAIN, startServer } from '@parley/testkit';
import { afterAll, describe, expect, it } from 'vitest';

/** Starts the built server like `npm start` does and resolves once it prints its URL. */
const start = (dataDir: string, port: number) => startServer({ PARLEY_DATA_DIR: dataDir, PARLEY_PORT: String(port) });

describe('first start of the built server (as `npm start` runs it)', () => {
  const dataDir = mkdtempSync(join(tmpdir(), 'parley-start-'));
  afterAll(() => rmSync(dataDir, { recursive: true, force: true }));

  it('prints the admin key and URLs, serves the home page, keeps its data across a restart and stops cleanly on SIGTERM', async () => {
    expect(existsSync(SERVER_MAIN), `${SERVER_MAIN} is missing: run \`npm run build\` first (npm test does)`).toBe(true);
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
    expect(await killServer(first, 'SIGTERM')).toBe(0);

    expect(existsSync(join(dataDir, 'parley.db'))).toBe(true);
    expect(existsSync(join(dataDir, 'secret'))).toBe(true);

    const second = await start(dataDir, port);
    expect(second.output()).not.toContain('Admin API key');
    expect(second.output()).not.toContain('Password (shown once');
    const again = await (await fetch(`http://127.0.0.1:${port}/v1/widgets`, { headers: { authorization: `Bearer ${key}` } })).json();
    expect(again.items.map((w: { id: string }) => w.id)).toEqual(widgets.items.map((w: { id: string }) => w.id));
    expect(await killServer(second, 'SIGTERM')).toBe(0);
  });
});
