import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, expect, it } from 'vitest';
import { createResource as create, runWidgetsCommand, versionItems } from '../testing/config-fixtures.js';
import { describeEachStore, type TestServer } from '../testing/test-server.js';

const versions = (server: TestServer, id: string) => versionItems(server, 'widgets', id);

const folder = mkdtempSync(join(tmpdir(), 'parley-apply-'));
afterAll(() => rmSync(folder, { recursive: true, force: true }));

describeEachStore('widget configuration documents', (server) => {
  it('exports a parley.widget/1 document that imports back equal (round trip)', async () => {
    const blueprintId = await create(server(), '/v1/blueprints', { name: 'Base', intro: 'Hi' });
    const id = await create(server(), '/v1/widgets', {
      name: 'Round trip',
      description: 'Kept in git',
      blueprintId,
      title: 'Help',
      languages: ['en', 'fr'],
      theme: { primaryColor: '#123456', radius: 6 },
      meta: { env: 'prod' },
    });
    const exported = await server().request('GET', `/v1/widgets/${id}/export`);
    expect(exported.status).toBe(200);
    expect(exported.json).toEqual({
      format: 'parley.widget/1',
      id,
      widget: {
        name: 'Round trip',
        description: 'Kept in git',
        blueprintId,
        meta: { env: 'prod' },
        title: 'Help',
        languages: ['en', 'fr'],
        theme: { primaryColor: '#123456', radius: 6 },
      },
    });
    expect(JSON.stringify(exported.json)).not.toContain('identitySecret');
    expect((await server().request('GET', `/v1/blueprints/${blueprintId}/export`)).json).toEqual({
      format: 'parley.blueprint/1',
      id: blueprintId,
      blueprint: { name: 'Base', description: '', meta: {}, intro: 'Hi' },
    });

    // Changed since, then the document applied: the configuration is the exported one again.
    await server().request('PATCH', `/v1/widgets/${id}`, { body: { title: 'Changed', intro: 'Own intro', theme: { radius: 0 } } });
    const applied = await server().request('POST', '/v1/widgets/import', { body: exported.json });
    expect(applied.status).toBe(200);
    expect(applied.json).toMatchObject({
      object: 'widget_import',
      action: 'update',
      widgetId: id,
      version: 3,
      dryRun: false,
      draft: false,
    });
    expect(applied.json.changes).toEqual(
      expect.arrayContaining([
        { path: '/title', op: 'replace', old: 'Changed', new: 'Help' },
        { path: '/intro', op: 'remove', old: 'Own intro' },
        { path: '/theme/radius', op: 'replace', old: 0, new: 6 },
      ]),
    );
    expect((await server().request('GET', `/v1/widgets/${id}/export`)).json).toEqual(exported.json);

    // Without the id, under a new name: a new widget whose export is the same configuration.
    const copy = { format: 'parley.widget/1', widget: { ...exported.json.widget, name: 'Round trip (EU)' } };
    const created = await server().request('POST', '/v1/widgets/import', { body: copy });
    expect(created.json).toMatchObject({ action: 'create', version: 1 });
    const copied = (await server().request('GET', `/v1/widgets/${created.json.widgetId}/export`)).json;
    expect(copied).toEqual({ ...copy, id: created.json.widgetId });
    expect((await server().request('GET', `/v1/widgets/${created.json.widgetId}/versions/1`)).json.message).toBe('Imported');
  });

  it('is idempotent, matches by name, and a dry run changes nothing', async () => {
    const document = { format: 'parley.widget/1', widget: { name: 'Applied by name', title: 'One' } };
    const first = await server().request('POST', '/v1/widgets/import', { body: document });
    expect(first.json.action).toBe('create');
    const id = first.json.widgetId;
    const again = await server().request('POST', '/v1/widgets/import', { body: document });
    expect(again.json).toMatchObject({ action: 'unchanged', widgetId: id, version: 1, changes: [] });
    expect(await versions(server(), id)).toHaveLength(1);

    const before = await versions(server(), id);
    const dry = await server().request('POST', '/v1/widgets/import?dryRun=true', {
      body: { ...document, widget: { ...document.widget, title: 'Two' } },
    });
    expect(dry.json).toMatchObject({ action: 'update', dryRun: true, widgetId: id, version: 1 });
    expect(dry.json.changes).toEqual([{ path: '/title', op: 'replace', old: 'One', new: 'Two' }]);
    expect(await versions(server(), id)).toEqual(before);
    expect((await server().request('GET', `/v1/widgets/${id}`)).json.title).toBe('One');
    const dryCreate = await server().request('POST', '/v1/widgets/import?dryRun=1', {
      body: { format: 'parley.widget/1', widget: { name: 'Nobody yet' } },
    });
    expect(dryCreate.json).toMatchObject({ action: 'create', widgetId: null, version: null });
    expect((await server().request('GET', '/v1/widgets?take=100')).json.items.some((w: { name: string }) => w.name === 'Nobody yet')).toBe(
      false,
    );
  });

  it('refuses bad documents with clear errors', async () => {
    const wrongFormat = await server().request('POST', '/v1/widgets/import', { body: { format: 'parley.widget/9', widget: {} } });
    expect(wrongFormat.json.error).toMatchObject({ code: 'PARLEY_ERR_REQUEST_VALIDATION', field: 'format' });
    const badOption = await server().request('POST', '/v1/widgets/import', {
      body: { format: 'parley.widget/1', widget: { layout: 'sideways' } },
    });
    expect(badOption.json.error).toMatchObject({ code: 'PARLEY_ERR_REQUEST_VALIDATION', field: 'widget.layout' });
    // A removed option is named as such (with what replaced it), in both kinds of document, not as an unknown field.
    const removed = await server().request('POST', '/v1/widgets/import', {
      body: { format: 'parley.widget/1', widget: { name: 'x', plugins: ['x'] } },
    });
    expect(removed.json.error).toMatchObject({ code: 'PARLEY_ERR_WIDGET_OPTION_REMOVED', field: 'widget.plugins' });
    const removedInBlueprint = await server().request('POST', '/v1/blueprints/import', {
      body: { format: 'parley.blueprint/1', blueprint: { name: 'x', plugins: ['x'] } },
    });
    expect(removedInBlueprint.json.error).toMatchObject({ code: 'PARLEY_ERR_WIDGET_OPTION_REMOVED', field: 'blueprint.plugins' });
    const unknownBot = await server().request('POST', '/v1/widgets/import', {
      body: { format: 'parley.widget/1', widget: { name: 'x', botId: 'bot_01J00000000000000000000000' } },
    });
    expect(unknownBot.json.error).toMatchObject({ code: 'PARLEY_ERR_REQUEST_UNKNOWN_REFERENCE', field: 'botId' });
    await create(server(), '/v1/widgets', { name: 'Twin' });
    await create(server(), '/v1/widgets', { name: 'Twin' });
    const ambiguous = await server().request('POST', '/v1/widgets/import', {
      body: { format: 'parley.widget/1', widget: { name: 'Twin' } },
    });
    expect(ambiguous.json.error).toMatchObject({ code: 'PARLEY_ERR_REQUEST_VALIDATION', field: 'id' });
    expect(
      (await server().request('POST', '/v1/widgets/import?dry=1', { body: { format: 'parley.widget/1', widget: {} } })).json.error.code,
    ).toBe('PARLEY_ERR_REQUEST_UNKNOWN_FIELD');
  });

  it('applies a file from the CLI: prints the diff, --dry-run changes nothing, twice makes no second version', async () => {
    const id = await create(server(), '/v1/widgets', { name: 'CLI widget', title: 'Before' });
    const file = join(folder, `widget-${server().dialect}.json`);
    writeFileSync(
      file,
      JSON.stringify({ format: 'parley.widget/1', id, widget: { name: 'CLI widget', title: 'After', intro: 'From git' } }),
    );
    const run = (...argv: string[]) => runWidgetsCommand(server(), ...argv);

    const before = await versions(server(), id);
    const dry = await run('apply', file, '--dry-run');
    expect(dry.code).toBe(0);
    expect(dry.text).toContain(`Would update ${id} (version 1):`);
    expect(dry.text).toContain('~ /title: "Before" → "After"');
    expect(dry.text).toContain('+ /intro: "From git"');
    expect(dry.text).toContain('Dry run: nothing was changed.');
    expect(await versions(server(), id)).toEqual(before);

    const applied = await run('apply', file);
    expect(applied).toMatchObject({ code: 0 });
    expect(applied.text).toContain(`Updated ${id}, now version 2:`);
    expect(applied.text).toContain('~ /title: "Before" → "After"');
    expect((await server().request('GET', `/v1/widgets/${id}/versions/2`)).json).toMatchObject({
      author: { kind: 'system', name: 'parley widgets apply' },
      document: { title: 'After', intro: 'From git' },
    });
    const twice = await run('apply', file);
    expect(twice.text).toBe(`${id} already has this configuration (version 2); nothing to do.`);
    expect(await versions(server(), id)).toHaveLength(2);

    writeFileSync(file, JSON.stringify({ format: 'parley.widget/1', widget: { layout: 'sideways' } }));
    const invalid = await run('apply', file);
    expect(invalid.code).toBe(1);
    expect(invalid.text).toContain('[PARLEY_ERR_REQUEST_VALIDATION]');
    expect((await run('apply', join(folder, 'missing.json'))).code).toBe(1);
  });

  it('promotes from another widget: its configuration, but own id, name, origins and identity secret; dry run first', async () => {
    const blueprintId = await create(server(), '/v1/blueprints', { name: 'Shared' });
    const staging = await create(server(), '/v1/widgets', {
      name: 'Support (staging)',
      title: 'New copy',
      intro: 'Tested on staging',
      blueprintId,
      origin: ['https://staging.example.com'],
    });
    const production = await create(server(), '/v1/widgets', {
      name: 'Support',
      title: 'Old copy',
      origin: ['https://example.com'],
      meta: { env: 'prod' },
    });
    const secret = (await server().request('GET', `/v1/widgets/${production}/identity-secret`)).json.identitySecret;

    const dry = await server().request('POST', `/v1/widgets/${production}/promote`, { body: { from: staging, dryRun: true } });
    expect(dry.status).toBe(200);
    expect(dry.json).toMatchObject({
      object: 'widget_promotion',
      dryRun: true,
      from: { widgetId: staging, version: 1 },
      widgetId: production,
      version: 1,
    });
    expect(dry.json.changes).toEqual(
      expect.arrayContaining([
        { path: '/title', op: 'replace', old: 'Old copy', new: 'New copy' },
        { path: '/intro', op: 'add', new: 'Tested on staging' },
        { path: '/blueprintId', op: 'replace', old: null, new: blueprintId },
      ]),
    );
    expect(
      dry.json.changes.some(
        (c: { path: string }) => c.path.startsWith('/origin') || c.path.startsWith('/name') || c.path.startsWith('/meta'),
      ),
    ).toBe(false);
    expect(await versions(server(), production)).toHaveLength(1);

    const promoted = await server().request('POST', `/v1/widgets/${production}/promote`, { body: { from: staging } });
    expect(promoted.json).toMatchObject({ dryRun: false, version: 2, changes: dry.json.changes });
    const widget = (await server().request('GET', `/v1/widgets/${production}`)).json;
    expect(widget).toMatchObject({
      id: production,
      name: 'Support',
      title: 'New copy',
      intro: 'Tested on staging',
      blueprintId,
      origin: ['https://example.com'],
      meta: { env: 'prod' },
    });
    expect((await server().request('GET', `/v1/widgets/${production}/identity-secret`)).json.identitySecret).toBe(secret);
    expect((await server().request('GET', `/v1/widgets/${production}/versions/2`)).json.message).toBe(`Promoted from ${staging} version 1`);
    const missing = await server().request('POST', `/v1/widgets/${production}/promote`, {
      body: { from: 'wgt_01J00000000000000000000000' },
    });
    expect(missing.json.error.code).toBe('PARLEY_ERR_WIDGET_NOT_FOUND');
  });
});
