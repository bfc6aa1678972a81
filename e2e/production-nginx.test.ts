import { execFileSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { request as httpRequest } from 'node:http';
import { request as httpsRequest } from 'node:https';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { WebSocket } from 'ws';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { freePort, SERVER_MAIN, startServer, type ServerProcess } from '@parley/testkit';
import { documentedNginxConfig, NGINX, replaceOnce, startNginxSite, type Nginx } from './support/nginx.js';

const PRODUCTION_DOC = resolve(import.meta.dirname, '../docs/production.md');
const ADMIN_KEY = 'pk_e2e_production_nginx_admin_key_0123456789';
const PUBLIC_URL = 'https://chat.example.com';
const CI = process.env['CI'] === 'true';
const OPENSSL = '/usr/bin/openssl';
const missing = [
  ...(existsSync(NGINX) ? [] : [`nginx (${NGINX}; apt-get install nginx)`]),
  ...(existsSync(OPENSSL) ? [] : [`openssl (${OPENSSL}, for a test certificate; apt-get install openssl)`]),
];

async function waitFor(condition: () => boolean): Promise<void> {
  for (let tries = 0; !condition(); tries++) {
    if (tries > 100) throw new Error('nginx did not log the WebSocket request within 5 s');
    await new Promise((done) => setTimeout(done, 50));
  }
}

interface Answer {
  readonly status: number;
  readonly headers: Record<string, string | string[] | undefined>;
  readonly body: string;
}

/**
 * docs/production.md's nginx block, as documented, in front of one node on SQLite: TLS with a
 * self-signed certificate standing in for Let's Encrypt's, the port-80 redirect, the public URL in the
 * embed code, the REST API and a WebSocket conversation through the proxy. Skipped without nginx
 * unless CI=true (.ci/run installs it there), like e2e/two-nodes-nginx.test.ts.
 */
describe.skipIf(missing.length > 0 && !CI)('one node behind nginx with TLS (docs/production.md’s configuration)', () => {
  let dataDir = '';
  let server: ServerProcess | undefined;
  let nginx: Nginx | undefined;
  let certificate = '';
  let httpsPort = 0;
  let httpPort = 0;

  beforeAll(async () => {
    if (missing.length > 0) throw new Error(`CI=true and this suite needs: ${missing.join('; ')}`);
    expect(existsSync(SERVER_MAIN), `${SERVER_MAIN} is missing: run \`npm run build\` first (npm test does)`).toBe(true);
    dataDir = mkdtempSync(join(tmpdir(), 'parley-production-'));
    const nodePort = await freePort();
    server = await startServer(
      {
        PARLEY_DATA_DIR: dataDir,
        PARLEY_PORT: String(nodePort),
        PARLEY_HOST: '127.0.0.1',
        PARLEY_PUBLIC_URL: PUBLIC_URL,
        PARLEY_TRUST_PROXY: '127.0.0.1',
        PARLEY_ADMIN_KEY: ADMIN_KEY,
        PARLEY_DATABASE_URL: '',
      },
      30_000,
    );
    nginx = await startNginxSite(async (dir) => {
      execFileSync(
        OPENSSL,
        [
          'req',
          '-x509',
          '-newkey',
          'ec',
          '-pkeyopt',
          'ec_paramgen_curve:prime256v1',
          '-nodes',
          '-days',
          '1',
          '-subj',
          '/CN=chat.example.com',
          '-addext',
          'subjectAltName=DNS:chat.example.com',
          '-keyout',
          join(dir, 'privkey.pem'),
          '-out',
          join(dir, 'fullchain.pem'),
        ],
        { stdio: 'ignore' },
      );
      certificate = readFileSync(join(dir, 'fullchain.pem'), 'utf8');
      httpPort = await freePort();
      httpsPort = await freePort();
      let site = documentedNginxConfig(PRODUCTION_DOC);
      site = replaceOnce(site, 'proxy_pass http://127.0.0.1:3000;', `proxy_pass http://127.0.0.1:${nodePort};`);
      site = replaceOnce(site, 'listen 80;', `listen 127.0.0.1:${httpPort};`);
      site = replaceOnce(site, 'listen 443 ssl;', `listen 127.0.0.1:${httpsPort} ssl;`);
      site = replaceOnce(site, '/etc/letsencrypt/live/chat.example.com/fullchain.pem', join(dir, 'fullchain.pem'));
      site = replaceOnce(site, '/etc/letsencrypt/live/chat.example.com/privkey.pem', join(dir, 'privkey.pem'));
      site = replaceOnce(site, '/var/log/nginx/', `${dir}/logs/`);
      return { site, port: httpsPort };
    });
  }, 90_000);

  afterAll(async () => {
    await nginx?.stop();
    if (server !== undefined && server.child.exitCode === null) {
      server.child.kill('SIGTERM');
      await server.exited;
    }
    if (dataDir !== '') rmSync(dataDir, { recursive: true, force: true });
  });

  /** A request to nginx's TLS port, trusting only the test's certificate, as a browser at chat.example.com would. */
  function https(method: string, path: string, body?: unknown): Promise<Answer> {
    return new Promise((done, fail) => {
      const payload = body === undefined ? undefined : JSON.stringify(body);
      const req = httpsRequest(
        {
          host: '127.0.0.1',
          port: httpsPort,
          method,
          path,
          servername: 'chat.example.com',
          ca: certificate,
          headers: {
            host: 'chat.example.com',
            authorization: `Bearer ${ADMIN_KEY}`,
            ...(payload === undefined ? {} : { 'content-type': 'application/json' }),
          },
        },
        (response) => {
          let text = '';
          response.on('data', (chunk: Buffer) => (text += chunk.toString()));
          response.on('end', () => done({ status: response.statusCode ?? 0, headers: response.headers, body: text }));
        },
      );
      req.on('error', fail);
      req.end(payload);
    });
  }

  it('sends plain http to https, keeping the path', async () => {
    const answer = await new Promise<Answer>((done, fail) => {
      const req = httpRequest(
        { host: '127.0.0.1', port: httpPort, path: '/v1/widgets?x=1', headers: { host: 'chat.example.com' } },
        (response) => {
          response.resume();
          response.on('end', () => done({ status: response.statusCode ?? 0, headers: response.headers, body: '' }));
        },
      );
      req.on('error', fail);
      req.end();
    });
    expect(answer.status).toBe(301);
    expect(answer.headers['location']).toBe('https://chat.example.com/v1/widgets?x=1');
  });

  it('serves the home page over TLS with an embed code on PARLEY_PUBLIC_URL', async () => {
    const home = await https('GET', '/');
    expect(home.status).toBe(200);
    expect(home.body).toContain(`&lt;script async src=&quot;${PUBLIC_URL}/widget.js&quot;`);
  });

  it('carries a visitor session and a WebSocket conversation through the proxy', async () => {
    const bot = await https('POST', '/v1/bots', { kind: 'builtin', name: 'Silent', config: {} });
    const widget = await https('POST', '/v1/widgets', { name: 'Behind nginx', botId: JSON.parse(bot.body).id });
    expect(widget.status, widget.body).toBe(201);
    const widgetId: unknown = JSON.parse(widget.body).id;
    const session = await https('POST', `/v1/widgets/${String(widgetId)}/sessions`, {});
    expect(session.status, session.body).toBe(201);
    const token: unknown = JSON.parse(session.body).token;

    // ws passes TLS options on to tls.connect; its types omit servername (the name the certificate is checked against).
    const tls = { ca: certificate, servername: 'chat.example.com', headers: { host: 'chat.example.com' } };
    const ws = new WebSocket(`wss://127.0.0.1:${httpsPort}/v1/realtime/ws?token=${encodeURIComponent(String(token))}`, tls);
    const texts: string[] = [];
    const stored = new Promise<void>((done, fail) => {
      ws.on('error', fail);
      ws.on('close', (code) => fail(new Error(`closed with ${code} before the message came back`)));
      ws.on('open', () => ws.send(JSON.stringify({ type: 'hello', v: 1, lastSeq: 0 })));
      ws.on('message', (data) => {
        const frame: { type?: string; message?: { text?: string } } = JSON.parse(data.toString());
        if (frame.type === 'welcome') ws.send(JSON.stringify({ type: 'send', clientId: 'through-nginx-1', text: 'hello through nginx' }));
        if (frame.type === 'message' && typeof frame.message?.text === 'string') {
          texts.push(frame.message.text);
          if (frame.message.text === 'hello through nginx') done();
        }
      });
    });
    await stored;
    ws.removeAllListeners('close');
    // nginx logs a WebSocket request when it ends.
    await new Promise<void>((done) => {
      ws.once('close', () => done());
      ws.close();
    });
    await waitFor(() => nginx?.accessLog().includes('/v1/realtime/ws') === true);
    expect(texts).toContain('hello through nginx');
    // The documented log format keeps the token out of the access log.
    expect(nginx?.accessLog()).toContain('"GET /v1/realtime/ws" 101');
    expect(nginx?.accessLog()).not.toContain(String(token));
  });
});
