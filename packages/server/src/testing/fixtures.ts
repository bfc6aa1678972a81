import type { TestServer } from './test-server.js';

/** A builtin bot and a widget using it: the smallest set-up that can open a session. */
export async function createBotAndWidget(
  server: TestServer,
  widget: Record<string, unknown> = {},
): Promise<{ botId: string; widgetId: string }> {
  const bot = await server.request('POST', '/v1/bots', {
    body: {
      kind: 'builtin',
      name: 'FAQ',
      config: { rules: [{ patterns: ['price'], answer: 'It is free.' }], fallback: 'Sorry, I did not get that.' },
    },
  });
  if (bot.status !== 201) throw new Error(`bot creation failed: ${bot.body}`);
  const created = await server.request('POST', '/v1/widgets', { body: { name: 'Test widget', botId: bot.json.id, ...widget } });
  if (created.status !== 201) throw new Error(`widget creation failed: ${created.body}`);
  return { botId: bot.json.id, widgetId: created.json.id };
}
