import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import { tmpdir } from 'node:os';
import { extname, join, resolve } from 'node:path';
import { freePort, killServer, startServer, type ServerProcess } from './built-server.js';

const EXAMPLES = resolve(import.meta.dirname, '../../../examples');
export const ADMIN_KEY = 'e2e-widget-admin-key-0123456789abcdef';
const TYPES: Readonly<Record<string, string>> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript',
  '.css': 'text/css',
  '.svg': 'image/svg+xml',
};

export interface WidgetEnv {
  /** The Parley server, at http://localhost:<port>. */
  readonly serverUrl: string;
  /** The host pages (examples/), at http://127.0.0.1:<port>: another origin than the server. */
  readonly hostUrl: string;
  readonly widgetId: string;
  readonly server: ServerProcess;
  /** Extra placeholders for the host pages (a second widget, a webhook URL). */
  readonly fill: Map<string, string>;
  /** Files served beside examples/ (a bundle built by a test, a picture a bot links to). */
  readonly files: Map<string, string>;
  admin(method: 'GET' | 'POST' | 'PATCH', path: string, body?: unknown): Promise<{ id: string } & Record<string, unknown>>;
  close(): Promise<void>;
}

/**
 * The built server as `npm start` runs it, and a second origin serving examples/ with its
 * placeholders filled in, under a strict Content-Security-Policy (no inline script, no eval): the
 * widget must work there exactly as the README promises. `serverEnv` adds to the server's environment
 * (`npm run screenshots` sets the console admin's login with it).
 */
export async function startWidgetEnv(serverEnv: Readonly<Record<string, string>> = {}): Promise<WidgetEnv> {
  const dataDir = mkdtempSync(join(tmpdir(), 'parley-widget-e2e-'));
  const port = await freePort();
  // The server's own default public URL (PARLEY_PUBLIC_URL unset).
  const serverUrl = `http://localhost:${port}`;
  const server = await startServer({ ...serverEnv, PARLEY_DATA_DIR: dataDir, PARLEY_PORT: String(port), PARLEY_ADMIN_KEY: ADMIN_KEY });
  const widgetId = /Demo widget: (wgt_\w+)/.exec(server.output())?.[1];
  if (widgetId === undefined) throw new Error(`no demo widget in the server output:\n${server.output()}`);
  const hostPort = await freePort();
  const hostUrl = `http://127.0.0.1:${hostPort}`;
  const fill = new Map<string, string>([
    ['SERVER', serverUrl],
    ['WIDGET', widgetId],
    ['ORIGIN', hostUrl],
  ]);
  const files = new Map<string, string>();
  const host: Server = createServer((request, response) => {
    const name = (request.url ?? '/').split('?')[0]?.replace(/^\/+/, '') ?? '';
    if (!/^[\w-]+\.(html|js|css|svg)$/.test(name)) return void response.writeHead(404).end();
    let body: string;
    try {
      body = files.get(name) ?? readFileSync(join(EXAMPLES, name), 'utf8');
    } catch {
      return void response.writeHead(404).end();
    }
    for (const [key, value] of fill) body = body.replaceAll(`%%${key}%%`, value);
    const ws = serverUrl.replace(/^http/, 'ws');
    const webhook = fill.get('WEBHOOK') ?? '';
    response.writeHead(200, {
      'content-type': TYPES[extname(name)] ?? 'text/plain',
      'content-security-policy': `default-src 'self'; script-src 'self' ${serverUrl}; connect-src ${serverUrl} ${ws} ${webhook}; frame-src ${serverUrl}; img-src 'self' https: data: ${serverUrl}; style-src 'self'`,
    });
    response.end(body);
  });
  await new Promise<void>((done) => host.listen(hostPort, '127.0.0.1', done));
  return {
    serverUrl,
    hostUrl,
    widgetId,
    server,
    fill,
    files,
    async admin(method, path, body) {
      const response = await fetch(`${serverUrl}${path}`, {
        method,
        headers: { authorization: `Bearer ${ADMIN_KEY}`, ...(body === undefined ? {} : { 'content-type': 'application/json' }) },
        ...(body === undefined ? {} : { body: JSON.stringify(body) }),
      });
      if (!response.ok) throw new Error(`${method} ${path}: ${response.status} ${await response.text()}`);
      return (await response.json()) as { id: string } & Record<string, unknown>;
    },
    async close() {
      await new Promise<void>((done) => host.close(() => done()));
      await killServer(server, 'SIGTERM');
      rmSync(dataDir, { recursive: true, force: true });
    },
  };
}
