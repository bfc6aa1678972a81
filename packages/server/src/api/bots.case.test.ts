import { expect, it } from 'vitest';
import { describeEachStore, type TestResponse, type TestServer } from '../testing/test-server.js';

const MINIMAL_CONFIGS = [
  ['builtin', {}],
  ['webhook', { url: 'https://hooks.example.com/parley' }],
  ['rasa', { url: 'http://rasa.internal:5005' }],
  ['dialogflow', { edition: 'es', projectId: 'my-project-123' }],
  ['openai', { baseUrl: 'https://api.openai.com/v1', model: 'gpt-4o-mini' }],
] as const;

async function createBot(server: TestServer, body: Record<string, unknown>): Promise<TestResponse> {
  return server.request('POST', '/v1/bots', { body: { name: 'Bot', ...body } });
}

describeEachStore('bot management API', (server) => {
  it.each(MINIMAL_CONFIGS)('creates a %s bot from a minimal config', async (kind, config) => {
    const created = await createBot(server(), { kind, config });
    expect(created.status, created.body).toBe(201);
    expect(created.json).toMatchObject({ object: 'bot', kind, name: 'Bot', meta: {}, config, secrets: {} });
    expect(created.json.id).toMatch(/^bot_/);
    expect((await server().request('GET', `/v1/bots/${created.json.id}`)).json).toEqual(created.json);
  });

  it('never returns a secret, only which secrets are set, and clears one with null', async () => {
    const responses: TestResponse[] = [];
    const created = await createBot(server(), { kind: 'openai', config: MINIMAL_CONFIGS[4][1], secrets: { apiKey: 'sk-secret' } });
    responses.push(created);
    expect(created.status).toBe(201);
    expect(created.json.secrets).toEqual({ apiKey: true });
    const id: string = created.json.id;
    responses.push(await server().request('GET', `/v1/bots/${id}`));
    responses.push(await server().request('GET', '/v1/bots?take=100'));
    const renamed = await server().request('PATCH', `/v1/bots/${id}`, { body: { name: 'Renamed', config: { temperature: 0.2 } } });
    responses.push(renamed);
    expect(renamed.json).toMatchObject({ name: 'Renamed', secrets: { apiKey: true } });
    const rotated = await server().request('PATCH', `/v1/bots/${id}`, { body: { secrets: { apiKey: 'sk-secret-2' } } });
    responses.push(rotated);
    expect(rotated.json.secrets).toEqual({ apiKey: true });
    for (const response of responses) expect(response.body).not.toContain('sk-secret');
    expect((await server().services.bots.load(id))?.secrets).toEqual({ apiKey: 'sk-secret-2' });

    const cleared = await server().request('PATCH', `/v1/bots/${id}`, { body: { secrets: { apiKey: null } } });
    expect(cleared.status).toBe(200);
    expect(cleared.json.secrets).toEqual({});
    expect((await server().services.bots.load(id))?.secrets).toEqual({});
  });

  it('drops secrets given as null at creation', async () => {
    const created = await createBot(server(), {
      kind: 'webhook',
      config: MINIMAL_CONFIGS[1][1],
      secrets: { signingSecret: 'whsec', headers: null },
    });
    expect(created.json.secrets).toEqual({ signingSecret: true });
  });

  it('merges a config patch, removes a key with null and validates the result against the kind', async () => {
    const { json: bot } = await createBot(server(), { kind: 'webhook', config: { url: 'https://a.example.com', flavor: 'n8n' } });
    const merged = await server().request('PATCH', `/v1/bots/${bot.id}`, { body: { config: { timeoutMs: 5000 } } });
    expect(merged.status).toBe(200);
    expect(merged.json.config).toEqual({ url: 'https://a.example.com', flavor: 'n8n', timeoutMs: 5000 });
    const removed = await server().request('PATCH', `/v1/bots/${bot.id}`, { body: { config: { flavor: null } } });
    expect(removed.json.config).toEqual({ url: 'https://a.example.com', timeoutMs: 5000 });

    const invalid = await server().request('PATCH', `/v1/bots/${bot.id}`, { body: { config: { url: 'not a url' } } });
    expect(invalid.status).toBe(400);
    expect(invalid.json.error).toMatchObject({ code: 'PARLEY_ERR_REQUEST_VALIDATION', field: 'config.url' });
    const required = await server().request('PATCH', `/v1/bots/${bot.id}`, { body: { config: { url: null } } });
    expect(required.json.error).toMatchObject({ code: 'PARLEY_ERR_REQUEST_VALIDATION', field: 'config.url' });
    const foreign = await server().request('PATCH', `/v1/bots/${bot.id}`, { body: { config: { model: 'gpt-4o' } } });
    expect(foreign.json.error).toMatchObject({ code: 'PARLEY_ERR_REQUEST_UNKNOWN_FIELD', field: 'config.model' });
    const secret = await server().request('PATCH', `/v1/bots/${bot.id}`, { body: { secrets: { apiKey: 'x' } } });
    expect(secret.json.error).toMatchObject({ code: 'PARLEY_ERR_REQUEST_UNKNOWN_FIELD', field: 'secrets.apiKey' });
    expect((await server().request('GET', `/v1/bots/${bot.id}`)).json.config).toEqual({ url: 'https://a.example.com', timeoutMs: 5000 });
  });

  it.each([
    [{ kind: 'telepathy', config: {} }, 'PARLEY_ERR_REQUEST_VALIDATION', 'kind'],
    [{ config: {} }, 'PARLEY_ERR_REQUEST_VALIDATION', 'kind'],
    [{ kind: 'webhook', config: {} }, 'PARLEY_ERR_REQUEST_VALIDATION', 'config.url'],
    [{ kind: 'webhook', config: { url: 'ftp://files.example.com' } }, 'PARLEY_ERR_REQUEST_VALIDATION', 'config.url'],
    [{ kind: 'dialogflow', config: { edition: 'es', projectId: 'X' } }, 'PARLEY_ERR_REQUEST_VALIDATION', 'config.projectId'],
    [{ kind: 'openai', config: { baseUrl: 'https://api.openai.com/v1' } }, 'PARLEY_ERR_REQUEST_VALIDATION', 'config.model'],
    [{ kind: 'builtin', config: { url: 'https://x.example.com' } }, 'PARLEY_ERR_REQUEST_UNKNOWN_FIELD', 'config.url'],
    [{ kind: 'builtin', config: {}, secrets: { apiKey: 'x' } }, 'PARLEY_ERR_REQUEST_UNKNOWN_FIELD', 'secrets.apiKey'],
    [{ kind: 'builtin', config: {}, name: '' }, 'PARLEY_ERR_REQUEST_VALIDATION', 'name'],
  ])('refuses to create %j (%s on %s)', async (body, code, field) => {
    const response = await createBot(server(), body);
    expect(response.status).toBe(400);
    expect(response.json.error).toMatchObject({ code, field });
  });

  it('refuses to change the kind', async () => {
    const { json: bot } = await createBot(server(), { kind: 'builtin', config: {} });
    const response = await server().request('PATCH', `/v1/bots/${bot.id}`, {
      body: { kind: 'webhook', config: { url: 'https://a.example.com' } },
    });
    expect(response.status).toBe(400);
    expect(response.json.error).toMatchObject({ code: 'PARLEY_ERR_REQUEST_UNKNOWN_FIELD', field: 'kind' });
    expect((await server().request('GET', `/v1/bots/${bot.id}`)).json).toMatchObject({ kind: 'builtin', config: {} });
  });

  it('refuses to delete a bot a widget or blueprint uses, and deletes it once unused', async () => {
    const { json: bot } = await createBot(server(), { kind: 'builtin', config: { echo: true } });
    const widget = await server().request('POST', '/v1/widgets', { body: { botId: bot.id } });
    const refused = await server().request('DELETE', `/v1/bots/${bot.id}`);
    expect(refused.status).toBe(409);
    expect(refused.json.error.code).toBe('PARLEY_ERR_BOT_IN_USE');
    await server().request('PATCH', `/v1/widgets/${widget.json.id}`, { body: { botId: null } });
    const blueprint = await server().request('POST', '/v1/blueprints', { body: { name: 'With bot', botId: bot.id } });
    expect((await server().request('DELETE', `/v1/bots/${bot.id}`)).json.error.code).toBe('PARLEY_ERR_BOT_IN_USE');
    await server().request('PATCH', `/v1/blueprints/${blueprint.json.id}`, { body: { botId: null } });
    expect((await server().request('DELETE', `/v1/bots/${bot.id}`)).status).toBe(204);
    const gone = await server().request('GET', `/v1/bots/${bot.id}`);
    expect(gone.status).toBe(404);
    expect(gone.json.error.code).toBe('PARLEY_ERR_BOT_NOT_FOUND');
  });

  it('counts a cloned or detached widget as a user of the bot', async () => {
    const { json: bot } = await createBot(server(), { kind: 'builtin', config: {} });
    const blueprint = await server().request('POST', '/v1/blueprints', { body: { name: 'With bot', botId: bot.id } });
    const widget = await server().request('POST', '/v1/widgets', { body: { blueprintId: blueprint.json.id } });
    await server().request('POST', `/v1/widgets/${widget.json.id}/detach`);
    await server().request('PATCH', `/v1/blueprints/${blueprint.json.id}`, { body: { botId: null } });
    expect((await server().request('DELETE', `/v1/bots/${bot.id}`)).status).toBe(409);
    const clone = await server().request('POST', `/v1/widgets/${widget.json.id}/clone`);
    await server().request('DELETE', `/v1/widgets/${widget.json.id}`);
    expect((await server().request('DELETE', `/v1/bots/${bot.id}`)).status).toBe(409);
    await server().request('DELETE', `/v1/widgets/${clone.json.id}`);
    expect((await server().request('DELETE', `/v1/bots/${bot.id}`)).status).toBe(204);
  });

  it('lists bots newest first with cursor pagination', async () => {
    const ids: string[] = [];
    for (let i = 0; i < 3; i += 1) ids.push((await createBot(server(), { kind: 'builtin', config: {} })).json.id);
    const first = await server().request('GET', '/v1/bots?take=2');
    expect(first.json.items.map((b: { id: string }) => b.id)).toEqual([ids[2], ids[1]]);
    const second = await server().request('GET', `/v1/bots?take=1&cursor=${first.json.nextCursor}`);
    expect(second.json.items.map((b: { id: string }) => b.id)).toEqual([ids[0]]);
    expect((await server().request('GET', '/v1/bots?cursor=abc')).json.error.code).toBe('PARLEY_ERR_REQUEST_INVALID_CURSOR');
  });
});
