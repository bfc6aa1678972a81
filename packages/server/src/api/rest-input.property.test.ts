import fc from 'fast-check';
import { expect, it } from 'vitest';
import { createBotAndWidget } from '../testing/fixtures.js';
import { scanAllTables } from '../testing/table-scan.js';
import { describeEachDialect, startTestServer, type RequestOptions, type TestServer } from '../testing/test-server.js';

/**
 * REST validation under random input (issue 13.5): random bodies and queries, near-valid bodies with
 * fields swapped for anything (strings with NUL, lone surrogates, bidi controls; numbers, arrays,
 * JSON nested past 64 levels) and non-JSON bodies, on visitor and management routes. Whatever comes,
 * the server answers without a 5xx, a refusal carries a catalog code, and a refused request leaves
 * every table exactly as it was.
 */

/** Random requests come faster than any visitor; the limits have their own tests (limits/). */
const NO_VOLUME_LIMITS: Readonly<Record<string, string>> = Object.fromEntries(
  ['SESSIONS', 'MESSAGES', 'UPLOADS', 'BOT_TURNS'].flatMap((what) =>
    ['SESSION', 'ADDRESS', 'WIDGET'].map((per) => [`PARLEY_LIMIT_${what}_PER_${per}`, 'off']),
  ),
);

interface Fixture {
  readonly widgetId: string;
  readonly botId: string;
  readonly conversationId: string;
  readonly token: string;
}

interface Probe {
  readonly method: 'GET' | 'POST' | 'PATCH' | 'PUT';
  readonly url: (fixture: Fixture) => string;
  readonly options: (fixture: Fixture) => RequestOptions;
}

const weirdString = fc.oneof(
  fc.string({ unit: 'grapheme', maxLength: 40 }),
  fc.string({ unit: 'binary', maxLength: 40 }),
  fc.string({ unit: fc.constantFrom('\u0000', '\ud800', '\u202e', '<', '"', '\\', '%', '\n', ' ', 'a'), maxLength: 30 }),
  fc.string({ minLength: 8001, maxLength: 8100 }),
);

/** JSON nested deeper than any schema goes, a NUL at its bottom: the NUL check must still find it. */
const deepWithNul = fc.integer({ min: 1, max: 90 }).map((depth) => {
  let value: unknown = { type: 'string', description: 'deep\u0000' };
  for (let level = 0; level < depth; level++) value = level % 2 === 0 ? { properties: value } : [value];
  return value;
});

const anything = fc.oneof(weirdString, fc.jsonValue({ maxDepth: 4 }), deepWithNul, fc.integer(), fc.constant(null));

/** `base` with some of its fields (or new ones) set to anything. */
function mutated(base: Readonly<Record<string, unknown>>): fc.Arbitrary<unknown> {
  const keys = [...Object.keys(base), 'extra', '__proto__', 'constructor'];
  return fc
    .uniqueArray(fc.tuple(fc.constantFrom(...keys), anything), { minLength: 1, maxLength: 3, selector: ([key]) => key })
    .map((changes) => {
      const out: Record<string, unknown> = { ...base };
      for (const [key, value] of changes) Object.defineProperty(out, key, { value, enumerable: true, configurable: true, writable: true });
      return out;
    });
}

const body = (base: Readonly<Record<string, unknown>>): fc.Arbitrary<RequestOptions> =>
  fc.oneof(
    { arbitrary: mutated(base).map((value) => ({ body: value })), weight: 4 },
    { arbitrary: fc.jsonValue({ maxDepth: 5 }).map((value) => ({ body: value })), weight: 1 },
    { arbitrary: fc.string({ maxLength: 60 }).map((rawBody) => ({ rawBody })), weight: 1 },
  );

const query = fc
  .array(fc.tuple(fc.constantFrom('take', 'cursor', 'before', 'limit', 'status', 'view', 'q', 'x'), weirdString), { maxLength: 4 })
  .map((pairs) => `?${pairs.map(([key, value]) => `${key}=${encodeURIComponent(value.replace(/[\ud800-\udfff]/g, '?'))}`).join('&')}`);

const tool = { name: 'lookup', description: 'Finds an order', url: 'https://tools.example.com/lookup', parameters: { type: 'object' } };

/** One random request on a visitor or management route. */
const probe: fc.Arbitrary<Probe> = fc.oneof(
  body({ contact: { name: 'Ana', email: 'ana@example.com' }, meta: { plan: 'pro' }, messages: [{ type: 'user', text: 'hi' }] }).map(
    (options): Probe => ({
      method: 'POST',
      url: (f) => `/v1/widgets/${f.widgetId}/sessions`,
      options: () => ({ ...options, auth: 'none' }),
    }),
  ),
  body({ text: 'hello', clientId: 'client-0001' }).map((options): Probe => ({
    method: 'POST',
    url: (f) => `/v1/conversations/${f.conversationId}/messages`,
    options: (f) => ({ ...options, auth: f.token }),
  })),
  body({ name: 'Ana', email: 'ana@example.com', phone: '+14155550123' }).map((options): Probe => ({
    method: 'POST',
    url: (f) => `/v1/conversations/${f.conversationId}/contact`,
    options: (f) => ({ ...options, auth: f.token }),
  })),
  body({ score: 5, comment: 'great' }).map((options): Probe => ({
    method: 'POST',
    url: (f) => `/v1/conversations/${f.conversationId}/rating`,
    options: (f) => ({ ...options, auth: f.token }),
  })),
  query.map((q): Probe => ({
    method: 'GET',
    url: (f) => `/v1/conversations/${f.conversationId}/messages${q}`,
    options: (f) => ({ auth: f.token }),
  })),
  body({ action: 'sendMessage', sessionId: 'session-0001', chatInput: 'hi', metadata: { page: 'x' } }).map((options): Probe => ({
    method: 'POST',
    url: (f) => `/v1/widgets/${f.widgetId}/n8n`,
    options: () => ({ ...options, auth: 'none' }),
  })),
  body({ name: 'Shop', title: 'Hi', intro: 'Ask', placeholder: 'Type', tools: [tool], theme: { primaryColor: '#0f766e' } }).map(
    (options): Probe => ({ method: 'PATCH', url: (f) => `/v1/widgets/${f.widgetId}`, options: () => options }),
  ),
  body({ name: 'Shop 2', botId: null, tools: [tool] }).map((options): Probe => ({
    method: 'POST',
    url: () => '/v1/widgets',
    options: () => options,
  })),
  body({ name: 'FAQ', config: { rules: [{ patterns: ['price'], answer: 'Free.' }], fallback: 'Sorry' } }).map((options): Probe => ({
    method: 'PATCH',
    url: (f) => `/v1/bots/${f.botId}`,
    options: () => options,
  })),
  body({ kind: 'webhook', name: 'Hook', config: { url: 'https://bot.example.com/hook' } }).map((options): Probe => ({
    method: 'POST',
    url: () => '/v1/bots',
    options: () => options,
  })),
  body({ email: 'sam@example.com', name: 'Sam', password: 'long enough password', role: 'agent' }).map((options): Probe => ({
    method: 'POST',
    url: () => '/v1/agents',
    options: () => options,
  })),
  body({ text: 'a note' }).map((options): Probe => ({
    method: 'POST',
    url: (f) => `/v1/inbox/${f.conversationId}/notes`,
    options: () => options,
  })),
  body({ text: 'a reply', clientId: 'agent-00001' }).map((options): Probe => ({
    method: 'POST',
    url: (f) => `/v1/inbox/${f.conversationId}/messages`,
    options: () => options,
  })),
  // Widget configuration versions (issue 21): the draft, import (widget and blueprint), promote, rollback.
  body({ name: 'Shop', title: 'Draft', theme: { radius: 4 }, tools: [tool] }).map((options): Probe => ({
    method: 'PUT',
    url: (f) => `/v1/widgets/${f.widgetId}/draft`,
    options: () => options,
  })),
  body({ format: 'parley.widget/1', widget: { name: 'Imported', title: 'Hi', languages: ['en'] } }).map((options): Probe => ({
    method: 'POST',
    url: () => '/v1/widgets/import?dryRun=true',
    options: () => options,
  })),
  body({ format: 'parley.blueprint/1', blueprint: { name: 'Imported blueprint', intro: 'Ask' } }).map((options): Probe => ({
    method: 'POST',
    url: () => '/v1/blueprints/import',
    options: () => options,
  })),
  body({ from: 'wgt_01J00000000000000000000000', dryRun: true, message: 'from staging' }).map((options): Probe => ({
    method: 'POST',
    url: (f) => `/v1/widgets/${f.widgetId}/promote`,
    options: () => options,
  })),
  body({ version: 1, message: 'back' }).map((options): Probe => ({
    method: 'POST',
    url: (f) => `/v1/widgets/${f.widgetId}/rollback`,
    options: () => options,
  })),
  query.map((q): Probe => ({ method: 'GET', url: () => `/v1/inbox${q}`, options: () => ({}) })),
  query.map((q): Probe => ({ method: 'GET', url: () => `/v1/widgets${q}`, options: () => ({}) })),
);

/** Every row of every table of the app's own schema, in a stable order. */
async function snapshot(server: TestServer): Promise<string> {
  const tables = Object.entries(await scanAllTables(server));
  return JSON.stringify(Object.fromEntries(tables.map(([name, rows]) => [name, rows.map((row) => JSON.stringify(row)).sort()])));
}

/**
 * A snapshot once what earlier (accepted) requests set going has been written: the bot's answer to an accepted
 * visitor message (a turn of its own, after the 201), then the report recorder's batch (every 200 ms; a report
 * query flushes it first), so a refused request is compared with a settled database.
 */
async function settledSnapshot(server: TestServer): Promise<string> {
  await server.services.botTurns.idle();
  const flushed = await server.request('GET', '/v1/reports/summary?from=2026-01-01&to=2026-01-01');
  expect(flushed.status, flushed.body.slice(0, 300)).toBe(200);
  return snapshot(server);
}

describeEachDialect(
  'REST validation under random input',
  (dialect) => startTestServer(dialect, {}, NO_VOLUME_LIMITS),
  (server) => {
    it('never answers a 5xx, refuses with a catalog code, and a refused request changes no row', { timeout: 120_000 }, async () => {
      const { widgetId, botId } = await createBotAndWidget(server());
      const session = await server().request('POST', `/v1/widgets/${widgetId}/sessions`, { auth: 'none', body: {} });
      expect(session.status).toBe(201);
      const fixture: Fixture = { widgetId, botId, conversationId: session.json.conversationId, token: session.json.token };
      await fc.assert(
        fc.asyncProperty(probe, async ({ method, url, options }) => {
          const before = await settledSnapshot(server());
          const answer = await server().request(method, url(fixture), options(fixture));
          expect(answer.status, `${method} ${url(fixture)} → ${answer.body.slice(0, 300)}`).toBeLessThan(500);
          if (answer.status < 400) return;
          expect(answer.json?.error?.code, answer.body.slice(0, 300)).toMatch(/^PARLEY_ERR_[A-Z_]+$/);
          expect(await settledSnapshot(server()), `${method} ${url(fixture)} → ${answer.status} changed data`).toBe(before);
        }),
        { numRuns: 120 },
      );
    });
  },
);
