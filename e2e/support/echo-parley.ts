import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { buildApp, loadConfig } from '@parley/server';
import { NO_VOLUME_LIMITS } from '@parley/testkit';

const ADMIN_KEY = 'pk_e2e_echo_0123456789abcdefghijklmnop';

export interface EchoParley {
  /** e.g. http://127.0.0.1:41234 */
  readonly url: string;
  readonly port: number;
  /** A widget whose builtin bot answers every visitor message with the same words. */
  readonly widgetId: string;
  close(): Promise<void>;
}

/**
 * A real Parley (in this process, on a fresh SQLite file, on a free port) with an echoing bot widget. The volume
 * limits are off: its tests send bursts on purpose (40 sends in 2 s met the 20 bot turns a minute per session).
 */
export async function startEchoParley(): Promise<EchoParley> {
  const dataDir = mkdtempSync(join(tmpdir(), 'parley-e2e-echo-'));
  const parley = await buildApp(
    loadConfig({ ...NO_VOLUME_LIMITS, PARLEY_DATA_DIR: dataDir, PARLEY_ADMIN_KEY: ADMIN_KEY, PARLEY_LOG_LEVEL: 'silent' }),
    {
      logger: false,
    },
  );
  const close = async (): Promise<void> => {
    await parley.app.close();
    rmSync(dataDir, { recursive: true, force: true });
  };
  try {
    const url = await parley.app.listen({ host: '127.0.0.1', port: 0 });
    const admin = async (path: string, body: unknown): Promise<string> => {
      const response = await fetch(`${url}${path}`, {
        method: 'POST',
        headers: { authorization: `Bearer ${ADMIN_KEY}`, 'content-type': 'application/json' },
        body: JSON.stringify(body),
      });
      const created: unknown = await response.json();
      if (!response.ok || typeof created !== 'object' || created === null || !('id' in created) || typeof created.id !== 'string')
        throw new Error(`${path}: HTTP ${response.status} ${JSON.stringify(created)}`);
      return created.id;
    };
    const botId = await admin('/v1/bots', { kind: 'builtin', name: 'Echo', config: { echo: true } });
    const widgetId = await admin('/v1/widgets', { name: 'Echo', botId });
    return { url, port: Number(new URL(url).port), widgetId, close };
  } catch (error) {
    await close();
    throw error;
  }
}
