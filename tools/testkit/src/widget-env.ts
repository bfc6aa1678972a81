import { readFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import { extname, join, resolve } from 'node:path';
import { freePort, startFreshServer } from './built-server.js';

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
  /**
   * Extra placeholders for the host pages (a second widget, a webhook URL). A page asked for with
   * `?widget=<id>` embeds that widget instead of `WIDGET`'s, so pages of several widgets can be open at once.
   */
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
  const server = await startFreshServer({ ...serverEnv, PARLEY_ADMIN_KEY: ADMIN_KEY });
  const { url: serverUrl, demoWidgetId: widgetId } = server;
  const hostPort = await freePort();
  const hostUrl = `http://127.0.0.1:${hostPort}`;
  const fill = new Map<string, string>([
    ['SERVER', serverUrl],
    ['WIDGET', widgetId],
    ['ORIGIN', hostUrl],
  ]);
  const files = new Map<string, string>();
  const host: Server = createServer((request, response) => {
    const url = new URL(request.url ?? '/', hostUrl);
    const name = url.pathname.replace(/^\/+/, '');
    const widget = url.searchParams.get('widget');
    if (!/^[\w-]+\.(html|js|css|svg)$/.test(name) || (widget !== null && !/^wgt_\w+$/.test(widget))) {
      return void response.writeHead(404).end();
    }
    let body: string;
    try {
      body = files.get(name) ?? readFileSync(join(EXAMPLES, name), 'utf8');
    } catch {
      return void response.writeHead(404).end();
    }
    for (const [key, value] of fill) body = body.replaceAll(`%%${key}%%`, key === 'WIDGET' ? (widget ?? value) : value);
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
      await server.close();
    },
  };
}
