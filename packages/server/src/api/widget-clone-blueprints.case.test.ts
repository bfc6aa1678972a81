import { expect, it } from 'vitest';
import { DEFAULT_WIDGET_SETTINGS } from '@parley/protocol';
import { createResource as create } from '../testing/config-fixtures.js';
import { describeEachStore } from '../testing/test-server.js';

describeEachStore('widget cloning', (server) => {
  it('copies every own setting, the meta, the blueprint link and the setup into a new widget named " (copy)"', async () => {
    const blueprintId = await create(server(), '/v1/blueprints', { name: 'Base', intro: 'From the blueprint' });
    const sourceId = await create(server(), '/v1/widgets', {
      name: 'Support',
      description: 'Main site',
      blueprintId,
      title: 'Help',
      languages: ['fr', 'de'],
      origin: ['https://example.com'],
      theme: { primaryColor: '#112233', radius: 4 },
      notifications: { sound: false },
      meta: { client: 'acme', env: 'prod' },
    });
    expect((await server().request('POST', `/v1/widgets/${sourceId}/setup`)).status).toBe(202);
    await server().services.setup.idle();
    const source = (await server().request('GET', `/v1/widgets/${sourceId}`)).json;

    const cloned = await server().request('POST', `/v1/widgets/${sourceId}/clone`);
    expect(cloned.status).toBe(201);
    expect(cloned.json.id).toMatch(/^wgt_/);
    expect(cloned.json.id).not.toBe(sourceId);
    const { id: _sourceId, name: _sourceName, createdAt: _c1, updatedAt: _u1, ...sourceRest } = source;
    const { id: _cloneId, name, createdAt: _c2, updatedAt: _u2, ...cloneRest } = cloned.json;
    expect(name).toBe('Support (copy)');
    expect(cloneRest).toEqual(sourceRest);
    expect(cloneRest.setup).toMatchObject({ state: 'done', languages: ['en', 'fr', 'de'] });

    const french = await server().request('GET', `/v1/widgets/${cloned.json.id}/config?lang=fr`, { auth: 'none' });
    expect(french.json.strings).toMatchObject({ dialogYes: 'Oui', title: 'Help', intro: 'From the blueprint' });
    expect(
      await server()
        .services.database.db.selectFrom('widget_language_maps')
        .select('language')
        .where('widget_id', '=', cloned.json.id)
        .execute(),
    ).toHaveLength(3);
  });

  it('takes an optional name and meta', async () => {
    const sourceId = await create(server(), '/v1/widgets', { name: 'Support', meta: { client: 'acme' } });
    const cloned = await server().request('POST', `/v1/widgets/${sourceId}/clone`, {
      body: { name: 'Support EU', meta: { client: 'globex' } },
    });
    expect(cloned.status).toBe(201);
    expect(cloned.json).toMatchObject({ name: 'Support EU', meta: { client: 'globex' } });
    const listed = await server().request('GET', '/v1/widgets?meta[client]=globex');
    expect(listed.json.items.map((w: { id: string }) => w.id)).toContain(cloned.json.id);
    const invalid = await server().request('POST', `/v1/widgets/${sourceId}/clone`, { body: { name: '' } });
    expect(invalid.json.error).toMatchObject({ code: 'PARLEY_ERR_REQUEST_VALIDATION', field: 'name' });
    const unknown = await server().request('POST', `/v1/widgets/${sourceId}/clone`, { body: { title: 'x' } });
    expect(unknown.json.error).toMatchObject({ code: 'PARLEY_ERR_REQUEST_UNKNOWN_FIELD', field: 'title' });
  });

  it('keeps a long name within the name limit', async () => {
    const sourceId = await create(server(), '/v1/widgets', { name: 'n'.repeat(120) });
    const cloned = await server().request('POST', `/v1/widgets/${sourceId}/clone`);
    expect(cloned.json.name.length).toBeLessThanOrEqual(120);
    expect(cloned.json.name).toMatch(/ \(copy\)$/);
  });

  it('keeps the clone and its source independent, identity secret included', async () => {
    const sourceId = await create(server(), '/v1/widgets', {
      name: 'Support',
      title: 'Help',
      theme: { radius: 4 },
      meta: { client: 'acme' },
    });
    const cloneId = (await server().request('POST', `/v1/widgets/${sourceId}/clone`)).json.id;
    await server().request('PATCH', `/v1/widgets/${cloneId}`, {
      body: { title: 'Clone title', theme: { radius: 8 }, meta: { client: 'other' } },
    });
    const source = (await server().request('GET', `/v1/widgets/${sourceId}`)).json;
    expect(source).toMatchObject({ title: 'Help', theme: { radius: 4 }, meta: { client: 'acme' } });
    await server().request('PATCH', `/v1/widgets/${sourceId}`, { body: { title: 'Source title' } });
    expect((await server().request('GET', `/v1/widgets/${cloneId}`)).json.title).toBe('Clone title');
    const secret = async (id: string): Promise<string> =>
      (await server().request('GET', `/v1/widgets/${id}/identity-secret`)).json.identitySecret;
    expect(await secret(cloneId)).toMatch(/^[0-9a-f]{64}$/);
    expect(await secret(cloneId)).not.toBe(await secret(sourceId));
    expect((await server().request('DELETE', `/v1/widgets/${sourceId}`)).status).toBe(204);
    expect((await server().request('GET', `/v1/widgets/${cloneId}`)).json.title).toBe('Clone title');
  });

  it('answers 404 for an unknown source', async () => {
    const response = await server().request('POST', '/v1/widgets/wgt_01J00000000000000000000000/clone');
    expect(response.status).toBe(404);
    expect(response.json.error.code).toBe('PARLEY_ERR_WIDGET_NOT_FOUND');
  });
});

describeEachStore('blueprints', (server) => {
  it('creates, fetches, lists, updates and deletes a blueprint', async () => {
    const created = await server().request('POST', '/v1/blueprints', {
      body: { name: 'Brand', title: 'Brand chat', theme: { primaryColor: '#aa0000' } },
    });
    expect(created.status).toBe(201);
    expect(created.json).toMatchObject({ object: 'blueprint', name: 'Brand', description: '', meta: {}, title: 'Brand chat' });
    expect(created.json.id).toMatch(/^bp_/);
    expect((await server().request('GET', `/v1/blueprints/${created.json.id}`)).json).toEqual(created.json);
    const listed = await server().request('GET', '/v1/blueprints?take=100');
    expect(listed.json.items[0]).toEqual(created.json);
    const updated = await server().request('PATCH', `/v1/blueprints/${created.json.id}`, {
      body: { name: 'Brand 2', title: null, theme: { radius: 2 } },
    });
    expect(updated.status).toBe(200);
    expect(updated.json).toMatchObject({ name: 'Brand 2', theme: { primaryColor: '#aa0000', radius: 2 } });
    expect(updated.json.title).toBeUndefined();
    expect((await server().request('DELETE', `/v1/blueprints/${created.json.id}`)).status).toBe(204);
    const gone = await server().request('GET', `/v1/blueprints/${created.json.id}`);
    expect(gone.status).toBe(404);
    expect(gone.json.error.code).toBe('PARLEY_ERR_BLUEPRINT_NOT_FOUND');
  });

  it.each([
    [{}, 'PARLEY_ERR_REQUEST_VALIDATION', 'name'],
    [{ name: '   ' }, 'PARLEY_ERR_REQUEST_VALIDATION', 'name'],
    [{ name: 'x', theme: { primaryColor: 'red' } }, 'PARLEY_ERR_REQUEST_VALIDATION', 'theme.primaryColor'],
    [{ name: 'x', blueprintId: null }, 'PARLEY_ERR_REQUEST_UNKNOWN_FIELD', 'blueprintId'],
    [{ name: 'x', botId: 'bot_01J00000000000000000000000' }, 'PARLEY_ERR_REQUEST_UNKNOWN_REFERENCE', 'botId'],
  ])('refuses %j with %s on %s', async (body, code, field) => {
    const response = await server().request('POST', '/v1/blueprints', { body });
    expect(response.status).toBe(400);
    expect(response.json.error).toMatchObject({ code, field });
  });

  it('lets a linked widget inherit values, with its own values winning and the theme merged key by key', async () => {
    const blueprintId = await create(server(), '/v1/blueprints', {
      name: 'Brand',
      title: 'Brand chat',
      intro: 'Brand intro',
      attachments: true,
      theme: { primaryColor: '#aa0000', radius: 2 },
    });
    const widgetId = await create(server(), '/v1/widgets', { blueprintId, title: 'Own title', theme: { radius: 9 } });
    const widget = (await server().request('GET', `/v1/widgets/${widgetId}`)).json;
    expect(widget.effective).toMatchObject({ title: 'Own title', intro: 'Brand intro', attachments: true });
    expect(widget.effective.theme).toEqual({ ...DEFAULT_WIDGET_SETTINGS.theme, primaryColor: '#aa0000', radius: 9 });

    await server().request('PATCH', `/v1/blueprints/${blueprintId}`, { body: { intro: 'New intro', theme: { position: 'bottom-left' } } });
    const after = (await server().request('GET', `/v1/widgets/${widgetId}`)).json;
    expect(after.effective.intro).toBe('New intro');
    expect(after.effective.theme).toMatchObject({ primaryColor: '#aa0000', radius: 9, position: 'bottom-left' });
    const config = await server().request('GET', `/v1/widgets/${widgetId}/config`, { auth: 'none' });
    expect(config.status).toBe(200);
    expect(config.json.theme).toMatchObject({ primaryColor: '#aa0000', radius: 9, position: 'bottom-left' });
    expect(config.json.strings).toMatchObject({ title: 'Own title', intro: 'New intro' });
    expect(config.json.attachments).toBe(true);
  });

  it('detaches a widget: blueprintId null, effective unchanged, later blueprint changes no longer reach it', async () => {
    const blueprintId = await create(server(), '/v1/blueprints', {
      name: 'Brand',
      intro: 'Brand intro',
      theme: { primaryColor: '#aa0000' },
    });
    const widgetId = await create(server(), '/v1/widgets', { blueprintId, title: 'Own', theme: { radius: 3 } });
    const before = (await server().request('GET', `/v1/widgets/${widgetId}`)).json;
    const detached = await server().request('POST', `/v1/widgets/${widgetId}/detach`);
    expect(detached.status).toBe(200);
    expect(detached.json.blueprintId).toBeNull();
    expect(detached.json.effective).toEqual(before.effective);
    expect(detached.json).toMatchObject({ title: 'Own', intro: 'Brand intro', theme: { primaryColor: '#aa0000', radius: 3 } });
    await server().request('PATCH', `/v1/blueprints/${blueprintId}`, { body: { intro: 'Changed', theme: { primaryColor: '#00aa00' } } });
    expect((await server().request('GET', `/v1/widgets/${widgetId}`)).json.effective).toEqual(before.effective);
    expect((await server().request('POST', `/v1/widgets/${widgetId}/detach`)).json.effective).toEqual(before.effective);
  });

  it('unlinks with PATCH blueprintId: null, falling back to the defaults', async () => {
    const blueprintId = await create(server(), '/v1/blueprints', { name: 'Brand', intro: 'Brand intro', attachments: true });
    const widgetId = await create(server(), '/v1/widgets', { blueprintId });
    const unlinked = await server().request('PATCH', `/v1/widgets/${widgetId}`, { body: { blueprintId: null } });
    expect(unlinked.status).toBe(200);
    expect(unlinked.json.blueprintId).toBeNull();
    expect(unlinked.json.effective).toEqual(DEFAULT_WIDGET_SETTINGS);
    const relinked = await server().request('PATCH', `/v1/widgets/${widgetId}`, { body: { blueprintId } });
    expect(relinked.json.effective).toMatchObject({ intro: 'Brand intro', attachments: true });
    const bad = await server().request('PATCH', `/v1/widgets/${widgetId}`, { body: { blueprintId: 'bp_01J00000000000000000000000' } });
    expect(bad.json.error).toMatchObject({ code: 'PARLEY_ERR_REQUEST_UNKNOWN_REFERENCE', field: 'blueprintId' });
    expect((await server().request('GET', `/v1/widgets/${widgetId}`)).json.blueprintId).toBe(blueprintId);
  });

  it('refuses to delete a blueprint that widgets use, and deletes it once they are detached', async () => {
    const blueprintId = await create(server(), '/v1/blueprints', { name: 'Brand' });
    const first = await create(server(), '/v1/widgets', { blueprintId });
    const second = await create(server(), '/v1/widgets', { blueprintId });
    const refused = await server().request('DELETE', `/v1/blueprints/${blueprintId}`);
    expect(refused.status).toBe(409);
    expect(refused.json.error.code).toBe('PARLEY_ERR_BLUEPRINT_IN_USE');
    expect(refused.json.error.message).toContain('2 widget');
    await server().request('POST', `/v1/widgets/${first}/detach`);
    expect((await server().request('DELETE', `/v1/blueprints/${blueprintId}`)).status).toBe(409);
    await server().request('POST', `/v1/widgets/${second}/detach`);
    expect((await server().request('DELETE', `/v1/blueprints/${blueprintId}`)).status).toBe(204);
    expect((await server().request('DELETE', `/v1/blueprints/${blueprintId}`)).status).toBe(404);
  });
});
