import { randomBytes } from 'node:crypto';
import { once } from 'node:events';
import { mkdtempSync, rmSync } from 'node:fs';
import { createServer, type IncomingHttpHeaders } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { afterAll, describe, expect, it } from 'vitest';
import { freePort, killServer, startServer, type ServerProcess } from '@parley/testkit';
import { POSTGRES_URL, postgresToUse, withPostgres } from './support/postgres.js';

async function api(baseUrl: string, key: string | null, path: string, body: unknown): Promise<Record<string, unknown>> {
  const response = await fetch(`${baseUrl}${path}`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...(key === null ? {} : { authorization: `Bearer ${key}` }) },
    body: JSON.stringify(body),
  });
  const text = await response.text();
  if (!response.ok) throw new Error(`POST ${path}: HTTP ${response.status} ${text}`);
  return JSON.parse(text);
}

describe('webhooks survive a crash (issue 17)', { timeout: 180_000 }, () => {
  const servers: ServerProcess[] = [];
  const closers: (() => Promise<void>)[] = [];

  afterAll(async () => {
    for (const server of servers) await killServer(server, 'SIGKILL');
    for (const close of closers) await close();
  });

  it.each(['sqlite', 'postgres'] as const)(
    'on %s: a message stored before a SIGKILL, whose webhook was not delivered yet, is delivered after the restart',
    async (dialect) => {
      const dataDir = mkdtempSync(join(tmpdir(), 'parley-webhooks-crash-'));
      closers.push(async () => rmSync(dataDir, { recursive: true, force: true }));
      let database = {};
      if (dialect === 'postgres') {
        if (!(await postgresToUse())) return;
        const schema = `parley_e2e_webhooks_crash_${process.pid}_${Math.random().toString(36).slice(2, 8)}`;
        closers.push(() => withPostgres(async (client) => void (await client.query(`drop schema if exists "${schema}" cascade`))));
        database = { PARLEY_DATABASE_URL: POSTGRES_URL, PARLEY_DATABASE_SCHEMA: schema };
      }
      const key = randomBytes(24).toString('hex');
      const port = await freePort();
      const receiverPort = await freePort();
      const baseUrl = `http://127.0.0.1:${port}`;
      const env = {
        PARLEY_DATA_DIR: dataDir,
        PARLEY_PORT: String(port),
        PARLEY_ADMIN_KEY: key,
        PARLEY_WEBHOOKS_ALLOW_PRIVATE: '1',
        ...database,
      };
      const first = await startServer(env);
      servers.push(first);
      const widgetId = /Demo widget: (wgt_\w+)/.exec(first.output())?.[1];
      if (widgetId === undefined) throw new Error(`no demo widget in:\n${first.output()}`);

      // The receiver is not listening yet: the first attempt finds nobody, so nothing is delivered before the crash.
      await api(baseUrl, key, '/v1/webhooks', { url: `http://127.0.0.1:${receiverPort}/hook`, events: ['message.created'], widgetId });
      const session = await api(baseUrl, null, `/v1/widgets/${widgetId}/sessions`, {});
      const conversationId = String(session['conversationId']);
      const text = `stored before the crash ${randomBytes(4).toString('hex')}`;
      await api(baseUrl, String(session['token']), `/v1/conversations/${conversationId}/messages`, { text, clientId: 'crash-0001' });
      expect(await killServer(first, 'SIGKILL')).toBeNull();

      const received: { headers: IncomingHttpHeaders; body: string }[] = [];
      const receiver = createServer((request, response) => {
        const chunks: Buffer[] = [];
        request.on('data', (chunk: Buffer) => chunks.push(chunk));
        request.on('end', () => {
          received.push({ headers: request.headers, body: Buffer.concat(chunks).toString('utf8') });
          response.writeHead(204).end();
        });
      });
      receiver.listen(receiverPort, '127.0.0.1');
      await once(receiver, 'listening');
      closers.push(() => new Promise((resolve) => receiver.close(() => resolve())));

      servers.push(await startServer(env));
      // The first retry is due 5 s (±20 %) after the failed attempt. A SIGKILL that lands while that attempt is on its
      // way leaves the delivery leased for a minute (the worker's leaseMs: another node could be sending it), so the
      // restarted node may have to wait that out first; the deadline only bounds a broken run.
      const deadline = Date.now() + 80_000;
      while (!received.some((request) => request.body.includes(text)) && Date.now() < deadline) await sleep(100);
      const delivered = received.filter((request) => request.body.includes(text));
      expect(delivered).toHaveLength(1);
      const envelope = JSON.parse(delivered[0]?.body ?? '{}');
      expect(envelope).toMatchObject({ type: 'message.created', data: { conversation: { id: conversationId }, message: { text } } });
      expect(delivered[0]?.headers['webhook-signature']).toMatch(/^v1,/);
    },
  );
});
