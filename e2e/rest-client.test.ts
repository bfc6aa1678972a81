import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ParleyApiError, RestClient } from '@parley/client';
import { buildApp, firstRun, loadConfig, type Parley } from '@parley/server';

describe('headless client against a listening server', () => {
  let parley: Parley;
  let baseUrl: string;
  let widgetId: string;
  const dataDir = mkdtempSync(join(tmpdir(), 'parley-e2e-'));

  beforeAll(async () => {
    parley = await buildApp(loadConfig({ PARLEY_DATA_DIR: dataDir, PARLEY_LOG_LEVEL: 'silent' }), { logger: false });
    const first = await firstRun(parley.services);
    if (first.demoWidgetId === null || first.adminKey === null) throw new Error('first run should create a key and a demo widget');
    widgetId = first.demoWidgetId;
    baseUrl = await parley.app.listen({ port: 0, host: '127.0.0.1' });
  });

  afterAll(async () => {
    await parley.app.close();
    rmSync(dataDir, { recursive: true, force: true });
  });

  it('fetches the demo widget config in the visitor language', async () => {
    const config = await new RestClient({ baseUrl }).widgetConfig(widgetId, 'es-MX');
    expect(config.language).toBe('es');
    expect(config.strings.dialogYes).toBe('Sí');
    expect(config.dir).toBe('ltr');
  });

  it('opens a session in which the demo bot answers a seeded question', async () => {
    const session = await new RestClient({ baseUrl }).createSession(widgetId, {
      messages: [{ type: 'user', text: 'How do I install it?' }],
    });
    expect(session.token.split('.')).toHaveLength(3);
    const texts = session.messages.map((m) => `${m.author.role}: ${m.text}`);
    expect(texts[0]).toBe('bot: Hello! How can I help you today?');
    expect(texts[1]).toBe('visitor: How do I install it?');
    expect(texts[2]).toContain('npm ci && npm start');
  });

  it('turns error answers into ParleyApiError with the stable code and field', async () => {
    const client = new RestClient({ baseUrl });
    const error = await client.createSession(widgetId, { durationInSeconds: 5 }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ParleyApiError);
    expect(error).toMatchObject({ status: 400, code: 'PARLEY_ERR_REQUEST_VALIDATION', field: 'durationInSeconds' });
    const missing = await client.widgetConfig('wgt_01J00000000000000000000000').catch((e: unknown) => e);
    expect(missing).toMatchObject({ status: 404, code: 'PARLEY_ERR_WIDGET_NOT_FOUND' });
  });

  it('reports an unreachable server as a network error', async () => {
    const error = await new RestClient({ baseUrl: 'http://127.0.0.1:9' }).widgetConfig(widgetId).catch((e: unknown) => e);
    expect(error).toMatchObject({ code: 'PARLEY_ERR_CLIENT_NETWORK', status: 0 });
  });
});
