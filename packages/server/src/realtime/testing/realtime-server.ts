import type { BuildOptions } from '../../app.js';
import type { Services } from '../../services.js';
import { buildTestApp, describeEachDialect, TEST_ADMIN_KEY, type Dialect } from '../../testing/test-server.js';

/** Test-only: a real app listening on 127.0.0.1:0, since sockets cannot go through `inject`. */
export interface RealtimeServer {
  readonly baseUrl: string;
  readonly services: Services;
  readonly dialect: Dialect;
  /** JSON over fetch; `auth` is the admin key by default, `null` for none, or a session token. */
  json(
    method: string,
    path: string,
    body?: unknown,
    auth?: string | null,
    headers?: Record<string, string>,
  ): Promise<{ status: number; body: Record<string, unknown> }>;
  close(): Promise<void>;
}

/** `env` adds PARLEY_* variables to the test configuration (PARLEY_ICE_SERVERS, …). */
export async function startRealtimeServer(
  dialect: Dialect,
  options: BuildOptions = {},
  env: Readonly<Record<string, string>> = {},
): Promise<RealtimeServer> {
  const { app, services, dispose } = await buildTestApp(dialect, options, env);
  const address = await app.listen({ host: '127.0.0.1', port: 0 });
  let closed = false;
  return {
    baseUrl: address,
    services,
    dialect,
    async json(method, path, body, auth = TEST_ADMIN_KEY, headers = {}) {
      const response = await fetch(`${address}${path}`, {
        method,
        headers: {
          ...(body === undefined ? {} : { 'content-type': 'application/json' }),
          ...(auth === null ? {} : { authorization: `Bearer ${auth}` }),
          ...headers,
        },
        ...(body === undefined ? {} : { body: JSON.stringify(body) }),
      });
      const text = await response.text();
      const parsed: unknown = text === '' ? {} : JSON.parse(text);
      return { status: response.status, body: isRecord(parsed) ? parsed : {} };
    },
    async close() {
      if (closed) return;
      closed = true;
      await dispose();
    },
  };
}

export function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** A builtin bot, a widget and a visitor session on it. */
export async function openVisitor(
  server: RealtimeServer,
  widget: Record<string, unknown> = {},
): Promise<{ token: string; conversationId: string; widgetId: string }> {
  const bot = await server.json('POST', '/v1/bots', {
    kind: 'builtin',
    name: 'FAQ',
    config: { rules: [], fallback: 'Sorry, I did not get that.' },
  });
  const created = await server.json('POST', '/v1/widgets', { name: 'Realtime', botId: bot.body['id'], ...widget });
  const widgetId = String(created.body['id']);
  const origin = Array.isArray(widget['origin']) && typeof widget['origin'][0] === 'string' ? { origin: widget['origin'][0] } : undefined;
  const session = await server.json('POST', `/v1/widgets/${widgetId}/sessions`, {}, null, origin);
  if (session.status !== 201) throw new Error(`session creation failed: ${JSON.stringify(session.body)}`);
  return { token: String(session.body['token']), conversationId: String(session.body['conversationId']), widgetId };
}

/** Like describeEachStore: the suite once per dialect, each on its own listening server. */
export function describeEachStoreListening(
  name: string,
  suite: (server: () => RealtimeServer) => void,
  options: BuildOptions = {},
  env: Readonly<Record<string, string>> = {},
): void {
  describeEachDialect(name, (dialect) => startRealtimeServer(dialect, options, env), suite);
}
