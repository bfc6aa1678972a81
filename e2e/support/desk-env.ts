import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { SMTPServer } from 'smtp-server';
import { freePort, killServer, startServer, type ServerProcess } from './server-process.js';

const SCRIPT_TAG_PAGE = resolve(import.meta.dirname, '../../examples/script-tag.html');
const HOST_CSS = resolve(import.meta.dirname, '../../examples/host.css');
const ADMIN_KEY = 'e2e-desk-admin-key-0123456789abcdef';
export const DESK_ADMIN = { email: 'admin@example.com', password: 'correct horse battery' } as const;

export interface ReceivedMail {
  readonly to: readonly string[];
  readonly raw: string;
}

export interface DeskEnv {
  /** The Parley server (and the console, at /console), at PARLEY_PUBLIC_URL. */
  readonly serverUrl: string;
  /** Host pages on another origin: `hostPage(widgetId)` is examples/script-tag.html embedding that widget. */
  hostPage(widgetId: string): string;
  /** The widget created on first start (answered by the built-in FAQ bot). */
  readonly demoWidgetId: string;
  /** Every mail the test's SMTP server accepted. */
  readonly mails: ReceivedMail[];
  /** The REST API with the admin key, or with an agent's login token. */
  api<T = Record<string, unknown>>(method: string, path: string, body?: unknown, token?: string): Promise<T>;
  close(): Promise<void>;
}

/**
 * The built server as `npm start` runs it, with a real SMTP server (smtp-server) behind
 * PARLEY_SMTP_URL and PARLEY_MAIL_DELAY_MS shortened, and a second origin serving the script-tag
 * host page under a strict Content-Security-Policy.
 */
export async function startDeskEnv(): Promise<DeskEnv> {
  const mails: ReceivedMail[] = [];
  const smtp = new SMTPServer({
    authOptional: true,
    disabledCommands: ['STARTTLS'],
    logger: false,
    onData(stream, session, done) {
      let raw = '';
      stream.on('data', (chunk: Buffer) => (raw += chunk.toString()));
      stream.on('end', () => {
        mails.push({ to: session.envelope.rcptTo.map((rcpt) => rcpt.address), raw });
        done();
      });
    },
  });
  const smtpPort = await freePort();
  await new Promise<void>((done) => smtp.listen(smtpPort, '127.0.0.1', done));

  const dataDir = mkdtempSync(join(tmpdir(), 'parley-desk-e2e-'));
  const port = await freePort();
  const serverUrl = `http://localhost:${port}`;
  const server: ServerProcess = await startServer({
    PARLEY_DATA_DIR: dataDir,
    PARLEY_PORT: String(port),
    PARLEY_PUBLIC_URL: serverUrl,
    PARLEY_ADMIN_KEY: ADMIN_KEY,
    PARLEY_ADMIN_EMAIL: DESK_ADMIN.email,
    PARLEY_ADMIN_PASSWORD: DESK_ADMIN.password,
    PARLEY_SMTP_URL: `smtp://127.0.0.1:${smtpPort}`,
    PARLEY_MAIL_FROM: 'Parley <support@example.com>',
    // Replies unread for a second (not the production minute) are mailed.
    PARLEY_MAIL_DELAY_MS: '1000',
  });
  const demoWidgetId = /Demo widget: (wgt_\w+)/.exec(server.output())?.[1];
  if (demoWidgetId === undefined) throw new Error(`no demo widget in the server output:\n${server.output()}`);

  const hostPort = await freePort();
  const hostUrl = `http://127.0.0.1:${hostPort}`;
  const host: Server = createServer((request, response) => {
    const url = new URL(request.url ?? '/', hostUrl);
    if (url.pathname === '/host.css') return void response.writeHead(200, { 'content-type': 'text/css' }).end(readFileSync(HOST_CSS));
    const widgetId = url.searchParams.get('widget') ?? '';
    if (url.pathname !== '/script-tag.html' || !/^wgt_\w+$/.test(widgetId)) return void response.writeHead(404).end();
    const page = readFileSync(SCRIPT_TAG_PAGE, 'utf8').replaceAll('%%SERVER%%', serverUrl).replaceAll('%%WIDGET%%', widgetId);
    const ws = serverUrl.replace(/^http/, 'ws');
    response.writeHead(200, {
      'content-type': 'text/html; charset=utf-8',
      'content-security-policy': `default-src 'self'; script-src 'self' ${serverUrl}; connect-src ${serverUrl} ${ws}; img-src 'self' data: ${serverUrl}; style-src 'self'`,
    });
    response.end(page);
  });
  await new Promise<void>((done) => host.listen(hostPort, '127.0.0.1', done));

  return {
    serverUrl,
    demoWidgetId,
    mails,
    hostPage: (widgetId) => `${hostUrl}/script-tag.html?widget=${widgetId}`,
    async api<T>(method: string, path: string, body?: unknown, token = ADMIN_KEY): Promise<T> {
      const response = await fetch(`${serverUrl}${path}`, {
        method,
        headers: { authorization: `Bearer ${token}`, ...(body === undefined ? {} : { 'content-type': 'application/json' }) },
        ...(body === undefined ? {} : { body: JSON.stringify(body) }),
      });
      const text = await response.text();
      if (!response.ok) throw new Error(`${method} ${path}: ${response.status} ${text}`);
      return (text === '' ? undefined : JSON.parse(text)) as T;
    },
    async close() {
      await new Promise<void>((done) => host.close(() => done()));
      await killServer(server, 'SIGTERM');
      await new Promise<void>((done) => smtp.close(() => done()));
      rmSync(dataDir, { recursive: true, force: true });
    },
  };
}
