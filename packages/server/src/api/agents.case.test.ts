import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { expect, it } from 'vitest';
import { buildApp } from '../app.js';
import { loadConfig } from '../config.js';
import { cookieOf, createAgent, login } from '../testing/agent-fixtures.js';
import { describeEachStore, TEST_SECRET } from '../testing/test-server.js';

describeEachStore(
  'agents, teams and console logins',
  (server) => {
    it('logs in with a session cookie that is HttpOnly, SameSite=Strict and scoped to the whole site', async () => {
      const agent = await createAgent(server(), { role: 'admin', name: 'Ada' });
      const response = await server().request('POST', '/v1/auth/login', {
        auth: 'none',
        body: { email: agent.email, password: agent.password },
      });
      expect(response.status).toBe(200);
      expect(response.json.agent).toMatchObject({
        id: agent.id,
        object: 'agent',
        email: agent.email,
        name: 'Ada',
        role: 'admin',
        teamIds: [],
      });
      expect(response.json.token).toMatch(/^pcs_/);
      expect(Date.parse(response.json.expiresAt)).toBeGreaterThan(Date.now());
      const header = String(response.headers['set-cookie']);
      expect(header).toContain(`parley_console=${response.json.token}`);
      expect(header).toMatch(/HttpOnly/i);
      expect(header).toMatch(/SameSite=Strict/i);
      expect(header).toMatch(/Path=\//);
      expect(header).not.toMatch(/Secure/i);
    });

    it('answers an unknown email and a wrong password with the same 401', async () => {
      const agent = await createAgent(server());
      const wrong = await server().request('POST', '/v1/auth/login', {
        auth: 'none',
        body: { email: agent.email, password: 'not-the-password' },
      });
      const unknown = await server().request('POST', '/v1/auth/login', {
        auth: 'none',
        body: { email: 'nobody@example.com', password: 'whatever-1' },
      });
      expect(wrong.status).toBe(401);
      expect(unknown.status).toBe(401);
      expect(wrong.json.error.code).toBe('PARLEY_ERR_AUTH_LOGIN_FAILED');
      expect(unknown.json.error.message).toBe(wrong.json.error.message);
    });

    it('refuses further attempts for an email after ten failures within a minute', async () => {
      const agent = await createAgent(server());
      for (let i = 0; i < 10; i += 1) {
        await server().request('POST', '/v1/auth/login', {
          auth: 'none',
          body: { email: agent.email, password: `guess-${i}-x` },
          remoteAddress: `10.0.0.${i}`,
        });
      }
      const refused = await server().request('POST', '/v1/auth/login', {
        auth: 'none',
        body: { email: agent.email, password: agent.password },
        remoteAddress: '10.0.1.1',
      });
      expect(refused.status).toBe(429);
      expect(refused.json.error.code).toBe('PARLEY_ERR_AUTH_RATE_LIMITED');
      expect(Number(refused.headers['retry-after'])).toBeGreaterThan(0);
    });

    it('shows the logged-in agent at /v1/auth/me until logout revokes the session', async () => {
      const agent = await createAgent(server(), { name: 'Grace' });
      const me = await server().request('GET', '/v1/auth/me', { auth: 'none', headers: { cookie: agent.cookie } });
      expect(me.status).toBe(200);
      expect(me.json.agent).toMatchObject({ id: agent.id, name: 'Grace', role: 'agent' });
      const viaToken = await server().request('GET', '/v1/auth/me', { auth: agent.token });
      expect(viaToken.json.agent.id).toBe(agent.id);
      const out = await server().request('POST', '/v1/auth/logout', { auth: 'none', headers: { cookie: agent.cookie }, body: {} });
      expect(out.status).toBe(204);
      expect(String(out.headers['set-cookie'])).toMatch(/parley_console=;/);
      const after = await server().request('GET', '/v1/auth/me', { auth: 'none', headers: { cookie: agent.cookie } });
      expect(after.status).toBe(401);
      expect(after.json.error.code).toBe('PARLEY_ERR_AUTH_SESSION_INVALID');
      expect((await server().request('GET', '/v1/auth/me', { auth: 'none' })).status).toBe(401);
    });

    it('lets an admin use every management endpoint with the cookie, JSON-only for changes', async () => {
      const admin = await createAgent(server(), { role: 'admin' });
      for (const path of ['/v1/widgets', '/v1/blueprints', '/v1/bots', '/v1/api-keys', '/v1/agents', '/v1/teams']) {
        expect((await server().request('GET', path, { auth: 'none', headers: { cookie: admin.cookie } })).status).toBe(200);
      }
      const forged = await server().request('POST', '/v1/api-keys', {
        auth: 'none',
        rawBody: 'name=x',
        headers: { cookie: admin.cookie, 'content-type': 'application/x-www-form-urlencoded' },
      });
      expect(forged.status).toBe(403);
      expect(forged.json.error.code).toBe('PARLEY_ERR_AUTH_CSRF');
      const created = await server().request('POST', '/v1/api-keys', {
        auth: 'none',
        headers: { cookie: admin.cookie },
        body: { name: 'from the console' },
      });
      expect(created.status).toBe(201);
    });

    it('refuses admin endpoints to plain agents with 403', async () => {
      const agent = await createAgent(server());
      for (const path of ['/v1/widgets', '/v1/bots', '/v1/blueprints', '/v1/api-keys']) {
        const response = await server().request('GET', path, { auth: 'none', headers: { cookie: agent.cookie } });
        expect(response.status).toBe(403);
        expect(response.json.error.code).toBe('PARLEY_ERR_AUTH_ADMIN_REQUIRED');
      }
      for (const path of ['/v1/agents', '/v1/teams']) {
        const response = await server().request('POST', path, { auth: 'none', headers: { cookie: agent.cookie }, body: { name: 'x' } });
        expect(response.status).toBe(403);
      }
      const patched = await server().request('PATCH', `/v1/agents/${agent.id}`, {
        auth: 'none',
        headers: { cookie: agent.cookie },
        body: { role: 'admin' },
      });
      expect(patched.status).toBe(403);
    });

    it('lets plain agents read agents and teams, to transfer conversations to them', async () => {
      const agent = await createAgent(server());
      const team = await server().request('POST', '/v1/teams', { body: { name: 'Tier 2', agentIds: [agent.id] } });
      const agents = await server().request('GET', '/v1/agents?take=100', { auth: 'none', headers: { cookie: agent.cookie } });
      expect(agents.status).toBe(200);
      expect(agents.json.items.map((a: { id: string }) => a.id)).toContain(agent.id);
      const teams = await server().request('GET', `/v1/teams/${team.json.id}`, { auth: 'none', headers: { cookie: agent.cookie } });
      expect(teams.json.agentIds).toEqual([agent.id]);
    });

    it('changes a password: the old one stops working and other sessions end, this one stays', async () => {
      const agent = await createAgent(server());
      const other = await login(server(), agent.email, agent.password);
      const wrong = await server().request('POST', '/v1/auth/password', {
        auth: 'none',
        headers: { cookie: agent.cookie },
        body: { currentPassword: 'nope-nope', newPassword: 'brand-new-password' },
      });
      expect(wrong.status).toBe(403);
      expect(wrong.json.error.code).toBe('PARLEY_ERR_AUTH_PASSWORD_MISMATCH');
      const changed = await server().request('POST', '/v1/auth/password', {
        auth: 'none',
        headers: { cookie: agent.cookie },
        body: { currentPassword: agent.password, newPassword: 'brand-new-password' },
      });
      expect(changed.status).toBe(204);
      expect((await server().request('GET', '/v1/auth/me', { auth: 'none', headers: { cookie: agent.cookie } })).status).toBe(200);
      expect((await server().request('GET', '/v1/auth/me', { auth: 'none', headers: { cookie: other.cookie } })).status).toBe(401);
      const old = await server().request('POST', '/v1/auth/login', {
        auth: 'none',
        body: { email: agent.email, password: agent.password },
      });
      expect(old.status).toBe(401);
      await login(server(), agent.email, 'brand-new-password');
    });

    it('stores passwords only as argon2id hashes', async () => {
      const agent = await createAgent(server());
      const row = await server().services.database.db.selectFrom('agents').selectAll().where('id', '=', agent.id).executeTakeFirstOrThrow();
      expect(row.password_hash).toMatch(/^\$argon2id\$/);
      expect(JSON.stringify(row)).not.toContain(agent.password);
    });

    it('creates, lists, updates and deletes agents and teams, with memberships on both sides', async () => {
      const a = await createAgent(server(), { name: 'A' });
      const b = await createAgent(server(), { name: 'B', capacity: 3 });
      const team = await server().request('POST', '/v1/teams', { body: { name: 'Sales', agentIds: [a.id] } });
      expect(team.status).toBe(201);
      expect(team.json).toMatchObject({ object: 'team', name: 'Sales', agentIds: [a.id] });
      const updated = await server().request('PATCH', `/v1/agents/${b.id}`, { body: { teamIds: [team.json.id], capacity: 7 } });
      expect(updated.json).toMatchObject({ teamIds: [team.json.id], capacity: 7 });
      const fetched = await server().request('GET', `/v1/teams/${team.json.id}`);
      expect([...fetched.json.agentIds].sort()).toEqual([a.id, b.id].sort());
      const listed = await server().request('GET', '/v1/agents?take=1');
      expect(listed.json.items).toHaveLength(1);
      expect(listed.json.nextCursor).toEqual(expect.any(String));
      const teams = await server().request('GET', '/v1/teams');
      expect(teams.json.items.map((t: { id: string }) => t.id)).toContain(team.json.id);
      const renamed = await server().request('PATCH', `/v1/teams/${team.json.id}`, { body: { name: 'Sales EU', agentIds: [b.id] } });
      expect(renamed.json).toMatchObject({ name: 'Sales EU', agentIds: [b.id] });
      expect((await server().request('GET', `/v1/agents/${a.id}`)).json.teamIds).toEqual([]);
      expect((await server().request('DELETE', `/v1/teams/${team.json.id}`)).status).toBe(204);
      expect((await server().request('GET', `/v1/agents/${b.id}`)).json.teamIds).toEqual([]);
      expect((await server().request('DELETE', `/v1/agents/${a.id}`)).status).toBe(204);
      expect((await server().request('GET', `/v1/agents/${a.id}`)).json.error.code).toBe('PARLEY_ERR_AGENT_NOT_FOUND');
      expect((await server().request('GET', '/v1/auth/me', { auth: 'none', headers: { cookie: a.cookie } })).status).toBe(401);
    });

    it('refuses a second agent with the same email, an unknown team and a missing password', async () => {
      const a = await createAgent(server());
      const dup = await server().request('POST', '/v1/agents', {
        body: { email: a.email.toUpperCase(), name: 'Dup', password: 'password-123' },
      });
      expect(dup.status).toBe(409);
      expect(dup.json.error.code).toBe('PARLEY_ERR_AGENT_EMAIL_TAKEN');
      const team = await server().request('POST', '/v1/agents', {
        body: { email: 'x@example.com', name: 'X', password: 'password-123', teamIds: ['team_01ARZ3NDEKTSV4RRFFQ69G5FAV'] },
      });
      expect(team.json.error).toMatchObject({ code: 'PARLEY_ERR_REQUEST_UNKNOWN_REFERENCE', field: 'teamIds' });
      const missing = await server().request('POST', '/v1/agents', { body: { email: 'y@example.com', name: 'Y' } });
      expect(missing.json.error).toMatchObject({ code: 'PARLEY_ERR_REQUEST_VALIDATION', field: 'password' });
    });

    it('keeps the last admin: it can be neither deleted nor demoted', async () => {
      const last = await createAgent(server(), { role: 'admin' });
      const admins = await server().request('GET', '/v1/agents?take=100');
      for (const item of admins.json.items as { id: string; role: string }[]) {
        if (item.role === 'admin' && item.id !== last.id)
          expect((await server().request('DELETE', `/v1/agents/${item.id}`)).status).toBe(204);
      }
      const demoted = await server().request('PATCH', `/v1/agents/${last.id}`, { body: { role: 'agent' } });
      expect(demoted.status).toBe(409);
      expect(demoted.json.error.code).toBe('PARLEY_ERR_AGENT_LAST_ADMIN');
      expect((await server().request('DELETE', `/v1/agents/${last.id}`)).status).toBe(409);
    });

    it('sets its own status, which turns from online to away after idling', async () => {
      const agent = await createAgent(server());
      const online = await server().request('PATCH', '/v1/agents/me', {
        auth: 'none',
        headers: { cookie: agent.cookie },
        body: { status: 'online' },
      });
      expect(online.status).toBe(200);
      expect(online.json.status).toBe('online');
      await new Promise((resolve) => setTimeout(resolve, 400));
      expect((await server().request('GET', `/v1/agents/${agent.id}`)).json.status).toBe('away');
      const role = await server().request('PATCH', '/v1/agents/me', {
        auth: 'none',
        headers: { cookie: agent.cookie },
        body: { role: 'admin' },
      });
      expect(role.json.error.code).toBe('PARLEY_ERR_REQUEST_UNKNOWN_FIELD');
    });

    it('stays online while the agent works, but not on the console’s background polling', async () => {
      const agent = await createAgent(server());
      const poll = (background: boolean) =>
        server().request('GET', '/v1/inbox', {
          auth: 'none',
          headers: { cookie: agent.cookie, ...(background ? { 'x-parley-background': '1' } : {}) },
        });
      const statusAfterPolling = async (background: boolean): Promise<string> => {
        await server().request('PATCH', '/v1/agents/me', { auth: 'none', headers: { cookie: agent.cookie }, body: { status: 'online' } });
        for (let i = 0; i < 12; i++) {
          expect((await poll(background)).status).toBe(200);
          await new Promise((resolve) => setTimeout(resolve, 50));
        }
        return (await server().request('GET', `/v1/agents/${agent.id}`)).json.status;
      };
      expect(await statusAfterPolling(false)).toBe('online');
      expect(await statusAfterPolling(true)).toBe('away');
    });

    it('reads the cookie only as a whole token', async () => {
      const agent = await createAgent(server());
      const forged = await server().request('GET', '/v1/auth/me', { auth: 'none', headers: { cookie: `${agent.cookie}x` } });
      expect(forged.status).toBe(401);
      expect(cookieOf(undefined)).toBe('');
    });
  },
  { agents: { awayAfterMs: 300 } },
);

it('marks the console cookie Secure when the server is reached over https', async () => {
  const dataDir = mkdtempSync(join(tmpdir(), 'parley-https-'));
  const config = loadConfig({
    PARLEY_DATA_DIR: dataDir,
    PARLEY_SECRET: TEST_SECRET,
    PARLEY_LOG_LEVEL: 'silent',
    PARLEY_PUBLIC_URL: 'https://chat.example.com',
  });
  const { app, services } = await buildApp(config, { logger: false });
  try {
    await services.agents.create({ email: 'sec@example.com', name: 'Sec', password: 'password-123', role: 'admin' });
    const response = await app.inject({
      method: 'POST',
      url: '/v1/auth/login',
      headers: { 'content-type': 'application/json' },
      payload: JSON.stringify({ email: 'sec@example.com', password: 'password-123' }),
    });
    expect(response.statusCode).toBe(200);
    expect(String(response.headers['set-cookie'])).toMatch(/;\s*Secure/i);
  } finally {
    await app.close();
    rmSync(dataDir, { recursive: true, force: true });
  }
});
