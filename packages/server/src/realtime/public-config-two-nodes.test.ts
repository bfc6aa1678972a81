import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { CLOSE_CODES } from '@parley/protocol';
import { WidgetsStore } from '../store/widgets-store.js';
import { TEST_ADMIN_KEY } from '../testing/test-server.js';
import { startScaledNodes, type ScaledNode } from './testing/scaled-nodes.js';
import { connectWs, rawWs } from './testing/ws-test-client.js';

interface Answer {
  readonly status: number;
  readonly etag: string | null;
  // Loosely typed on purpose: each assertion states the shape it expects.
  // eslint-disable-next-line @typescript-eslint/no-explicit-any
  readonly json: any;
}

/**
 * The public config is kept in memory on every node; a change made through node A must be what node B
 * serves at once — not after its 30 s expiry. The notice travels over Redis, so B is asked until it
 * answers the new config, within a deadline far below that expiry.
 */
describe('public widget config on two nodes', () => {
  const nodes: ScaledNode[] = [];
  let stop = async (): Promise<void> => undefined;

  beforeAll(async () => {
    const started = await startScaledNodes('parley_config_nodes');
    nodes.push(...started.nodes);
    stop = started.close;
  });

  afterAll(() => stop());

  const node = (index: 0 | 1): ScaledNode => {
    const found = nodes[index];
    if (found === undefined) throw new Error('nodes did not start');
    return found;
  };

  async function admin(on: ScaledNode, method: string, path: string, body?: unknown): Promise<{ status: number; id: string }> {
    const response = await fetch(`${on.baseUrl}${path}`, {
      method,
      headers: { authorization: `Bearer ${TEST_ADMIN_KEY}`, ...(body === undefined ? {} : { 'content-type': 'application/json' }) },
      ...(body === undefined ? {} : { body: JSON.stringify(body) }),
    });
    const text = await response.text();
    expect(response.status, `${method} ${path}: ${text}`).toBeLessThan(300);
    const parsed: unknown = text === '' ? {} : JSON.parse(text);
    const id = typeof parsed === 'object' && parsed !== null && 'id' in parsed ? String(parsed.id) : '';
    return { status: response.status, id };
  }

  async function config(on: ScaledNode, widgetId: string, headers: Record<string, string> = {}): Promise<Answer> {
    const response = await fetch(`${on.baseUrl}/v1/widgets/${widgetId}/config`, { headers });
    const text = await response.text();
    return { status: response.status, etag: response.headers.get('etag'), json: text === '' ? undefined : JSON.parse(text) };
  }

  /** Asks node B until it holds the widget's config in memory (its first reads come before it listens to changes). */
  async function warm(on: ScaledNode, widgetId: string): Promise<void> {
    for (let i = 0; i < 10 && on.parley.services.publicConfig.peek(widgetId) === undefined; i++) await config(on, widgetId);
    expect(on.parley.services.publicConfig.peek(widgetId), 'node B holds the config').toBeDefined();
  }

  /** Node B's answer once `done` says it shows the change; fails after 5 s (the expiry is 30 s). */
  async function servedByB(widgetId: string, done: (answer: Answer) => boolean): Promise<Answer> {
    const deadline = Date.now() + 5_000;
    let answer = await config(node(1), widgetId);
    while (!done(answer) && Date.now() < deadline) {
      await new Promise((resolve) => setTimeout(resolve, 50));
      answer = await config(node(1), widgetId);
    }
    return answer;
  }

  /** Waits (without asking B, which would read the config again) until B has dropped the widget's config. */
  async function droppedOnB(widgetId: string): Promise<boolean> {
    const deadline = Date.now() + 5_000;
    while (node(1).parley.services.publicConfig.peek(widgetId) !== undefined && Date.now() < deadline) {
      await new Promise((resolve) => setTimeout(resolve, 20));
    }
    return node(1).parley.services.publicConfig.peek(widgetId) === undefined;
  }

  it('serves on node B every change made through node A: widget, blueprint, setup, bot, deletion', async () => {
    const [a, b] = [node(0), node(1)];
    const bot = await admin(a, 'POST', '/v1/bots', { kind: 'builtin', name: 'FAQ', config: { rules: [] } });
    const blueprint = await admin(a, 'POST', '/v1/blueprints', { name: 'Base', intro: 'Blueprint intro' });
    const widget = await admin(a, 'POST', '/v1/widgets', { name: 'Shop', botId: bot.id, blueprintId: blueprint.id, title: 'Before' });

    await warm(b, widget.id);
    const before = await config(b, widget.id);
    expect(before.json.strings.title).toBe('Before');
    await admin(a, 'PATCH', `/v1/widgets/${widget.id}`, { title: 'After' });
    expect((await servedByB(widget.id, (answer) => answer.json.strings.title === 'After')).json.strings.title).toBe('After');
    // The ETag B had handed out no longer matches: a revalidating page gets the new config.
    expect((await config(b, widget.id, { 'if-none-match': before.etag ?? '' })).status).toBe(200);

    await warm(b, widget.id);
    await admin(a, 'PATCH', `/v1/blueprints/${blueprint.id}`, { intro: 'New intro' });
    expect((await servedByB(widget.id, (answer) => answer.json.strings.intro === 'New intro')).json.strings.intro).toBe('New intro');

    await warm(b, widget.id);
    await admin(a, 'PATCH', `/v1/widgets/${widget.id}`, { languages: ['ja'] });
    await warm(b, widget.id);
    await admin(a, 'POST', `/v1/widgets/${widget.id}/setup`);
    await a.parley.services.setup.idle();
    expect(await droppedOnB(widget.id), 'dropped on B after setup ran on A').toBe(true);
    expect((await config(b, widget.id)).json.languages).toEqual(['en', 'ja']);

    await warm(b, widget.id);
    await admin(a, 'PATCH', `/v1/bots/${bot.id}`, { name: 'Renamed' });
    expect(await droppedOnB(widget.id), 'dropped on B after the bot edit on A').toBe(true);

    await warm(b, widget.id);
    await admin(a, 'DELETE', `/v1/widgets/${widget.id}`);
    const gone = await servedByB(widget.id, (answer) => answer.status === 404);
    expect([gone.status, gone.json.error.code]).toEqual([404, 'PARLEY_ERR_WIDGET_NOT_FOUND']);
  });

  it('answers 304 on either node for the same version: the ETag is a digest of the bytes', async () => {
    const [a, b] = [node(0), node(1)];
    const bot = await admin(a, 'POST', '/v1/bots', { kind: 'builtin', name: 'FAQ', config: { rules: [] } });
    const widget = await admin(a, 'POST', '/v1/widgets', { name: 'Shop', botId: bot.id });
    await warm(a, widget.id);
    await warm(b, widget.id);
    const fromA = await config(a, widget.id);
    expect(fromA.etag).toMatch(/^"[\w-]+"$/);
    expect((await config(b, widget.id, { 'if-none-match': fromA.etag ?? '' })).status).toBe(304);
  });

  it('checks a realtime connect on node B against the settings changed through node A, reading no widget row meanwhile', async () => {
    const [a, b] = [node(0), node(1)];
    const shop = 'https://shop.example';
    const bot = await admin(a, 'POST', '/v1/bots', { kind: 'builtin', name: 'FAQ', config: { rules: [] } });
    const widget = await admin(a, 'POST', '/v1/widgets', { name: 'Shop', botId: bot.id, origin: [shop] });
    const session = await fetch(`${b.baseUrl}/v1/widgets/${widget.id}/sessions`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', origin: shop },
      body: '{}',
    });
    expect(session.status).toBe(201);
    const { token } = (await session.json()) as { token: string };
    await warm(b, widget.id);

    const rowReads = vi.spyOn(WidgetsStore.prototype, 'get');
    try {
      for (let i = 0; i < 3; i++) await (await connectWs({ baseUrl: b.baseUrl, token, origin: shop })).close();
      // Token check and presence take the widget's settings from B's cache: no widget row read for any connect.
      expect(rowReads).not.toHaveBeenCalled();
    } finally {
      rowReads.mockRestore();
    }

    await admin(a, 'PATCH', `/v1/widgets/${widget.id}`, { origin: ['https://elsewhere.example'] });
    expect(await droppedOnB(widget.id), 'dropped on B after the allowlist changed on A').toBe(true);
    const refused = await rawWs(b.baseUrl, token, shop);
    expect((await refused.log.waitForClose()).code).toBe(CLOSE_CODES.FORBIDDEN.code);
  });
});
