import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { buildTestApp, TEST_ADMIN_KEY, type TestApp } from '../testing/test-server.js';

/**
 * Page loads over real HTTP, where the public config's answer from memory sits in front of Fastify (app.inject
 * never reaches it): a load answered there vouches for its address as much as one answered by the route.
 * Behind a trusted proxy (loopback) each request says its client address in X-Forwarded-For.
 */
describe('page loads seen by the challenge gate', () => {
  let parley: TestApp;
  let baseUrl = '';
  let widgetId = '';

  beforeAll(async () => {
    parley = await buildTestApp('sqlite', {}, { PARLEY_TRUST_PROXY: 'loopback' });
    baseUrl = await parley.app.listen({ host: '127.0.0.1', port: 0 });
    const admin = { authorization: `Bearer ${TEST_ADMIN_KEY}`, 'content-type': 'application/json' };
    const bot = await fetch(`${baseUrl}/v1/bots`, {
      method: 'POST',
      headers: admin,
      body: JSON.stringify({ kind: 'builtin', name: 'FAQ', config: { rules: [], fallback: 'Hello.' } }),
    });
    const widget = await fetch(`${baseUrl}/v1/widgets`, {
      method: 'POST',
      headers: admin,
      // Every session from an address without a page load needs a challenge; the count alone never does.
      body: JSON.stringify({
        name: 'Shop',
        botId: ((await bot.json()) as { id: string }).id,
        challenge: { threshold: 1000, withoutPageLoad: 0 },
      }),
    });
    widgetId = ((await widget.json()) as { id: string }).id;
    // Setup drops the widget's cached config when it finishes: let it finish first.
    await parley.services.setup.idle();
  });

  afterAll(() => parley.dispose());

  const from = (address: string) => ({ 'x-forwarded-for': address });
  const loadConfig = (address: string) => fetch(`${baseUrl}/v1/widgets/${widgetId}/config`, { headers: from(address) });
  const createSession = async (address: string) =>
    (
      await fetch(`${baseUrl}/v1/widgets/${widgetId}/sessions`, {
        method: 'POST',
        headers: { ...from(address), 'content-type': 'application/json' },
        body: '{}',
      })
    ).status;

  it('counts a config answered from memory as a page load of the address that asked for it', async () => {
    // Until this node holds the widget's entry (and the query), the route answers.
    for (let i = 0; i < 5 && parley.services.publicConfig.peek(widgetId) === undefined; i++) await loadConfig('198.51.100.1');
    expect((await loadConfig('198.51.100.1')).status).toBe(200);
    const load = vi.spyOn(parley.services.publicConfig, 'load');
    expect((await loadConfig('198.51.100.2')).status).toBe(200);
    // Answered from memory, before Fastify: the route (which loads) never ran.
    expect(load).not.toHaveBeenCalled();
    load.mockRestore();
    // The gate writes page loads to its store without waiting; the memory store has it by the next turn.
    await new Promise((resolve) => setImmediate(resolve));
    expect(await createSession('198.51.100.1')).toBe(201);
    expect(await createSession('198.51.100.2')).toBe(201);
    expect(await createSession('198.51.100.3')).toBe(428);
  });
});
