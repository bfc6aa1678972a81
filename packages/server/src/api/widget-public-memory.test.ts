import { connect } from 'node:net';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { EN_UI_STRINGS } from '@parley/protocol';
import { buildTestApp, TEST_ADMIN_KEY, type TestApp } from '../testing/test-server.js';
import type { Translator } from '../widgets/translator.js';

/**
 * The public config over real HTTP, where the answer from memory sits in front of Fastify (app.inject
 * never reaches it). Structure, not speed: which path answered is read off the cache's own calls.
 */

/** While set, translations wait for it: the config is read while setup is under way. */
let translationGate: Promise<void> | undefined;

/** Marks every text it translates, so a language map stored by setup shows in the config. */
const markingTranslator: Translator = {
  translate: async (texts, _from, to) => {
    await translationGate;
    return Object.fromEntries(Object.entries(texts).map(([key, text]) => [key, `[${to}] ${text}`]));
  },
};

interface Answer {
  readonly status: number;
  readonly headers: Record<string, string>;
  readonly body: string;
  // Loosely typed on purpose: each assertion states the shape it expects.
  // eslint-disable-next-line @typescript-eslint/no-explicit-any
  readonly json: any;
}

/** Per-response and per-connection headers: everything else must be the same on both paths. */
const PER_RESPONSE = new Set(['date', 'connection', 'keep-alive']);

describe('the public config answered from memory', () => {
  let parley: TestApp;
  let baseUrl = '';

  beforeAll(async () => {
    parley = await buildTestApp('sqlite', { translator: markingTranslator });
    baseUrl = await parley.app.listen({ host: '127.0.0.1', port: 0 });
  });

  afterAll(() => parley.dispose());

  async function call(method: string, path: string, body?: unknown, headers: Record<string, string> = {}): Promise<Answer> {
    const response = await fetch(`${baseUrl}${path}`, {
      method,
      headers: {
        authorization: `Bearer ${TEST_ADMIN_KEY}`,
        ...(body === undefined ? {} : { 'content-type': 'application/json' }),
        ...headers,
      },
      ...(body === undefined ? {} : { body: JSON.stringify(body) }),
    });
    const text = await response.text();
    const kept = [...response.headers].filter(([name]) => !PER_RESPONSE.has(name));
    return { status: response.status, headers: Object.fromEntries(kept), body: text, json: text === '' ? undefined : JSON.parse(text) };
  }

  /** A visitor's request: no credentials. */
  const config = async (widgetId: string, query = '', headers: Record<string, string> = {}): Promise<Answer> => {
    const response = await fetch(`${baseUrl}/v1/widgets/${widgetId}/config${query}`, { headers });
    const text = await response.text();
    const kept = [...response.headers].filter(([name]) => !PER_RESPONSE.has(name));
    return { status: response.status, headers: Object.fromEntries(kept), body: text, json: text === '' ? undefined : JSON.parse(text) };
  };

  async function create(path: string, body: Record<string, unknown>): Promise<string> {
    const created = await call('POST', path, body);
    expect(created.status, created.body).toBe(201);
    return String(created.json.id);
  }

  async function createWidget(settings: Record<string, unknown> = {}): Promise<{ widgetId: string; botId: string }> {
    const botId = await create('/v1/bots', { kind: 'builtin', name: 'FAQ', config: { rules: [] } });
    return { widgetId: await create('/v1/widgets', { name: 'Shop', botId, ...settings }), botId };
  }

  /** Asks until this node holds the widget's config (the first reads come before the cache listens to changes). */
  async function warm(widgetId: string, query = ''): Promise<Answer> {
    for (let i = 0; i < 5 && parley.services.publicConfig.peek(widgetId) === undefined; i++) await config(widgetId, query);
    expect(parley.services.publicConfig.peek(widgetId), 'kept in memory').toBeDefined();
    return config(widgetId, query);
  }

  /** Which path answered `request`: from memory (no load) or through the route (a load). */
  async function answeredFromMemory(request: () => Promise<Answer>): Promise<{ answer: Answer; fromMemory: boolean }> {
    const load = vi.spyOn(parley.services.publicConfig, 'load');
    try {
      const answer = await request();
      return { answer, fromMemory: load.mock.calls.length === 0 };
    } finally {
      load.mockRestore();
    }
  }

  it('answers from memory with the very status, bytes and headers of the route: 200 and 304, with and without Origin', async () => {
    const { widgetId } = await createWidget({ origin: ['https://shop.example.com'], languages: ['fr'] });
    for (const origin of [{}, { origin: 'https://shop.example.com' }]) {
      for (const query of ['', '?lang=fr']) {
        const routed = await config(widgetId, query, origin);
        await warm(widgetId, query);
        const fresh = await answeredFromMemory(() => config(widgetId, query, origin));
        expect(fresh.fromMemory).toBe(true);
        expect(fresh.answer).toEqual(routed);
        expect(routed.status).toBe(200);
        const revalidate = { ...origin, 'if-none-match': routed.headers['etag'] ?? '' };
        const notModified = await answeredFromMemory(() => config(widgetId, query, revalidate));
        expect(notModified.fromMemory).toBe(true);
        expect(notModified.answer.status).toBe(304);
        expect(notModified.answer.body).toBe('');
        parley.services.publicConfig.clear();
        expect(await config(widgetId, query, revalidate)).toEqual(notModified.answer); // the route's 304
      }
    }
    const withOrigin = await config(widgetId, '', { origin: 'https://shop.example.com' });
    expect(withOrigin.headers).toMatchObject({
      'access-control-allow-origin': 'https://shop.example.com',
      'cache-control': 'public, max-age=30, stale-while-revalidate=300',
      'content-type': 'application/json; charset=utf-8',
      vary: 'Origin',
    });
  });

  it("never answers one widget's or one language's config for another", async () => {
    const first = await createWidget({ title: 'First', languages: ['fr', 'ar'] });
    const second = await createWidget({ title: 'Second', languages: ['fr', 'ar'] });
    const queries = ['', '?lang=fr', '?lang=ar', '?lang=fr-CA', '?lang=de'];
    const expected: Record<string, [string, string]> = {
      '': ['en', 'ltr'],
      '?lang=fr': ['fr', 'ltr'],
      '?lang=ar': ['ar', 'rtl'],
      '?lang=fr-CA': ['fr', 'ltr'],
      '?lang=de': ['en', 'ltr'],
    };
    for (const { widgetId } of [first, second]) for (const query of queries) await warm(widgetId, query);
    const etags = new Set<string>();
    for (let round = 0; round < 2; round++) {
      for (const [{ widgetId }, name] of [
        [first, 'First'],
        [second, 'Second'],
      ] as const) {
        for (const query of queries) {
          const { answer, fromMemory } = await answeredFromMemory(() => config(widgetId, query));
          expect(fromMemory, `${widgetId}${query}`).toBe(true);
          expect([answer.json.id, answer.json.language, answer.json.dir, answer.json.strings.title]).toEqual([
            widgetId,
            ...expected[query]!,
            name,
          ]);
          etags.add(`${widgetId}:${answer.json.language}:${answer.headers['etag']}`);
        }
      }
    }
    // One ETag per widget and language, none shared.
    expect(new Set([...etags].map((key) => key.split(':')[2])).size).toBe(6);
  });

  it('still refuses a foreign Origin, a malformed lang and an unknown parameter for a widget held in memory', async () => {
    const { widgetId } = await createWidget({ origin: ['https://shop.example.com'] });
    await warm(widgetId);
    const foreign = await config(widgetId, '', { origin: 'https://evil.example' });
    expect([foreign.status, foreign.json.error.code]).toEqual([403, 'PARLEY_ERR_AUTH_ORIGIN_NOT_ALLOWED']);
    const badLang = await config(widgetId, '?lang=not%20a%20code');
    expect([badLang.status, badLang.json.error.field]).toEqual([400, 'lang']);
    const unknown = await config(widgetId, '?colour=red');
    expect([unknown.status, unknown.json.error.code]).toEqual([400, 'PARLEY_ERR_REQUEST_UNKNOWN_FIELD']);
    const head = await fetch(`${baseUrl}/v1/widgets/${widgetId}/config`, { method: 'HEAD' });
    expect(head.status).toBe(200);
  });

  it('leaves a request that sends its Origin or If-None-Match twice to the route, which sees what node made of them', async () => {
    const { widgetId } = await createWidget({ origin: ['https://shop.example.com'] });
    await warm(widgetId);
    /** A raw HTTP/1.1 request: fetch cannot send a header twice. */
    const raw = (lines: readonly string[]) =>
      new Promise<string>((resolve, reject) => {
        const { hostname, port } = new URL(baseUrl);
        const socket = connect(Number(port), hostname, () =>
          socket.end(
            `GET /v1/widgets/${widgetId}/config HTTP/1.1\r\nHost: ${hostname}\r\nConnection: close\r\n${lines.join('\r\n')}\r\n\r\n`,
          ),
        );
        let text = '';
        socket.on('data', (chunk) => (text += chunk.toString()));
        socket.on('end', () => resolve(text));
        socket.on('error', reject);
      });
    for (const lines of [
      ['Origin: https://shop.example.com', 'origin: https://shop.example.com'],
      ['If-None-Match: "a"', 'if-none-match: "b"'],
    ]) {
      const { answer, fromMemory } = await answeredFromMemory(async () => ({
        status: 0,
        headers: {},
        body: await raw(lines),
        json: undefined,
      }));
      expect(fromMemory, lines.join(' / ')).toBe(false);
      expect(answer.body).toMatch(/^HTTP\/1\.1 (200|403) /);
    }
    // One of each is answered from memory.
    const single = await answeredFromMemory(async () => ({
      status: 0,
      headers: {},
      body: await raw(['Origin: https://shop.example.com']),
      json: undefined,
    }));
    expect([single.fromMemory, single.answer.body.split('\r\n')[0]]).toEqual([true, 'HTTP/1.1 200 OK']);
  });

  it('shows every change at once: widget, blueprint, detach, setup, bot edit, widget deletion', async () => {
    const { publicConfig } = parley.services;
    const blueprintId = await create('/v1/blueprints', { name: 'Base', intro: 'Blueprint intro' });
    const { widgetId, botId } = await createWidget({ title: 'Before', blueprintId, languages: ['sv'] });
    const strings = async (query = '') => (await config(widgetId, query)).json.strings;

    expect((await warm(widgetId)).json.strings.title).toBe('Before');
    expect((await call('PATCH', `/v1/widgets/${widgetId}`, { title: 'After' })).status).toBe(200);
    expect(publicConfig.peek(widgetId)).toBeUndefined();
    expect((await strings()).title).toBe('After');

    await warm(widgetId);
    expect((await call('PATCH', `/v1/blueprints/${blueprintId}`, { intro: 'New blueprint intro' })).status).toBe(200);
    expect(publicConfig.peek(widgetId)).toBeUndefined();
    expect((await strings()).intro).toBe('New blueprint intro');

    await warm(widgetId);
    expect((await call('POST', `/v1/widgets/${widgetId}/detach`)).status).toBe(200);
    expect(publicConfig.peek(widgetId)).toBeUndefined();
    expect((await call('PATCH', `/v1/blueprints/${blueprintId}`, { intro: 'Not for detached widgets' })).status).toBe(200);
    expect((await strings()).intro).toBe('New blueprint intro');

    await warm(widgetId, '?lang=sv');
    let release = (): void => undefined;
    translationGate = new Promise((resolve) => (release = resolve));
    expect((await call('POST', `/v1/widgets/${widgetId}/setup`)).status).toBe(202);
    expect(publicConfig.peek(widgetId)).toBeUndefined(); // the run cleared the old texts
    // While the run translates, visitors get the built-in texts, and that config is kept…
    expect((await warm(widgetId, '?lang=sv')).json.strings.send).toBe(EN_UI_STRINGS.send);
    release();
    translationGate = undefined;
    await parley.services.setup.idle();
    // …until the run stores its texts.
    expect(publicConfig.peek(widgetId)).toBeUndefined();
    expect((await strings('?lang=sv')).send).toBe(`[sv] ${EN_UI_STRINGS.send}`);

    await warm(widgetId);
    expect((await call('PATCH', `/v1/bots/${botId}`, { name: 'Renamed FAQ' })).status).toBe(200);
    await new Promise((resolve) => setTimeout(resolve, 0)); // the bots channel delivers on a microtask
    expect(publicConfig.peek(widgetId)).toBeUndefined();

    await warm(widgetId);
    expect((await call('DELETE', `/v1/widgets/${widgetId}`)).status).toBe(204);
    expect(publicConfig.peek(widgetId)).toBeUndefined();
    const gone = await config(widgetId);
    expect([gone.status, gone.json.error.code]).toEqual([404, 'PARLEY_ERR_WIDGET_NOT_FOUND']);
    expect((await call('DELETE', `/v1/bots/${botId}`)).status).toBe(204);
  });
});
