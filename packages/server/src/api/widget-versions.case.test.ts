import { expect, it } from 'vitest';
import { AuditLog } from '../audit/index.js';
import { firstRun } from '../bootstrap.js';
import { WidgetsStore } from '../store/widgets-store.js';
import { createResource as create } from '../testing/config-fixtures.js';
import { describeEachDialect, describeEachStore, startTestServer, type TestServer } from '../testing/test-server.js';

async function publicConfig(server: TestServer, id: string): Promise<{ title: string; etag: string }> {
  const response = await server.request('GET', `/v1/widgets/${id}/config`, { auth: 'none' });
  expect(response.status).toBe(200);
  return { title: response.json.strings.title, etag: String(response.headers['etag']) };
}

async function versionNumbers(server: TestServer, id: string): Promise<number[]> {
  const response = await server.request('GET', `/v1/widgets/${id}/versions?take=100`);
  expect(response.status).toBe(200);
  return response.json.items.map((v: { number: number }) => v.number);
}

const ADMIN_KEY_AUTHOR = { kind: 'api_key', id: 'env' };

describeEachStore('widget configuration versions', (server) => {
  it('makes a version on create, PATCH, clone and detach, with author, message and the blueprint version', async () => {
    const blueprintId = await create(server(), '/v1/blueprints', { name: 'Base', intro: 'Hello from the blueprint' });
    expect((await server().request('PATCH', `/v1/blueprints/${blueprintId}`, { body: { intro: 'Hi again' } })).json.version).toBe(2);
    const id = await create(server(), '/v1/widgets', { name: 'Support', blueprintId, title: 'One' });

    const first = await server().request('GET', `/v1/widgets/${id}/versions/1`);
    expect(first.status).toBe(200);
    expect(first.json).toMatchObject({
      object: 'widget_version',
      widgetId: id,
      number: 1,
      document: { name: 'Support', description: '', blueprintId, meta: {}, title: 'One' },
      blueprintId,
      blueprintVersion: 2,
      author: ADMIN_KEY_AUTHOR,
      message: 'Created',
      published: true,
    });

    const patched = await server().request('PATCH', `/v1/widgets/${id}`, { body: { title: 'Two', theme: { radius: 3 } } });
    expect(patched.status).toBe(200);
    expect(patched.json).toMatchObject({ version: 2, draft: null, title: 'Two' });
    expect((await publicConfig(server(), id)).title).toBe('Two');
    const second = (await server().request('GET', `/v1/widgets/${id}/versions/2`)).json;
    expect(second).toMatchObject({ number: 2, published: true, document: { title: 'Two', theme: { radius: 3 } } });
    expect((await server().request('GET', `/v1/widgets/${id}/versions/1`)).json.published).toBe(false);

    // The same PATCH again changes nothing, so it makes no version.
    await server().request('PATCH', `/v1/widgets/${id}`, { body: { title: 'Two' } });
    expect(await versionNumbers(server(), id)).toEqual([2, 1]);

    const detached = await server().request('POST', `/v1/widgets/${id}/detach`);
    expect(detached.json).toMatchObject({ version: 3, blueprintId: null, intro: 'Hi again' });
    expect((await server().request('GET', `/v1/widgets/${id}/versions/3`)).json).toMatchObject({
      message: `Detached from blueprint ${blueprintId}`,
      blueprintId: null,
      document: { blueprintId: null, intro: 'Hi again', title: 'Two' },
    });

    const cloned = await server().request('POST', `/v1/widgets/${id}/clone`);
    expect(cloned.json.version).toBe(1);
    expect((await server().request('GET', `/v1/widgets/${cloned.json.id}/versions/1`)).json).toMatchObject({
      message: `Cloned from ${id} version 3`,
      document: { name: 'Support (copy)', title: 'Two', intro: 'Hi again' },
    });

    const blueprintVersions = await server().request('GET', `/v1/blueprints/${blueprintId}/versions`);
    expect(blueprintVersions.json.items).toMatchObject([
      { number: 2, document: { intro: 'Hi again', name: 'Base' }, author: ADMIN_KEY_AUTHOR },
      { number: 1, document: { intro: 'Hello from the blueprint' }, message: 'Created' },
    ]);
    expect((await server().request('GET', `/v1/blueprints/${blueprintId}/versions/1`)).json.number).toBe(1);
    // A blueprint PATCH that changes nothing makes no version (as a widget's does not).
    const same = await server().request('PATCH', `/v1/blueprints/${blueprintId}`, { body: { intro: 'Hi again', name: 'Base' } });
    expect(same.json.version).toBe(2);
    expect((await server().request('GET', `/v1/blueprints/${blueprintId}/versions`)).json.items).toHaveLength(2);
  });

  it('pages the versions newest first and refuses unknown numbers and cursors', async () => {
    const id = await create(server(), '/v1/widgets', { title: 'v1' });
    for (const title of ['v2', 'v3', 'v4']) await server().request('PATCH', `/v1/widgets/${id}`, { body: { title } });
    const page = await server().request('GET', `/v1/widgets/${id}/versions?take=3`);
    expect(page.json.items.map((v: { number: number }) => v.number)).toEqual([4, 3, 2]);
    expect(page.json.nextCursor).toBe('2');
    const rest = await server().request('GET', `/v1/widgets/${id}/versions?take=3&cursor=2`);
    expect(rest.json).toMatchObject({ items: [{ number: 1, document: { title: 'v1' } }], nextCursor: null });
    expect((await server().request('GET', `/v1/widgets/${id}/versions?cursor=wgt_x`)).json.error.code).toBe(
      'PARLEY_ERR_REQUEST_INVALID_CURSOR',
    );
    const missing = await server().request('GET', `/v1/widgets/${id}/versions/9`);
    expect(missing.status).toBe(404);
    expect(missing.json.error.code).toBe('PARLEY_ERR_WIDGET_VERSION_NOT_FOUND');
    expect((await server().request('GET', `/v1/widgets/${id}/versions/zero`)).json.error).toMatchObject({
      code: 'PARLEY_ERR_REQUEST_VALIDATION',
      field: 'number',
    });
  });

  it('keeps a draft from visitors (public config and ETag unchanged) until it is published', async () => {
    const id = await create(server(), '/v1/widgets', { name: 'Shop', title: 'Live', origin: ['https://shop.example'] });
    const before = await publicConfig(server(), id);

    const put = await server().request('PUT', `/v1/widgets/${id}/draft`, { body: { title: 'Next', intro: 'New intro' } });
    expect(put.status).toBe(200);
    expect(put.json).toMatchObject({
      object: 'widget_draft',
      baseVersion: 1,
      author: ADMIN_KEY_AUTHOR,
      // Resource fields left out keep the published ones; the options are the body's (origin is no longer set).
      document: { name: 'Shop', title: 'Next', intro: 'New intro' },
    });
    expect(put.json.document.origin).toBeUndefined();
    expect(await publicConfig(server(), id)).toEqual(before);
    const conditional = await server().request('GET', `/v1/widgets/${id}/config`, {
      auth: 'none',
      headers: { 'if-none-match': before.etag },
    });
    expect(conditional.status).toBe(304);
    const widget = (await server().request('GET', `/v1/widgets/${id}`)).json;
    expect(widget).toMatchObject({ version: 1, title: 'Live', draft: { baseVersion: 1 } });
    expect((await server().request('GET', `/v1/widgets/${id}/draft`)).json.document.title).toBe('Next');
    expect(await versionNumbers(server(), id)).toEqual([1]);

    const published = await server().request('POST', `/v1/widgets/${id}/publish`, { body: { message: 'Spring copy' } });
    expect(published.status).toBe(200);
    expect(published.json).toMatchObject({ version: 2, title: 'Next', intro: 'New intro', draft: null });
    const after = await publicConfig(server(), id);
    expect(after.title).toBe('Next');
    expect(after.etag).not.toBe(before.etag);
    expect((await server().request('GET', `/v1/widgets/${id}/versions/2`)).json).toMatchObject({
      message: 'Spring copy',
      author: ADMIN_KEY_AUTHOR,
    });

    const again = await server().request('POST', `/v1/widgets/${id}/publish`);
    expect(again.status).toBe(409);
    expect(again.json.error.code).toBe('PARLEY_ERR_WIDGET_NO_DRAFT');
    expect((await server().request('GET', `/v1/widgets/${id}/draft`)).json.error.code).toBe('PARLEY_ERR_WIDGET_NO_DRAFT');
  });

  it('validates a draft on write and keeps no invalid one; discards a draft', async () => {
    const id = await create(server(), '/v1/widgets', { title: 'Live' });
    const invalid = await server().request('PUT', `/v1/widgets/${id}/draft`, { body: { layout: 'sideways' } });
    expect(invalid.status).toBe(400);
    expect(invalid.json.error).toMatchObject({ code: 'PARLEY_ERR_REQUEST_VALIDATION', field: 'layout' });
    const unknownBot = await server().request('PUT', `/v1/widgets/${id}/draft`, { body: { botId: 'bot_01J00000000000000000000000' } });
    expect(unknownBot.json.error).toMatchObject({ code: 'PARLEY_ERR_REQUEST_UNKNOWN_REFERENCE', field: 'botId' });
    const removed = await server().request('PUT', `/v1/widgets/${id}/draft`, { body: { plugins: [] } });
    expect(removed.json.error.code).toBe('PARLEY_ERR_WIDGET_OPTION_REMOVED');
    expect((await server().request('GET', `/v1/widgets/${id}/draft`)).status).toBe(409);

    expect((await server().request('PUT', `/v1/widgets/${id}/draft`, { body: { title: 'Maybe' } })).status).toBe(200);
    expect((await server().request('DELETE', `/v1/widgets/${id}/draft`)).status).toBe(204);
    expect((await server().request('GET', `/v1/widgets/${id}`)).json).toMatchObject({ title: 'Live', version: 1, draft: null });
    const twice = await server().request('DELETE', `/v1/widgets/${id}/draft`);
    expect(twice.json.error.code).toBe('PARLEY_ERR_WIDGET_NO_DRAFT');
    expect((await server().request('GET', `/v1/widgets/wgt_01J00000000000000000000000/draft`)).status).toBe(404);
  });

  it('keeps a draft based on the version it was started from when it is written again after a publish', async () => {
    const id = await create(server(), '/v1/widgets', { title: 'Live' });
    await server().request('PUT', `/v1/widgets/${id}/draft`, { body: { title: 'Draft one' } });
    await server().request('PATCH', `/v1/widgets/${id}`, { body: { intro: 'Published beneath the draft' } });
    const again = await server().request('PUT', `/v1/widgets/${id}/draft`, { body: { title: 'Draft two' } });
    expect(again.json).toMatchObject({ baseVersion: 1, document: { title: 'Draft two' } });
    expect((await server().request('GET', `/v1/widgets/${id}`)).json).toMatchObject({ version: 2, draft: { baseVersion: 1 } });
    await server().request('DELETE', `/v1/widgets/${id}/draft`);
    const fresh = await server().request('PUT', `/v1/widgets/${id}/draft`, { body: { title: 'Draft three' } });
    expect(fresh.json.baseVersion).toBe(2);
  });

  it('rolls back by publishing a copy of an old version as a new one', async () => {
    const id = await create(server(), '/v1/widgets', { title: 'First', theme: { primaryColor: '#112233' } });
    await server().request('PATCH', `/v1/widgets/${id}`, { body: { title: 'Second', theme: null, intro: 'Added' } });
    expect((await publicConfig(server(), id)).title).toBe('Second');

    const rolled = await server().request('POST', `/v1/widgets/${id}/rollback`, { body: { version: 1 } });
    expect(rolled.status).toBe(200);
    expect(rolled.json).toMatchObject({ version: 3, title: 'First', theme: { primaryColor: '#112233' } });
    expect(rolled.json.intro).toBeUndefined();
    expect((await publicConfig(server(), id)).title).toBe('First');
    const third = (await server().request('GET', `/v1/widgets/${id}/versions/3`)).json;
    const first = (await server().request('GET', `/v1/widgets/${id}/versions/1`)).json;
    expect(third.document).toEqual(first.document);
    expect(third).toMatchObject({ message: 'Rollback to version 1', published: true });
    expect(await versionNumbers(server(), id)).toEqual([3, 2, 1]);

    const missing = await server().request('POST', `/v1/widgets/${id}/rollback`, { body: { version: 7 } });
    expect(missing.status).toBe(404);
    expect(missing.json.error).toMatchObject({ code: 'PARLEY_ERR_WIDGET_VERSION_NOT_FOUND', field: 'version' });
    const bad = await server().request('POST', `/v1/widgets/${id}/rollback`, { body: { version: 0 } });
    expect(bad.json.error).toMatchObject({ code: 'PARLEY_ERR_REQUEST_VALIDATION', field: 'version' });
    expect(await versionNumbers(server(), id)).toEqual([3, 2, 1]);
  });

  it('diffs the effective configuration between versions and to the draft, marking blueprint values', async () => {
    const blueprintId = await create(server(), '/v1/blueprints', { name: 'Base', intro: 'From the blueprint', theme: { radius: 8 } });
    const id = await create(server(), '/v1/widgets', { blueprintId, title: 'One', languages: ['en', 'fr'] });
    await server().request('PATCH', `/v1/widgets/${id}`, {
      body: { title: 'Two', languages: ['en', 'fr', 'de'], theme: { primaryColor: '#000000' } },
    });

    const diff = await server().request('GET', `/v1/widgets/${id}/diff?from=1&to=2`);
    expect(diff.status).toBe(200);
    expect(diff.json).toMatchObject({ object: 'config_diff', from: 1, to: 2 });
    expect(diff.json.changes).toEqual(
      expect.arrayContaining([
        { path: '/title', op: 'replace', old: 'One', new: 'Two', oldSource: 'widget', newSource: 'widget' },
        { path: '/languages/2', op: 'add', new: 'de', newSource: 'widget' },
        { path: '/theme/primaryColor', op: 'replace', old: expect.any(String), new: '#000000', oldSource: 'default', newSource: 'widget' },
      ]),
    );
    expect(diff.json.changes.some((c: { path: string }) => c.path === '/intro')).toBe(false);

    // The draft drops the blueprint's intro by detaching in the draft: the old value came from the blueprint.
    await server().request('PUT', `/v1/widgets/${id}/draft`, { body: { blueprintId: null, title: 'Two' } });
    const toDraft = await server().request('GET', `/v1/widgets/${id}/diff`);
    expect(toDraft.json).toMatchObject({ from: 2, to: 'draft' });
    expect(toDraft.json.changes).toEqual(
      expect.arrayContaining([
        { path: '/blueprintId', op: 'replace', old: blueprintId, new: null, oldSource: 'widget', newSource: 'widget' },
        { path: '/intro', op: 'replace', old: 'From the blueprint', new: expect.any(String), oldSource: 'blueprint', newSource: 'default' },
        { path: '/theme/radius', op: 'replace', old: 8, new: expect.any(Number), oldSource: 'blueprint', newSource: 'default' },
      ]),
    );
    expect((await server().request('GET', `/v1/widgets/${id}/diff?from=2&to=2`)).json.changes).toEqual([]);
    expect((await server().request('GET', `/v1/widgets/${id}/diff?from=1&to=5`)).json.error.code).toBe(
      'PARLEY_ERR_WIDGET_VERSION_NOT_FOUND',
    );
    expect((await server().request('GET', `/v1/widgets/${id}/diff?from=x`)).json.error).toMatchObject({
      code: 'PARLEY_ERR_REQUEST_VALIDATION',
      field: 'from',
    });
    expect((await server().request('GET', `/v1/widgets/${id}/diff?since=1`)).json.error.code).toBe('PARLEY_ERR_REQUEST_UNKNOWN_FIELD');
  });
});

describeEachStore('widget configuration versions in one transaction', (server) => {
  it('writes the row, its version and what else the change asks (an audit entry) together, or none of them', async () => {
    const id = await create(server(), '/v1/widgets', { title: 'Before' });
    const { db } = server().services.database;
    const store = new WidgetsStore(db);
    const version = {
      document: JSON.stringify({ name: 'Untitled widget', description: '', blueprintId: null, meta: {}, title: 'After' }),
      blueprint_id: null,
      blueprint_version: null,
      author_kind: 'system',
      author_id: null,
      author_name: 'test',
      message: '',
      created_at: new Date().toISOString(),
    };
    const audit = new AuditLog(db);
    const entry = {
      actor: { kind: 'system', id: null, name: 'test' },
      action: 'widget.updated',
      targetType: 'widget',
      targetId: id,
    } as const;
    await expect(
      store.publish(id, { settings: '{"title":"After"}' }, undefined, version, false, async (trx) => {
        await audit.record(entry, trx);
        throw new Error('the audit entry could not be written');
      }),
    ).rejects.toThrow('could not be written');
    expect(await versionNumbers(server(), id)).toEqual([1]);
    expect((await server().request('GET', `/v1/widgets/${id}`)).json.title).toBe('Before');
    const entries = async () =>
      (await db.selectFrom('audit_log').select('id').where('target_id', '=', id).where('actor_name', '=', 'test').execute()).length;
    expect(await entries()).toBe(0);

    expect(await store.publish(id, { settings: '{"title":"After"}' }, undefined, version, false, (trx) => audit.record(entry, trx))).toBe(
      2,
    );
    expect(await versionNumbers(server(), id)).toEqual([2, 1]);
    expect(await entries()).toBe(1);
  });
});

describeEachStore('widget configuration versions of the first start', (server) => {
  it('gives the demo widget version 1, made by the system', async () => {
    const { demoWidgetId } = await firstRun(server().services);
    expect(demoWidgetId).not.toBeNull();
    const version = (await server().request('GET', `/v1/widgets/${demoWidgetId}/versions/1`)).json;
    expect(version).toMatchObject({
      number: 1,
      author: { kind: 'system', id: null },
      document: { name: 'Demo widget', title: 'Parley demo' },
    });
  });
});

describeEachDialect(
  'widget configuration versions, review before publish',
  (dialect) => startTestServer(dialect, {}, { PARLEY_REVIEW_BEFORE_PUBLISH: '1' }),
  (server) => {
    it('PATCH writes the draft; visitors keep the published version until publish', async () => {
      const id = await create(server(), '/v1/widgets', { title: 'Live', intro: 'Hello' });
      const before = await publicConfig(server(), id);
      const patched = await server().request('PATCH', `/v1/widgets/${id}`, { body: { title: 'Reviewed' } });
      expect(patched.status).toBe(200);
      expect(patched.json).toMatchObject({ version: 1, title: 'Live', draft: { baseVersion: 1 } });
      // A second PATCH patches the draft, not the published version.
      await server().request('PATCH', `/v1/widgets/${id}`, { body: { intro: null } });
      const draft = (await server().request('GET', `/v1/widgets/${id}/draft`)).json;
      expect(draft.document.title).toBe('Reviewed');
      expect(draft.document.intro).toBeUndefined();
      expect(await publicConfig(server(), id)).toEqual(before);
      expect(await versionNumbers(server(), id)).toEqual([1]);
      const invalid = await server().request('PATCH', `/v1/widgets/${id}`, { body: { title: 5 } });
      expect(invalid.json.error).toMatchObject({ code: 'PARLEY_ERR_REQUEST_VALIDATION', field: 'title' });

      const published = await server().request('POST', `/v1/widgets/${id}/publish`, { body: { message: 'Reviewed by Ana' } });
      expect(published.json).toMatchObject({ version: 2, title: 'Reviewed', draft: null });
      expect(published.json.intro).toBeUndefined();
      expect((await publicConfig(server(), id)).title).toBe('Reviewed');
    });
  },
);
