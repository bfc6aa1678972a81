import { expect, it } from 'vitest';
import { DEMO_ADMIN_EMAIL, firstRun } from './bootstrap.js';
import { loadConfig } from './config.js';
import { describeEachStore } from './testing/test-server.js';

describeEachStore('first start and the console admin', (server) => {
  it('creates a demo admin once, whose printed password logs in', async () => {
    const first = await firstRun(server().services);
    expect(first.admin).toEqual({ email: DEMO_ADMIN_EMAIL, password: expect.stringMatching(/^\S{12,}$/) });
    const login = await server().request('POST', '/v1/auth/login', {
      auth: 'none',
      body: { email: DEMO_ADMIN_EMAIL, password: first.admin?.password },
    });
    expect(login.status).toBe(200);
    expect(login.json.agent).toMatchObject({ role: 'admin', email: DEMO_ADMIN_EMAIL });
    expect((await firstRun(server().services)).admin).toBeNull();
  });
});

describeEachStore('first start with PARLEY_ADMIN_EMAIL and PARLEY_ADMIN_PASSWORD', (server) => {
  it('creates that admin instead and prints no password', async () => {
    const config = loadConfig({ PARLEY_ADMIN_EMAIL: 'Ops@Example.com', PARLEY_ADMIN_PASSWORD: 'automation-secret' });
    const first = await firstRun(server().services, config.firstAdmin);
    expect(first.admin).toEqual({ email: 'ops@example.com', password: null });
    const login = await server().request('POST', '/v1/auth/login', {
      auth: 'none',
      body: { email: 'ops@example.com', password: 'automation-secret' },
    });
    expect(login.json.agent).toMatchObject({ role: 'admin' });
    const listed = await server().request('GET', '/v1/agents');
    expect(listed.json.items.map((agent: { email: string }) => agent.email)).toEqual(['ops@example.com']);
  });
});

it('refuses half or weak admin settings and a bad SMTP URL with a clear message', () => {
  expect(() => loadConfig({ PARLEY_ADMIN_EMAIL: 'ops@example.com' })).toThrow(/PARLEY_ADMIN_EMAIL.*together/);
  expect(() => loadConfig({ PARLEY_ADMIN_EMAIL: 'ops@example.com', PARLEY_ADMIN_PASSWORD: 'short' })).toThrow(
    /PARLEY_ADMIN_PASSWORD.*8 characters/,
  );
  expect(() => loadConfig({ PARLEY_ADMIN_EMAIL: 'not-an-email', PARLEY_ADMIN_PASSWORD: 'long-enough' })).toThrow(/PARLEY_ADMIN_EMAIL/);
  expect(() => loadConfig({ PARLEY_SMTP_URL: 'http://user:hunter2@mail' })).toThrow(/PARLEY_SMTP_URL/);
  expect(() => loadConfig({ PARLEY_SMTP_URL: 'http://user:hunter2@mail' })).not.toThrow(/hunter2/);
  const config = loadConfig({ PARLEY_SMTP_URL: 'smtp://mail.example.com:587', PARLEY_PUBLIC_URL: 'https://chat.example.com' });
  expect(config).toMatchObject({ smtpUrl: 'smtp://mail.example.com:587', mailFrom: 'Parley <parley@chat.example.com>', firstAdmin: null });
});
