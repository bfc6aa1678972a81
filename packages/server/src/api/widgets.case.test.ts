import { expect, it } from 'vitest';
import { describeEachStore } from '../testing/test-server.js';

describeEachStore('widget management API', (server) => {
  it('creates a widget with defaults and returns its own values and the effective config', async () => {
    const created = await server().request('POST', '/v1/widgets', {
      body: { name: 'Support', title: 'Help', theme: { primaryColor: '#112233' } },
    });
    expect(created.status).toBe(201);
    expect(created.json).toMatchObject({ object: 'widget', name: 'Support', title: 'Help', blueprintId: null, meta: {} });
    expect(created.json.id).toMatch(/^wgt_/);
    expect(created.json.layout).toBeUndefined();
    expect(created.json.effective).toMatchObject({ layout: 'bubble', title: 'Help', sessionDuration: 86_400_000 });
    expect(created.json.effective.theme).toMatchObject({ primaryColor: '#112233', position: 'bottom-right' });
    const fetched = await server().request('GET', `/v1/widgets/${created.json.id}`);
    expect(fetched.json).toEqual(created.json);
  });

  it('updates only the given fields, merges the theme and clears a value with null', async () => {
    const { json: widget } = await server().request('POST', '/v1/widgets', {
      body: { title: 'A', placeholder: 'Ask', theme: { primaryColor: '#112233' } },
    });
    const updated = await server().request('PATCH', `/v1/widgets/${widget.id}`, {
      body: { title: 'B', placeholder: null, theme: { radius: 4 } },
    });
    expect(updated.status).toBe(200);
    expect(updated.json.title).toBe('B');
    expect(updated.json.placeholder).toBeUndefined();
    expect(updated.json.theme).toEqual({ primaryColor: '#112233', radius: 4 });
    expect(updated.json.effective.placeholder).toBe('');
  });

  it('removes one theme or notifications key with null, on create and on update, so the blueprint value applies again', async () => {
    const { json: blueprint } = await server().request('POST', '/v1/blueprints', {
      body: { name: 'Brand', theme: { primaryColor: '#aa0000' } },
    });
    const created = await server().request('POST', '/v1/widgets', {
      body: { blueprintId: blueprint.id, theme: { primaryColor: null, radius: 4 }, notifications: { sound: null } },
    });
    expect(created.status).toBe(201);
    expect(created.json.theme).toEqual({ radius: 4 });
    expect(created.json.notifications).toEqual({});
    const own = await server().request('PATCH', `/v1/widgets/${created.json.id}`, { body: { theme: { primaryColor: '#112233' } } });
    expect(own.json.effective.theme.primaryColor).toBe('#112233');
    const cleared = await server().request('PATCH', `/v1/widgets/${created.json.id}`, {
      body: { theme: { primaryColor: null }, notifications: { sound: false } },
    });
    expect(cleared.status).toBe(200);
    expect(cleared.json.theme).toEqual({ radius: 4 });
    expect(cleared.json.effective.theme).toMatchObject({ primaryColor: '#aa0000', radius: 4 });
    expect(cleared.json.effective.notifications).toEqual({ sound: false, tabTitle: true });
    const fromBlueprint = await server().request('PATCH', `/v1/blueprints/${blueprint.id}`, { body: { theme: { primaryColor: null } } });
    expect(fromBlueprint.status).toBe(200);
    expect(fromBlueprint.json.theme).toEqual({});
    const widget = await server().request('GET', `/v1/widgets/${created.json.id}`);
    expect(widget.json.effective.theme.primaryColor).toBe('#1f5fd1');
  });

  it.each([
    [{ sessionDuration: 86_400_001 }, 'sessionDuration', 'at most 86400000 ms (24 hours)'],
    [{ sessionDuration: 60_000 }, 'sessionDuration', 'at least 1800000 ms (30 minutes)'],
    [{ theme: { primaryColor: 'red' } }, 'theme.primaryColor', 'hex color'],
    [{ sessionDuration: 'long' }, 'sessionDuration', 'number'],
    [{ layout: 'sidebar' }, 'layout', 'bubble, inline, fullscreen'],
    [{ origin: ['example.com'] }, 'origin.0', 'https://'],
    [{ origin: 'https://example.com' }, 'origin', 'list'],
    [{ language: 'english' }, 'language', 'language code'],
    [{ languages: ['fr', 'x1'] }, 'languages.1', 'language code'],
    [{ attachments: 'yes' }, 'attachments', 'true or false'],
    [{ name: '' }, 'name', 'empty'],
  ])('refuses %j with a 400 naming %s', async (body, field, text) => {
    const before = await server().request('GET', '/v1/widgets?take=100');
    const response = await server().request('POST', '/v1/widgets', { body });
    expect(response.status).toBe(400);
    expect(response.json.error).toMatchObject({ code: 'PARLEY_ERR_REQUEST_VALIDATION', field });
    expect(response.json.error.message).toContain(text);
    const after = await server().request('GET', '/v1/widgets?take=100');
    expect(after.json.items.length).toBe(before.json.items.length);
  });

  it('refuses the removed plugins option on widgets and blueprints, saying what replaces it, and writes nothing', async () => {
    const before = (await server().request('GET', '/v1/widgets?take=100')).json.items.length;
    const created = await server().request('POST', '/v1/widgets', { body: { title: 'A', plugins: ['does-not-exist'] } });
    expect(created.status).toBe(400);
    expect(created.json.error).toMatchObject({ code: 'PARLEY_ERR_WIDGET_OPTION_REMOVED', field: 'plugins' });
    expect(created.json.error.message).toContain('plugins was removed');
    expect(created.json.error.message).toContain('Delete "plugins"');
    expect((await server().request('GET', '/v1/widgets?take=100')).json.items.length).toBe(before);
    const { json: widget } = await server().request('POST', '/v1/widgets', { body: { title: 'A' } });
    const patched = await server().request('PATCH', `/v1/widgets/${widget.id}`, { body: { plugins: [] } });
    expect(patched.json.error).toMatchObject({ code: 'PARLEY_ERR_WIDGET_OPTION_REMOVED', field: 'plugins' });
    const blueprint = await server().request('POST', '/v1/blueprints', { body: { name: 'B', plugins: ['emoji'] } });
    expect(blueprint.json.error).toMatchObject({ code: 'PARLEY_ERR_WIDGET_OPTION_REMOVED', field: 'plugins' });
    expect(widget.effective).not.toHaveProperty('plugins');
    const config = await server().request('GET', `/v1/widgets/${widget.id}/config`);
    expect(config.json).not.toHaveProperty('plugins');
  });

  it('refuses unknown fields, malformed JSON and oversized bodies without writing anything', async () => {
    const before = (await server().request('GET', '/v1/widgets?take=100')).json.items.length;
    const unknown = await server().request('POST', '/v1/widgets', { body: { titel: 'typo' } });
    expect(unknown.status).toBe(400);
    expect(unknown.json.error).toMatchObject({ code: 'PARLEY_ERR_REQUEST_UNKNOWN_FIELD', field: 'titel' });
    const nested = await server().request('POST', '/v1/widgets', { body: { theme: { colour: '#fff' } } });
    expect(nested.json.error).toMatchObject({ code: 'PARLEY_ERR_REQUEST_UNKNOWN_FIELD', field: 'theme.colour' });
    const malformed = await server().request('POST', '/v1/widgets', { rawBody: '{"name": "x",' });
    expect(malformed.status).toBe(400);
    expect(malformed.json.error.code).toBe('PARLEY_ERR_REQUEST_INVALID_JSON');
    const huge = await server().request('POST', '/v1/widgets', { body: { intro: 'x'.repeat(1_100_000) } });
    expect(huge.status).toBe(413);
    expect(huge.json.error.code).toBe('PARLEY_ERR_REQUEST_TOO_LARGE');
    const wrongType = await server().request('POST', '/v1/widgets', {
      rawBody: 'name=x',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
    });
    expect(wrongType.status).toBe(415);
    expect(wrongType.json.error.code).toBe('PARLEY_ERR_REQUEST_UNSUPPORTED_MEDIA_TYPE');
    const array = await server().request('POST', '/v1/widgets', { body: [1, 2] });
    expect(array.status).toBe(400);
    expect((await server().request('GET', '/v1/widgets?take=100')).json.items.length).toBe(before);
  });

  it('requires an admin key and refuses a wrong one', async () => {
    const none = await server().request('GET', '/v1/widgets', { auth: 'none' });
    expect(none.status).toBe(401);
    expect(none.json.error.code).toBe('PARLEY_ERR_AUTH_MISSING');
    const wrong = await server().request('GET', '/v1/widgets', { auth: 'pk_not-a-real-key' });
    expect(wrong.status).toBe(401);
    expect(wrong.json.error.code).toBe('PARLEY_ERR_AUTH_INVALID_KEY');
  });

  it('refuses a botId or blueprintId that does not exist', async () => {
    const bot = await server().request('POST', '/v1/widgets', { body: { botId: 'bot_01J00000000000000000000000' } });
    expect(bot.json.error).toMatchObject({ code: 'PARLEY_ERR_REQUEST_UNKNOWN_REFERENCE', field: 'botId' });
    const blueprint = await server().request('POST', '/v1/widgets', { body: { blueprintId: 'bp_01J00000000000000000000000' } });
    expect(blueprint.json.error).toMatchObject({ code: 'PARLEY_ERR_REQUEST_UNKNOWN_REFERENCE', field: 'blueprintId' });
  });

  it('answers 404 with a clear message for an unknown widget', async () => {
    const response = await server().request('GET', '/v1/widgets/wgt_01J00000000000000000000000');
    expect(response.status).toBe(404);
    expect(response.json.error.code).toBe('PARLEY_ERR_WIDGET_NOT_FOUND');
    expect(response.json.error.message).toContain('wgt_01J00000000000000000000000');
  });
});
