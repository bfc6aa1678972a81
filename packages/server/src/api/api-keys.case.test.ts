import { expect, it } from 'vitest';
import { describeEachStore, type TestServer } from '../testing/test-server.js';

async function createKey(server: TestServer, name: string): Promise<{ id: string; key: string; createdAt: string }> {
  const response = await server.request('POST', '/v1/api-keys', { body: { name } });
  if (response.status !== 201) throw new Error(`key creation failed: ${response.body}`);
  return response.json;
}

async function waitFor<T>(read: () => Promise<T>, done: (value: T) => boolean): Promise<T> {
  const deadline = Date.now() + 2000;
  for (;;) {
    const value = await read();
    if (done(value) || Date.now() > deadline) return value;
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}

describeEachStore('admin API keys', (server) => {
  it('creates a key shown once, which then authenticates the management API', async () => {
    const created = await server().request('POST', '/v1/api-keys', { body: { name: 'CI deploys' } });
    expect(created.status).toBe(201);
    expect(created.json).toMatchObject({ object: 'api_key', name: 'CI deploys', lastUsedAt: null });
    expect(created.json.id).toMatch(/^key_/);
    expect(created.json.key).toMatch(/^pk_[A-Za-z0-9_-]{32}$/);
    expect(created.json.key.startsWith(created.json.prefix)).toBe(true);
    const listed = await server().request('GET', '/v1/widgets', { auth: created.json.key });
    expect(listed.status).toBe(200);
    expect(Array.isArray(listed.json.items)).toBe(true);
  });

  it('lists keys with their prefix but never the key', async () => {
    const { id, key, createdAt } = await createKey(server(), 'Listed');
    const listed = await server().request('GET', '/v1/api-keys');
    expect(listed.status).toBe(200);
    const entry = listed.json.items.find((item: { id: string }) => item.id === id);
    expect(entry).toEqual({ id, object: 'api_key', name: 'Listed', prefix: key.slice(0, 10), createdAt, lastUsedAt: null });
    expect(listed.body).not.toContain(key);
    expect(listed.json.items[0].id).toBe(id);
  });

  it('records when a key was last used', async () => {
    const { id, key } = await createKey(server(), 'Used');
    const before = Date.now();
    expect((await server().request('GET', '/v1/bots', { auth: key })).status).toBe(200);
    const entry = await waitFor(
      async () => (await server().request('GET', '/v1/api-keys')).json.items.find((item: { id: string }) => item.id === id),
      (item: { lastUsedAt: string | null }) => item.lastUsedAt !== null,
    );
    expect(entry.lastUsedAt).not.toBeNull();
    expect(Date.parse(entry.lastUsedAt ?? '')).toBeGreaterThanOrEqual(before - 1000);
  });

  it('revokes a key: it answers 401 afterwards, and a second delete answers 404', async () => {
    const { id, key } = await createKey(server(), 'Revoked');
    expect((await server().request('GET', '/v1/widgets', { auth: key })).status).toBe(200);
    expect((await server().request('DELETE', `/v1/api-keys/${id}`)).status).toBe(204);
    const refused = await server().request('GET', '/v1/widgets', { auth: key });
    expect(refused.status).toBe(401);
    expect(refused.json.error.code).toBe('PARLEY_ERR_AUTH_INVALID_KEY');
    const again = await server().request('DELETE', `/v1/api-keys/${id}`);
    expect(again.status).toBe(404);
    expect(again.json.error.code).toBe('PARLEY_ERR_API_KEY_NOT_FOUND');
    expect((await server().request('GET', '/v1/api-keys')).json.items.map((item: { id: string }) => item.id)).not.toContain(id);
  });

  it('stores only a hash of the key', async () => {
    const { id, key } = await createKey(server(), 'Hashed');
    const rows = await server().services.database.db.selectFrom('api_keys').selectAll().execute();
    expect(rows.map((row) => row.id)).toContain(id);
    const secretPart = key.slice(10);
    for (const row of rows) {
      for (const value of Object.values(row)) expect(String(value)).not.toContain(secretPart);
    }
  });

  it.each([
    [{}, 'PARLEY_ERR_REQUEST_VALIDATION', 'name'],
    [{ name: '' }, 'PARLEY_ERR_REQUEST_VALIDATION', 'name'],
    [{ name: 'x', scopes: ['all'] }, 'PARLEY_ERR_REQUEST_UNKNOWN_FIELD', 'scopes'],
  ])('refuses %j with %s on %s', async (body, code, field) => {
    const response = await server().request('POST', '/v1/api-keys', { body });
    expect(response.status).toBe(400);
    expect(response.json.error).toMatchObject({ code, field });
  });

  it('requires admin credentials for the key endpoints', async () => {
    expect((await server().request('GET', '/v1/api-keys', { auth: 'none' })).status).toBe(401);
    expect((await server().request('POST', '/v1/api-keys', { auth: 'pk_forged', body: { name: 'x' } })).status).toBe(401);
  });
});
