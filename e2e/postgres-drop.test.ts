import { randomBytes } from 'node:crypto';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Message } from '@parley/protocol';
import {
  freePort,
  killServer,
  NO_VOLUME_LIMITS,
  SERVER_MAIN,
  startServer,
  startTcpProxy,
  type ServerProcess,
  type TcpProxy,
} from '@parley/testkit';
import { POSTGRES_URL, postgresUnavailable, withPostgres } from './support/postgres.js';

/**
 * Issue 12, point 1: what a PostgreSQL restart, a failover, PgBouncer or an idle timeout does to a node's
 * connections — pg_terminate_backend on them — must not end the node. Other tests use the same database
 * at the same time, so each node gets an application_name of its own and only its backends are terminated.
 */
const ADMIN_KEY = `pk_pgdrop_${randomBytes(16).toString('hex')}`;
const SECRET = `pgdrop-secret-${randomBytes(16).toString('hex')}`;
const RUN = randomBytes(4).toString('hex');
const VISITORS_PER_NODE = 6;
const PER_VISITOR = 40;
/** Under the gateway's 20 frames/s per sender, retries included. */
const SEND_EVERY_MS = 60;

interface Node {
  readonly server: ServerProcess;
  readonly baseUrl: string;
  readonly applicationName: string;
}

interface Visitor {
  readonly node: Node;
  readonly token: string;
  readonly conversationId: string;
  readonly acked: Set<string>;
  sendFailed: number;
}

/** Terminates every backend of these application names (only the test's own nodes), as a PostgreSQL restart would. */
function terminateBackends(applicationNames: readonly string[]): Promise<number> {
  return withPostgres(async (client) => {
    const { rows } = await client.query<{ done: boolean }>(
      'select pg_terminate_backend(pid) as done from pg_stat_activity where application_name = any($1::text[]) and pid <> pg_backend_pid()',
      [applicationNames],
    );
    return rows.filter((row) => row.done).length;
  });
}

function withApplicationName(url: string, applicationName: string): string {
  const parsed = new URL(url);
  parsed.searchParams.set('application_name', applicationName);
  return parsed.toString();
}

const alive = (node: Node): boolean => node.server.child.exitCode === null && node.server.child.signalCode === null;

async function until(
  check: () => boolean | Promise<boolean>,
  timeoutMs: number,
  what: () => string,
  nodes: readonly Node[] = [],
): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await check())) {
    const dead = nodes.find((node) => !alive(node));
    if (dead !== undefined) throw new Error(`${dead.applicationName} exited with ${dead.server.child.exitCode}:\n${dead.server.output()}`);
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what()}`);
    await sleep(50);
  }
}

async function api<T>(baseUrl: string, method: 'GET' | 'POST', path: string, token: string, body?: unknown): Promise<T> {
  const response = await fetch(`${baseUrl}${path}`, {
    method,
    headers: { authorization: `Bearer ${token}`, ...(body === undefined ? {} : { 'content-type': 'application/json' }) },
    ...(body === undefined ? {} : { body: JSON.stringify(body) }),
  });
  const text = await response.text();
  if (!response.ok) throw new Error(`${method} ${path}: HTTP ${response.status} ${text}`);
  const parsed: T = JSON.parse(text);
  return parsed;
}

const readyStatus = async (node: Node): Promise<number> => (await fetch(`${node.baseUrl}/readyz`)).status;

/**
 * A visitor's sends over the HTTP send endpoint (the upstream of SSE and long polling): one at a time, each
 * resent with its clientId after SEND_FAILED until acked, as the visitor's client does. A failed request
 * (the node is gone) fails the test.
 */
async function sendAll(visitor: Visitor, label: string): Promise<void> {
  for (let n = 0; n < PER_VISITOR; n++) {
    const clientId = `${label}-${n}`;
    for (;;) {
      const response = await fetch(`${visitor.node.baseUrl}/v1/realtime/poll/send?token=${encodeURIComponent(visitor.token)}`, {
        method: 'POST',
        body: JSON.stringify({ type: 'send', clientId, text: `${label} message ${n}` }),
      });
      const answer: { type?: string; code?: string; error?: { code: string } } = await response.json();
      if (answer.type === 'ack') break;
      // SEND_FAILED: the append failed. STORAGE_UNAVAILABLE (503): the token's check could not read the database.
      const code = answer.code ?? answer.error?.code;
      if (code === 'PARLEY_ERR_SEND_FAILED' || code === 'PARLEY_ERR_STORAGE_UNAVAILABLE') visitor.sendFailed += 1;
      else if (code !== 'PARLEY_ERR_FRAME_RATE_LIMITED') throw new Error(`${label}: unexpected answer ${JSON.stringify(answer)}`);
      await sleep(100);
    }
    visitor.acked.add(clientId);
    await sleep(SEND_EVERY_MS);
  }
}

async function storedMessages(visitor: Visitor): Promise<Message[]> {
  const page = await api<{ items: Message[] }>(
    visitor.node.baseUrl,
    'GET',
    `/v1/conversations/${visitor.conversationId}/messages?after=0&limit=500`,
    visitor.token,
  );
  return page.items;
}

describe('PostgreSQL connections dropped under a node (issue 12)', () => {
  const schema = `parley_pgdrop_${RUN}`;
  const dataDirs: string[] = [];
  const nodes: Node[] = [];
  const proxies: TcpProxy[] = [];
  let widgetId = '';

  async function startNode(name: string, databaseUrl = POSTGRES_URL): Promise<Node> {
    const dataDir = mkdtempSync(join(tmpdir(), 'parley-pgdrop-'));
    dataDirs.push(dataDir);
    const port = await freePort();
    const applicationName = `parley-test-${RUN}-${name}`;
    const server = await startServer(
      {
        ...NO_VOLUME_LIMITS,
        PARLEY_DATA_DIR: dataDir,
        PARLEY_PORT: String(port),
        PARLEY_HOST: '127.0.0.1',
        PARLEY_DATABASE_URL: withApplicationName(databaseUrl, applicationName),
        PARLEY_DATABASE_SCHEMA: schema,
        PARLEY_SECRET: SECRET,
        PARLEY_ADMIN_KEY: ADMIN_KEY,
      },
      30_000,
    );
    const node = { server, baseUrl: `http://127.0.0.1:${port}`, applicationName };
    nodes.push(node);
    return node;
  }

  async function openVisitors(node: Node, count: number): Promise<Visitor[]> {
    const visitors: Visitor[] = [];
    for (let i = 0; i < count; i++) {
      const session = await api<{ token: string; conversationId: string }>(
        node.baseUrl,
        'POST',
        `/v1/widgets/${widgetId}/sessions`,
        '',
        {},
      );
      visitors.push({ node, token: session.token, conversationId: session.conversationId, acked: new Set(), sendFailed: 0 });
    }
    return visitors;
  }

  /** Every acked message is stored exactly once; nothing else but the session's own opening messages. */
  async function expectEveryAckedMessageOnce(visitors: readonly Visitor[]): Promise<void> {
    for (const visitor of visitors) {
      expect(visitor.acked.size).toBe(PER_VISITOR);
      const clientIds = (await storedMessages(visitor)).flatMap((message) => (message.clientId === null ? [] : [message.clientId]));
      expect(new Set(clientIds).size, 'no clientId stored twice').toBe(clientIds.length);
      expect(new Set(clientIds)).toEqual(visitor.acked);
    }
  }

  beforeAll(async () => {
    expect(existsSync(SERVER_MAIN), `${SERVER_MAIN} is missing: run \`npm run build\` first (npm test does)`).toBe(true);
    const reason = await postgresUnavailable();
    if (reason !== null) throw new Error(`PostgreSQL at ${POSTGRES_URL} is needed for this suite: ${reason}`);
    const first = await startNode('setup');
    // A builtin bot without rules or fallback never answers: the only messages are the visitors'.
    const bot = await api<{ id: string }>(first.baseUrl, 'POST', '/v1/bots', ADMIN_KEY, { kind: 'builtin', name: 'Silent', config: {} });
    widgetId = (await api<{ id: string }>(first.baseUrl, 'POST', '/v1/widgets', ADMIN_KEY, { name: 'PostgreSQL drops', botId: bot.id })).id;
  }, 60_000);

  afterAll(async () => {
    await Promise.all(nodes.map((node) => killServer(node.server, 'SIGTERM')));
    await Promise.all(proxies.map((proxy) => proxy.close()));
    for (const dir of dataDirs) rmSync(dir, { recursive: true, force: true });
    await withPostgres((client) => client.query(`drop schema if exists "${schema}" cascade`)).catch(() => undefined);
  });

  /** Sends from every visitor while terminating the nodes' backends at three points of the load. */
  async function terminateUnderLoad(group: readonly Node[], visitors: readonly Visitor[]): Promise<number[]> {
    const total = visitors.length * PER_VISITOR;
    const acked = (): number => visitors.reduce((sum, visitor) => sum + visitor.acked.size, 0);
    const senders = visitors.map((visitor, i) => sendAll(visitor, `${visitor.node.applicationName}-v${i}`));
    const terminated: number[] = [];
    for (const share of [0.25, 0.5, 0.75]) {
      await until(
        () => acked() >= share * total,
        60_000,
        () => `${share * total} acks (${acked()} so far)`,
        group,
      );
      terminated.push(await terminateBackends(group.map((node) => node.applicationName)));
    }
    await Promise.all(senders);
    return terminated;
  }

  it('a node whose backends are terminated under load stays up, keeps every acked message once, and is ready after', async () => {
    const node = await startNode('single');
    const visitors = await openVisitors(node, VISITORS_PER_NODE);
    const terminated = await terminateUnderLoad([node], visitors);
    // Each termination hit the node's connections (or the test proves nothing).
    for (const count of terminated) expect(count).toBeGreaterThan(0);
    expect(alive(node), node.server.output()).toBe(true);
    await expectEveryAckedMessageOnce(visitors);
    await until(
      async () => (await readyStatus(node)) === 200,
      10_000,
      () => 'readyz 200',
      [node],
    );
    // Logged once per incident (three terminations), not once per dropped client.
    const logged = node.server.output().split('PostgreSQL connection lost').length - 1;
    expect(logged).toBeGreaterThan(0);
    expect(logged).toBeLessThanOrEqual(terminated.length);
    console.info(
      `pg drop, one node: terminated ${terminated.join('/')} backends; ${visitors.reduce((s, v) => s + v.sendFailed, 0)} sends answered SEND_FAILED or STORAGE_UNAVAILABLE and were resent`,
    );
  }, 120_000);

  it('two nodes on one schema both survive their backends being terminated', async () => {
    const group = [await startNode('a'), await startNode('b')];
    const visitors = [...(await openVisitors(group[0]!, VISITORS_PER_NODE / 2)), ...(await openVisitors(group[1]!, VISITORS_PER_NODE / 2))];
    const terminated = await terminateUnderLoad(group, visitors);
    for (const count of terminated) expect(count).toBeGreaterThan(1);
    for (const node of group) expect(alive(node), node.server.output()).toBe(true);
    await expectEveryAckedMessageOnce(visitors);
    for (const node of group) expect(await readyStatus(node)).toBe(200);
    console.info(
      `pg drop, two nodes: terminated ${terminated.join('/')} backends; ${visitors.reduce((s, v) => s + v.sendFailed, 0)} sends answered SEND_FAILED or STORAGE_UNAVAILABLE and were resent`,
    );
  }, 120_000);

  it('answers /readyz 503 while PostgreSQL cannot be reached and 200 again after, without a restart', async () => {
    const proxy = await startTcpProxy({ target: { host: '127.0.0.1', port: Number(new URL(POSTGRES_URL).port || 5432) } });
    proxies.push(proxy);
    const url = new URL(POSTGRES_URL);
    url.host = `127.0.0.1:${proxy.port}`;
    const node = await startNode('proxied', url.toString());
    const [visitor] = await openVisitors(node, 1);
    expect(await readyStatus(node)).toBe(200);

    proxy.cut();
    const cutAt = Date.now();
    await until(
      async () => (await readyStatus(node)) === 503,
      15_000,
      () => 'readyz 503 while the database is cut off',
      [node],
    );
    // A send meanwhile fails cleanly with a 503, to be resent: SEND_FAILED when its append failed, STORAGE_UNAVAILABLE
    // when already the token's check could not read the database (the client's outbox resends either).
    const refused = await fetch(`${node.baseUrl}/v1/realtime/poll/send?token=${encodeURIComponent(visitor!.token)}`, {
      method: 'POST',
      body: JSON.stringify({ type: 'send', clientId: 'during-cut', text: 'anyone there?' }),
    });
    expect(refused.status).toBe(503);
    const answer: { code?: string; error?: { code: string } } = await refused.json();
    expect(['PARLEY_ERR_SEND_FAILED', 'PARLEY_ERR_STORAGE_UNAVAILABLE']).toContain(answer.code ?? answer.error?.code);
    const notReadyAfterMs = Date.now() - cutAt;
    await sleep(1_000);
    expect(await readyStatus(node)).toBe(503);

    proxy.restore();
    const restoredAt = Date.now();
    await until(
      async () => (await readyStatus(node)) === 200,
      15_000,
      () => 'readyz 200 once the database is back',
      [node],
    );
    console.info(`pg cut: /readyz 503 ${notReadyAfterMs} ms after the cut, 200 again ${Date.now() - restoredAt} ms after the restore`);
    expect(alive(node)).toBe(true);
    const resent = await fetch(`${node.baseUrl}/v1/realtime/poll/send?token=${encodeURIComponent(visitor!.token)}`, {
      method: 'POST',
      body: JSON.stringify({ type: 'send', clientId: 'during-cut', text: 'anyone there?' }),
    });
    expect(await resent.json()).toMatchObject({ type: 'ack', clientId: 'during-cut', duplicate: false });
    const stored = (await storedMessages(visitor!)).filter((message) => message.clientId === 'during-cut');
    expect(stored).toHaveLength(1);
  }, 90_000);
});
