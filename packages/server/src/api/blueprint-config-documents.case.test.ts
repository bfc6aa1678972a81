import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, expect, it } from 'vitest';
import { createResource as create, runWidgetsCommand, versionItems } from '../testing/config-fixtures.js';
import { describeEachStore, type TestServer } from '../testing/test-server.js';

async function newestAudit(server: TestServer): Promise<{ action: string; targetId: string | null; detail: Record<string, unknown> }> {
  return (await server.request('GET', '/v1/audit?take=1')).json.items[0];
}

const versions = (server: TestServer, id: string) => versionItems(server, 'blueprints', id);

const folder = mkdtempSync(join(tmpdir(), 'parley-apply-blueprint-'));
afterAll(() => rmSync(folder, { recursive: true, force: true }));

describeEachStore('blueprint configuration documents', (server) => {
  it('exports a parley.blueprint/1 document that imports back equal (round trip), audited', async () => {
    const id = await create(server(), '/v1/blueprints', {
      name: 'Brand',
      description: 'Shared look',
      intro: 'Hi',
      theme: { primaryColor: '#123456', radius: 6 },
      meta: { team: 'web' },
    });
    const exported = (await server().request('GET', `/v1/blueprints/${id}/export`)).json;

    await server().request('PATCH', `/v1/blueprints/${id}`, { body: { intro: 'Changed', title: 'Own title', theme: { radius: 0 } } });
    const applied = await server().request('POST', '/v1/blueprints/import', { body: exported });
    expect(applied.status, applied.body).toBe(200);
    expect(applied.json).toMatchObject({ object: 'blueprint_import', action: 'update', dryRun: false, blueprintId: id, version: 3 });
    expect(applied.json.changes).toEqual(
      expect.arrayContaining([
        { path: '/intro', op: 'replace', old: 'Changed', new: 'Hi' },
        { path: '/title', op: 'remove', old: 'Own title' },
        { path: '/theme/radius', op: 'replace', old: 0, new: 6 },
      ]),
    );
    expect(applied.json.changes).toHaveLength(3);
    expect((await server().request('GET', `/v1/blueprints/${id}/export`)).json).toEqual(exported);
    expect((await server().request('GET', `/v1/blueprints/${id}/versions/3`)).json).toMatchObject({
      message: 'Imported',
      document: { intro: 'Hi', theme: { primaryColor: '#123456', radius: 6 } },
    });
    expect(await newestAudit(server())).toMatchObject({ action: 'blueprint.imported', targetId: id, detail: { dryRun: false } });

    // Without the id, under a new name: a new blueprint whose export is the same configuration.
    const copy = { format: 'parley.blueprint/1', blueprint: { ...exported.blueprint, name: 'Brand (EU)' } };
    const created = await server().request('POST', '/v1/blueprints/import', { body: copy });
    expect(created.json).toMatchObject({ action: 'create', version: 1 });
    const newId = created.json.blueprintId;
    expect(newId).not.toBe(id);
    expect((await server().request('GET', `/v1/blueprints/${newId}/export`)).json).toEqual({ ...copy, id: newId });
    expect((await server().request('GET', `/v1/blueprints/${newId}/versions/1`)).json.message).toBe('Imported');
    expect(await newestAudit(server())).toMatchObject({ action: 'blueprint.imported', targetId: newId });
  });

  it('is idempotent, matches by name, and a dry run changes nothing', async () => {
    const document = { format: 'parley.blueprint/1', blueprint: { name: 'Applied blueprint', title: 'One' } };
    const first = await server().request('POST', '/v1/blueprints/import', { body: document });
    expect(first.json).toMatchObject({ action: 'create', version: 1 });
    const id = first.json.blueprintId;
    const again = await server().request('POST', '/v1/blueprints/import', { body: document });
    expect(again.json).toMatchObject({ action: 'unchanged', blueprintId: id, version: 1, changes: [] });
    expect(await versions(server(), id)).toHaveLength(1);

    const before = await versions(server(), id);
    const dry = await server().request('POST', '/v1/blueprints/import?dryRun=true', {
      body: { ...document, blueprint: { ...document.blueprint, title: 'Two' } },
    });
    expect(dry.json).toMatchObject({ action: 'update', dryRun: true, blueprintId: id, version: 1 });
    expect(dry.json.changes).toEqual([{ path: '/title', op: 'replace', old: 'One', new: 'Two' }]);
    expect(await versions(server(), id)).toEqual(before);
    expect((await server().request('GET', `/v1/blueprints/${id}`)).json).toMatchObject({ title: 'One', version: 1 });
    expect(await newestAudit(server())).toMatchObject({ action: 'blueprint.imported', targetId: id, detail: { dryRun: true } });

    const dryCreate = await server().request('POST', '/v1/blueprints/import?dryRun=1', {
      body: { format: 'parley.blueprint/1', blueprint: { name: 'Nobody yet' } },
    });
    expect(dryCreate.json).toMatchObject({ action: 'create', blueprintId: null, version: null });
    expect(dryCreate.json.changes).toEqual(expect.arrayContaining([{ path: '/name', op: 'add', new: 'Nobody yet' }]));
    const names = (await server().request('GET', '/v1/blueprints?take=100')).json.items.map((b: { name: string }) => b.name);
    expect(names).not.toContain('Nobody yet');
  });

  it('refuses bad documents with clear errors', async () => {
    const wrongFormat = await server().request('POST', '/v1/blueprints/import', {
      body: { format: 'parley.widget/1', blueprint: { name: 'x' } },
    });
    expect(wrongFormat.json.error).toMatchObject({ code: 'PARLEY_ERR_REQUEST_VALIDATION', field: 'format' });
    const badOption = await server().request('POST', '/v1/blueprints/import', {
      body: { format: 'parley.blueprint/1', blueprint: { name: 'x', layout: 'sideways' } },
    });
    expect(badOption.json.error).toMatchObject({ code: 'PARLEY_ERR_REQUEST_VALIDATION', field: 'blueprint.layout' });
    const unknownBot = await server().request('POST', '/v1/blueprints/import', {
      body: { format: 'parley.blueprint/1', blueprint: { name: 'x', botId: 'bot_01J00000000000000000000000' } },
    });
    expect(unknownBot.json.error).toMatchObject({ code: 'PARLEY_ERR_REQUEST_UNKNOWN_REFERENCE', field: 'botId' });
    await create(server(), '/v1/blueprints', { name: 'Twin' });
    await create(server(), '/v1/blueprints', { name: 'Twin' });
    const ambiguous = await server().request('POST', '/v1/blueprints/import', {
      body: { format: 'parley.blueprint/1', blueprint: { name: 'Twin' } },
    });
    expect(ambiguous.json.error).toMatchObject({ code: 'PARLEY_ERR_REQUEST_VALIDATION', field: 'id' });
    const unknownQuery = await server().request('POST', '/v1/blueprints/import?dry=1', {
      body: { format: 'parley.blueprint/1', blueprint: { name: 'x' } },
    });
    expect(unknownQuery.json.error.code).toBe('PARLEY_ERR_REQUEST_UNKNOWN_FIELD');
  });

  it('applies a blueprint file from the CLI: prints the diff, --dry-run changes nothing, twice makes no second version', async () => {
    const id = await create(server(), '/v1/blueprints', { name: 'CLI blueprint', title: 'Before' });
    const file = join(folder, `blueprint-${server().dialect}.json`);
    writeFileSync(
      file,
      JSON.stringify({ format: 'parley.blueprint/1', id, blueprint: { name: 'CLI blueprint', title: 'After', intro: 'From git' } }),
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
    expect(applied.code).toBe(0);
    expect(applied.text).toContain(`Updated ${id}, now version 2:`);
    expect((await server().request('GET', `/v1/blueprints/${id}/versions/2`)).json).toMatchObject({
      author: { kind: 'system', name: 'parley widgets apply' },
      document: { title: 'After', intro: 'From git' },
    });
    const twice = await run('apply', file);
    expect(twice.text).toBe(`${id} already has this configuration (version 2); nothing to do.`);
    expect(await versions(server(), id)).toHaveLength(2);

    writeFileSync(file, JSON.stringify({ format: 'parley.blueprint/1', blueprint: { name: 'x', layout: 'sideways' } }));
    const invalid = await run('apply', file);
    expect(invalid.code).toBe(1);
    expect(invalid.text).toContain('[PARLEY_ERR_REQUEST_VALIDATION]');
  });
});
