import { randomUUID } from 'node:crypto';
import { beforeAll, describe, expect, it } from 'vitest';
import { describeEachStore, type TestServer } from '../testing/test-server.js';

interface ListedWidget {
  readonly id: string;
  readonly createdAt: string;
}

/** Creates `count` widgets sequentially, all tagged with `meta`, and returns their ids in creation order. */
async function createWidgets(
  server: TestServer,
  count: number,
  meta: Record<string, string>,
  extra: Record<string, unknown> = {},
): Promise<string[]> {
  const ids: string[] = [];
  for (let i = 0; i < count; i += 1) {
    const created = await server.request('POST', '/v1/widgets', { body: { name: `w${i}`, meta, ...extra } });
    if (created.status !== 201) throw new Error(`widget creation failed: ${created.body}`);
    ids.push(created.json.id);
  }
  return ids;
}

/** Follows `nextCursor` until it is null and returns every page. */
async function allPages(server: TestServer, query: string): Promise<ListedWidget[][]> {
  const pages: ListedWidget[][] = [];
  let cursor: string | null = null;
  do {
    const url: string = `/v1/widgets?${query}${cursor === null ? '' : `&cursor=${encodeURIComponent(cursor)}`}`;
    const response = await server.request('GET', url);
    expect(response.status, response.body).toBe(200);
    pages.push(response.json.items);
    cursor = response.json.nextCursor;
    if (pages.length > 1000) throw new Error('pagination does not end');
  } while (cursor !== null);
  return pages;
}

function expectNewestFirst(items: readonly ListedWidget[]): void {
  for (let i = 1; i < items.length; i += 1) {
    const previous = items[i - 1];
    const current = items[i];
    if (previous === undefined || current === undefined) throw new Error('unreachable');
    expect(current.id < previous.id, `${current.id} should sort before ${previous.id}`).toBe(true);
    expect(current.createdAt <= previous.createdAt).toBe(true);
  }
}

describeEachStore('widget listing', (server) => {
  describe('pagination', () => {
    const batch = randomUUID();
    let created: string[] = [];

    beforeAll(async () => {
      created = await createWidgets(server(), 250, { batch });
    }, 60_000);

    it.each([7, 100])('pages through 250 widgets with take=%i: every id exactly once, newest first', async (take) => {
      const pages = await allPages(server(), `take=${take}&meta[batch]=${batch}`);
      expect(pages).toHaveLength(Math.ceil(250 / take));
      for (const page of pages.slice(0, -1)) expect(page).toHaveLength(take);
      expect(pages.at(-1)).toHaveLength(250 - take * (pages.length - 1));
      const items = pages.flat();
      expect(items.map((w) => w.id)).toEqual([...created].reverse());
      expect(new Set(items.map((w) => w.id)).size).toBe(250);
      expectNewestFirst(items);
    });

    it('answers null nextCursor on the last page, even when the last page is exactly full', async () => {
      const pages = await allPages(server(), `take=50&meta[batch]=${batch}`);
      expect(pages).toHaveLength(5);
      expect(pages.flat()).toHaveLength(250);
    });

    it('uses a default page size of 20', async () => {
      const response = await server().request('GET', `/v1/widgets?meta[batch]=${batch}`);
      expect(response.status).toBe(200);
      expect(response.json.items).toHaveLength(20);
      expect(response.json.nextCursor).toBe(response.json.items[19].id);
    });

    it('does not repeat or skip items when new widgets are created between pages', async () => {
      const first = await server().request('GET', `/v1/widgets?take=10&meta[batch]=${batch}`);
      await createWidgets(server(), 3, { batch: `${batch}-late` });
      const second = await server().request('GET', `/v1/widgets?take=10&meta[batch]=${batch}&cursor=${first.json.nextCursor}`);
      const ids = [...first.json.items, ...second.json.items].map((w: ListedWidget) => w.id);
      expect(ids).toEqual([...created].reverse().slice(0, 20));
    });
  });

  it.each(['0', '101', 'abc', '-1', '1.5', ''])('refuses take=%s with a 400 naming take', async (take) => {
    const response = await server().request('GET', `/v1/widgets?take=${take}`);
    expect(response.status).toBe(400);
    expect(response.json.error).toMatchObject({ code: 'PARLEY_ERR_REQUEST_VALIDATION', field: 'take' });
  });

  it.each(['abc', 'wgt_123', 'wgt_01J00000000000000000000000x'])('refuses the forged cursor %s', async (cursor) => {
    const response = await server().request('GET', `/v1/widgets?cursor=${cursor}`);
    expect(response.status).toBe(400);
    expect(response.json.error).toMatchObject({ code: 'PARLEY_ERR_REQUEST_INVALID_CURSOR', field: 'cursor' });
  });

  it('refuses a cursor issued by another listing', async () => {
    const bot = await server().request('POST', '/v1/bots', { body: { kind: 'builtin', name: 'Cursor bot', config: {} } });
    const widgets = await server().request('GET', `/v1/widgets?cursor=${bot.json.id}`);
    expect(widgets.json.error).toMatchObject({ code: 'PARLEY_ERR_REQUEST_INVALID_CURSOR', field: 'cursor' });
    const widget = await server().request('POST', '/v1/widgets', { body: {} });
    for (const path of ['/v1/bots', '/v1/blueprints']) {
      const response = await server().request('GET', `${path}?cursor=${widget.json.id}`);
      expect(response.status).toBe(400);
      expect(response.json.error.code).toBe('PARLEY_ERR_REQUEST_INVALID_CURSOR');
    }
  });

  it.each([
    ['take=2&take=500', 'take'],
    ['meta[env]=a&meta[env]=b', 'meta[env]'],
  ])('refuses the repeated parameter in %s instead of silently keeping one value', async (query, field) => {
    const response = await server().request('GET', `/v1/widgets?${query}`);
    expect(response.status).toBe(400);
    expect(response.json.error).toMatchObject({ code: 'PARLEY_ERR_REQUEST_VALIDATION', field });
  });

  it('refuses an unknown query parameter, naming it', async () => {
    const response = await server().request('GET', '/v1/widgets?limit=5');
    expect(response.status).toBe(400);
    expect(response.json.error).toMatchObject({ code: 'PARLEY_ERR_REQUEST_UNKNOWN_FIELD', field: 'limit' });
    const blueprints = await server().request('GET', '/v1/blueprints?meta[client]=acme');
    expect(blueprints.json.error).toMatchObject({ code: 'PARLEY_ERR_REQUEST_UNKNOWN_FIELD', field: 'meta[client]' });
  });

  describe('filters', () => {
    const tag = randomUUID();
    const ids: Record<string, string> = {};

    beforeAll(async () => {
      const blueprint = await server().request('POST', '/v1/blueprints', { body: { name: 'Filter blueprint' } });
      const plan: ReadonlyArray<readonly [string, Record<string, string>, Record<string, unknown>]> = [
        ['acmeProd', { client: 'acme', env: 'prod' }, {}],
        ['acmeDev', { client: 'acme', env: 'dev' }, { blueprintId: blueprint.json.id }],
        ['globexProd', { client: 'globex', env: 'prod' }, { blueprintId: blueprint.json.id }],
        ['untagged', {}, {}],
      ];
      for (const [key, meta, extra] of plan) {
        const [id] = await createWidgets(server(), 1, { tag, ...meta }, extra);
        if (id !== undefined) ids[key] = id;
      }
      ids['blueprint'] = blueprint.json.id;
    });

    async function listIds(query: string): Promise<string[]> {
      const response = await server().request('GET', `/v1/widgets?meta[tag]=${tag}&${query}`);
      expect(response.status, response.body).toBe(200);
      return response.json.items.map((w: ListedWidget) => w.id);
    }

    it('returns only the widgets whose meta matches', async () => {
      expect(await listIds('meta[client]=acme')).toEqual([ids['acmeDev'], ids['acmeProd']]);
      expect(await listIds('meta[client]=nobody')).toEqual([]);
    });

    it('ANDs two meta filters', async () => {
      expect(await listIds('meta[client]=acme&meta[env]=prod')).toEqual([ids['acmeProd']]);
      expect(await listIds('meta[client]=globex&meta[env]=dev')).toEqual([]);
    });

    it('filters by blueprintId, alone and with meta', async () => {
      expect(await listIds(`blueprintId=${ids['blueprint']}`)).toEqual([ids['globexProd'], ids['acmeDev']]);
      expect(await listIds(`blueprintId=${ids['blueprint']}&meta[env]=dev`)).toEqual([ids['acmeDev']]);
    });

    it('combines filters with pagination', async () => {
      const first = await server().request('GET', `/v1/widgets?meta[tag]=${tag}&meta[client]=acme&take=1`);
      expect(first.json.items.map((w: ListedWidget) => w.id)).toEqual([ids['acmeDev']]);
      expect(first.json.nextCursor).toBe(ids['acmeDev']);
      const second = await server().request('GET', `/v1/widgets?meta[tag]=${tag}&meta[client]=acme&take=1&cursor=${first.json.nextCursor}`);
      expect(second.json.items.map((w: ListedWidget) => w.id)).toEqual([ids['acmeProd']]);
      expect(second.json.nextCursor).toBeNull();
    });

    it('follows meta changes made by PATCH', async () => {
      await server().request('PATCH', `/v1/widgets/${ids['untagged']}`, { body: { meta: { tag, client: 'acme', env: 'qa' } } });
      expect(await listIds('meta[env]=qa')).toEqual([ids['untagged']]);
      await server().request('PATCH', `/v1/widgets/${ids['untagged']}`, { body: { meta: { tag } } });
      expect(await listIds('meta[client]=acme')).toEqual([ids['acmeDev'], ids['acmeProd']]);
    });
  });
});
