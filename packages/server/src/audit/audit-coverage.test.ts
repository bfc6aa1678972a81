import { readdir, readFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { AuditLog } from './audit-log.js';
import { buildTestApp, TEST_ADMIN_KEY, type TestApp } from '../testing/test-server.js';

const SRC = join(dirname(fileURLToPath(import.meta.url)), '..');
const CHANGES = new Set(['POST', 'PUT', 'PATCH', 'DELETE']);

/**
 * Admin routes that change nothing an audit log is about, each with why. Everything else an admin alone may call
 * with POST, PUT, PATCH or DELETE must be audited (the hook's `config.audit`, or `config.auditsItself`).
 */
const NOT_CHANGES: Readonly<Record<string, string>> = {
  'POST /v1/widgets/:id/routing/test': 'a dry run of the routing rules: nothing is stored',
};

/** A path of the route table with every `:param` filled (the probe only needs the route to match). */
const concrete = (url: string): string => url.replace(/:[A-Za-z]+/g, 'x_probe').replace(/\*$/, 'probe');

describe('every admin change is audited', () => {
  let built: TestApp;
  let agentToken: string;

  beforeAll(async () => {
    built = await buildTestApp('sqlite');
    const inject = (method: 'POST' | 'GET', url: string, body: unknown, token = TEST_ADMIN_KEY) =>
      built.app.inject({
        method,
        url,
        headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
        payload: JSON.stringify(body),
      });
    const email = 'probe-agent@example.com';
    const password = 'probe-agent-password';
    expect((await inject('POST', '/v1/agents', { email, password, name: 'Probe', role: 'agent' })).statusCode).toBe(201);
    const login = await built.app.inject({ method: 'POST', url: '/v1/auth/login', payload: { email, password } });
    agentToken = (login.json() as { token: string }).token;
  }, 60_000);
  afterAll(async () => {
    await built?.dispose();
  });

  it('finds every admin-only POST, PUT, PATCH and DELETE route in the route table declaring what it records', async () => {
    const changing = built.app.auditRoutes.filter((route) => CHANGES.has(route.method));
    expect(changing.length).toBeGreaterThan(20);
    const adminOnly: string[] = [];
    const unaudited: string[] = [];
    // Logins and logouts are every agent's own (and a logout would end the probe's login).
    for (const route of changing.filter((each) => !each.url.startsWith('/v1/auth/'))) {
      // An agent's console login: an admin-only route refuses it before reading anything (onRequest).
      const probe = await built.app.inject({
        method: route.method as 'POST',
        url: concrete(route.url),
        headers: { authorization: `Bearer ${agentToken}`, 'content-type': 'application/json' },
        payload: '{}',
      });
      const code = probe.statusCode === 403 ? (probe.json() as { error?: { code?: string } }).error?.code : undefined;
      // The probe's login must last the whole walk, or admin routes would hide behind its 401.
      expect(probe.body, `${route.method} ${route.url}`).not.toContain('PARLEY_ERR_AUTH_SESSION_INVALID');
      if (code !== 'PARLEY_ERR_AUTH_ADMIN_REQUIRED') continue;
      const name = `${route.method} ${route.url}`;
      adminOnly.push(name);
      if (route.audited.length === 0 && NOT_CHANGES[name] === undefined) unaudited.push(name);
    }
    // The probe itself works: the routes named in issue 18 are among those it found.
    expect(adminOnly).toEqual(
      expect.arrayContaining([
        'POST /v1/widgets',
        'PATCH /v1/widgets/:id',
        'POST /v1/bots',
        'POST /v1/agents',
        'POST /v1/api-keys',
        'POST /v1/contacts/:id/erase',
        'POST /v1/webhooks',
      ]),
    );
    expect(unaudited, 'admin routes that write no audit entry').toEqual([]);
  }, 120_000);

  it('records the operator’s rebalance, a route that had no entry before', async () => {
    const admin = { authorization: `Bearer ${TEST_ADMIN_KEY}` };
    const started = await built.app.inject({ method: 'POST', url: '/v1/admin/rebalance', headers: admin, payload: { spreadSeconds: 1 } });
    expect(started.statusCode).toBe(202);
    const newest = await built.app.inject({ method: 'GET', url: '/v1/audit?take=1', headers: admin });
    expect((newest.json() as { items: unknown[] }).items[0]).toMatchObject({
      action: 'node.rebalanced',
      targetType: 'node',
      targetId: null,
      actor: { kind: 'api_key', id: 'env' },
      detail: { connections: 0 },
    });
  });

  it('stays append-only: the route table reads the log only, and no server code updates or deletes its rows', async () => {
    const auditRoutes = built.app.auditRoutes.filter((route) => route.url.startsWith('/v1/audit'));
    expect(auditRoutes.map((route) => route.method).sort()).toEqual(['GET', 'HEAD']);
    expect(Object.getOwnPropertyNames(AuditLog.prototype).sort()).toEqual(['constructor', 'list', 'record', 'recordFor']);
    const sources = (await readdir(SRC, { recursive: true })).filter((file) => file.endsWith('.ts') && !file.includes('test'));
    const writers: string[] = [];
    for (const file of sources) {
      const text = await readFile(join(SRC, file), 'utf8');
      if (/(updateTable|deleteFrom)\(\s*'audit_log'|(update|delete\s+from)\s+"?audit_log/i.test(text)) writers.push(file);
    }
    expect(writers).toEqual([]);
  });
});
