import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { connect } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { WebSocket } from 'ws';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ServerFrame } from '@parley/protocol';
import { freePort, NO_VOLUME_LIMITS, SERVER_MAIN, startServer, type ServerProcess } from '@parley/testkit';
import { NGINX, startNginx, type Nginx } from './support/nginx.js';
import { POSTGRES_URL, postgresUnavailable, withPostgres } from './support/postgres.js';

const REDIS_URL = 'redis://127.0.0.1:6379';
const ADMIN_KEY = 'pk_e2e_two_nodes_nginx_admin_key_0123456789';
const SECRET = 'e2e-two-nodes-nginx-secret-0123456789abcdef';
const CI = process.env['CI'] === 'true';

/** Messages per side and run: 500 each way, 1,000 in all. */
const PER_SIDE = 500;
/** Sends per second per connection, under the server's 20 frames/s (burst 40) with typing and read frames on top. */
const SENDS_PER_SECOND = 15;
/** Every this many sends, a side also sends typing and a read receipt. */
const EVERY = 50;

const sleep = (ms: number) => new Promise<void>((done) => setTimeout(done, ms));

function redisAnswers(): Promise<string | null> {
  return new Promise((done) => {
    const socket = connect(6379, '127.0.0.1');
    const timer = setTimeout(() => finish('no answer within 2 s'), 2_000);
    function finish(reason: string | null) {
      clearTimeout(timer);
      socket.destroy();
      done(reason);
    }
    socket.once('connect', () => socket.write('PING\r\n'));
    socket.once('data', (data) => finish(data.toString().startsWith('+PONG') ? null : `answered ${data.toString().trim()}`));
    socket.once('error', (error) => finish(error.message));
  });
}

async function missingPrerequisites(): Promise<string[]> {
  const missing: string[] = [];
  if (!existsSync(NGINX)) missing.push(`nginx (${NGINX}; apt-get install nginx)`);
  const postgres = await postgresUnavailable();
  if (postgres !== null) missing.push(`PostgreSQL at ${POSTGRES_URL} (${postgres})`);
  const redis = await redisAnswers();
  if (redis !== null) missing.push(`Redis at ${REDIS_URL} (${redis})`);
  return missing;
}

const missing = await missingPrerequisites();

interface Node extends ServerProcess {
  readonly port: number;
}

async function startNode(port: number, dataDir: string, schema: string): Promise<Node> {
  const server = await startServer(
    {
      ...NO_VOLUME_LIMITS,
      PARLEY_DATA_DIR: dataDir,
      PARLEY_PORT: String(port),
      PARLEY_HOST: '127.0.0.1',
      PARLEY_DATABASE_URL: POSTGRES_URL,
      PARLEY_DATABASE_SCHEMA: schema,
      PARLEY_REDIS_URL: REDIS_URL,
      PARLEY_SECRET: SECRET,
      PARLEY_ADMIN_KEY: ADMIN_KEY,
      // As docs/deploy.md says: believe nginx's X-Forwarded-For (nginx runs on this machine).
      PARLEY_TRUST_PROXY: '127.0.0.1',
    },
    30_000,
  );
  return { ...server, port };
}

function stopNode(node: Node): Promise<void> {
  if (node.child.exitCode !== null || node.child.signalCode !== null) return Promise.resolve();
  return new Promise((done) => {
    const kill = setTimeout(() => node.child.kill('SIGKILL'), 10_000);
    node.child.once('exit', () => {
      clearTimeout(kill);
      done();
    });
    node.child.kill('SIGTERM');
  });
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function isServerFrame(value: unknown): value is ServerFrame {
  return isRecord(value) && typeof value['type'] === 'string';
}

async function api(baseUrl: string, method: string, path: string, token: string, body?: unknown): Promise<Record<string, unknown>> {
  const response = await fetch(`${baseUrl}${path}`, {
    method,
    headers: { authorization: `Bearer ${token}`, ...(body === undefined ? {} : { 'content-type': 'application/json' }) },
    ...(body === undefined ? {} : { body: JSON.stringify(body) }),
  });
  const parsed: unknown = await response.json();
  if (!response.ok || !isRecord(parsed)) throw new Error(`${method} ${path}: HTTP ${response.status} ${JSON.stringify(parsed)}`);
  return parsed;
}

function text(record: Record<string, unknown>, key: string): string {
  const value = record[key];
  if (typeof value !== 'string') throw new Error(`expected a string ${key} in ${JSON.stringify(record)}`);
  return value;
}

interface StoredMessage {
  readonly id: string;
  readonly seq: number;
  readonly text: string;
  readonly role: string;
}

function storedMessage(value: unknown): StoredMessage {
  if (!isRecord(value) || !isRecord(value['author']) || typeof value['seq'] !== 'number')
    throw new Error(`not a message: ${JSON.stringify(value)}`);
  return { id: text(value, 'id'), seq: value['seq'], text: text(value, 'text'), role: text(value['author'], 'role') };
}

/** The whole stored history, paged with `after=` the way a client catches up. */
async function history(baseUrl: string, conversationId: string, token: string): Promise<StoredMessage[]> {
  const all: StoredMessage[] = [];
  for (;;) {
    const after = all.at(-1)?.seq ?? 0;
    const page = await api(baseUrl, 'GET', `/v1/conversations/${conversationId}/messages?after=${after}&limit=200`, token);
    const items = page['items'];
    if (!Array.isArray(items)) throw new Error(`no items: ${JSON.stringify(page)}`);
    if (items.length === 0) return all;
    all.push(...items.map(storedMessage));
  }
}

/** A WebSocket participant: every frame it received, in arrival order. */
class Participant {
  readonly frames: ServerFrame[] = [];
  private readonly waiters = new Set<() => void>();
  closed: { code: number; reason: string } | null = null;

  private constructor(readonly ws: WebSocket) {}

  static open(url: string): Promise<Participant> {
    return new Promise((done, fail) => {
      const ws = new WebSocket(url);
      const participant = new Participant(ws);
      ws.on('unexpected-response', (_request, response) =>
        fail(new Error(`HTTP ${response.statusCode} for ${url.replace(/token=[^&]*/, 'token=…')}`)),
      );
      ws.on('error', fail);
      ws.on('open', () => ws.send(JSON.stringify({ type: 'hello', v: 1, lastSeq: 0 })));
      ws.on('close', (code, reason) => {
        participant.closed = { code, reason: reason.toString() };
        participant.notify();
      });
      ws.on('message', (data) => {
        const value: unknown = JSON.parse(data.toString());
        if (!isServerFrame(value)) throw new Error(`not a frame: ${data.toString()}`);
        participant.frames.push(value);
        participant.notify();
        if (value.type === 'welcome') done(participant);
      });
    });
  }

  private notify(): void {
    for (const waiter of this.waiters) waiter();
  }

  send(frame: Record<string, unknown>): void {
    this.ws.send(JSON.stringify(frame));
  }

  messages(): Extract<ServerFrame, { type: 'message' }>['message'][] {
    return this.frames.flatMap((frame) => (frame.type === 'message' ? [frame.message] : []));
  }

  lastSeq(): number {
    return this.messages().at(-1)?.seq ?? 0;
  }

  waitUntil(condition: () => boolean, what: string, timeoutMs = 20_000): Promise<void> {
    if (condition()) return Promise.resolve();
    return new Promise((done, fail) => {
      const check = () => {
        if (condition()) {
          clearTimeout(timer);
          this.waiters.delete(check);
          done();
        } else if (this.closed !== null) {
          clearTimeout(timer);
          this.waiters.delete(check);
          fail(new Error(`closed (${this.closed.code} ${this.closed.reason}) while waiting for ${what}`));
        }
      };
      const timer = setTimeout(() => {
        this.waiters.delete(check);
        fail(new Error(`timed out waiting for ${what}`));
      }, timeoutMs);
      this.waiters.add(check);
    });
  }

  close(): Promise<void> {
    if (this.closed !== null) return Promise.resolve();
    const closed = this.waitUntil(() => this.closed !== null, 'close', 5_000);
    this.ws.close();
    return closed;
  }
}

/** Sends PER_SIDE messages at SENDS_PER_SECOND, with typing and a read receipt of what it holds every EVERY messages. */
async function talk(side: Participant, name: string, run: string): Promise<void> {
  const interval = 1_000 / SENDS_PER_SECOND;
  let next = Date.now();
  for (let i = 0; i < PER_SIDE; i++) {
    if (i % EVERY === 0) side.send({ type: 'typing', active: true });
    side.send({ type: 'send', clientId: `${run}-${name}-${String(i).padStart(4, '0')}`, text: `${name} ${i}` });
    if (i % EVERY === EVERY - 1) side.send({ type: 'read', seq: side.lastSeq() });
    // Never catch up after a stall (a loaded machine): a burst of catch-up sends would trip the rate limit.
    next = Math.max(next + interval, Date.now());
    const wait = next - Date.now();
    if (wait > 0) await sleep(wait);
  }
}

interface Exchange {
  readonly visitor: Participant;
  readonly agent: Participant;
  readonly conversationId: string;
  readonly token: string;
}

/** Opens a visitor session through `api`, then connects the visitor to `visitorUrl` and the agent to `agentUrl`, one after the other. */
async function openExchange(apiUrl: string, widgetId: string, visitorUrl: string, agentUrl: string): Promise<Exchange> {
  const session = await api(apiUrl, 'POST', `/v1/widgets/${widgetId}/sessions`, ADMIN_KEY, {});
  const token = text(session, 'token');
  const conversationId = text(session, 'conversationId');
  const wsUrl = (base: string) => base.replace(/^http/, 'ws');
  const visitor = await Participant.open(`${wsUrl(visitorUrl)}/v1/realtime/ws?token=${encodeURIComponent(token)}`);
  const agent = await Participant.open(
    `${wsUrl(agentUrl)}/v1/realtime/ws?token=${encodeURIComponent(ADMIN_KEY)}&conversationId=${encodeURIComponent(conversationId)}`,
  );
  return { visitor, agent, conversationId, token };
}

/** 1,000 messages, typing and read receipts between the two; then checks both sides and the stored history. */
async function exchangeAndVerify(exchange: Exchange, apiUrl: string, run: string): Promise<void> {
  const { visitor, agent } = exchange;
  const started = Date.now();
  await Promise.all([talk(visitor, 'visitor', run), talk(agent, 'agent', run)]);
  const acks = (side: Participant) => side.frames.flatMap((frame) => (frame.type === 'ack' ? [frame] : []));
  await visitor.waitUntil(() => acks(visitor).length === PER_SIDE, 'the visitor’s acks');
  await agent.waitUntil(() => acks(agent).length === PER_SIDE, 'the agent’s acks');
  const lastSeq = Math.max(...acks(visitor).map((a) => a.seq), ...acks(agent).map((a) => a.seq));
  await visitor.waitUntil(() => visitor.lastSeq() >= lastSeq, `seq ${lastSeq} at the visitor`);
  await agent.waitUntil(() => agent.lastSeq() >= lastSeq, `seq ${lastSeq} at the agent`);
  // Both read up to everything: each must see the other's final cursor.
  visitor.send({ type: 'read', seq: lastSeq });
  agent.send({ type: 'read', seq: lastSeq });
  const readBy = (side: Participant, role: string, seq: number) => () =>
    side.frames.some((frame) => frame.type === 'read' && frame.reader.role === role && frame.seq >= seq);
  await visitor.waitUntil(readBy(visitor, 'agent', lastSeq), 'the agent’s final read receipt at the visitor');
  await agent.waitUntil(readBy(agent, 'visitor', lastSeq), 'the visitor’s final read receipt at the agent');
  const elapsed = Date.now() - started;

  for (const side of [visitor, agent]) {
    expect(side.frames.filter((frame) => frame.type === 'error')).toEqual([]);
    expect(side.closed).toBeNull();
    expect(acks(side).filter((a) => a.duplicate)).toEqual([]);
  }
  const stored = await history(apiUrl, exchange.conversationId, exchange.token);
  expect(stored.map((m) => m.seq)).toEqual(stored.map((_, i) => i + 1));
  expect(stored.at(-1)?.seq).toBe(lastSeq);
  for (const name of ['visitor', 'agent']) {
    const sent = stored.filter((m) => m.text.startsWith(`${name} `)).map((m) => m.text);
    // None lost, none doubled, and each side's messages stored in the order it sent them.
    expect(sent).toEqual(Array.from({ length: PER_SIDE }, (_, i) => `${name} ${i}`));
  }
  expect(stored.filter((m) => m.text.startsWith('visitor ')).every((m) => m.role === 'visitor')).toBe(true);
  expect(stored.filter((m) => m.text.startsWith('agent ')).every((m) => m.role === 'agent')).toBe(true);
  const summary = (m: { id: string; seq: number; text: string }) => `${m.seq} ${m.id} ${m.text}`;
  for (const side of [visitor, agent]) {
    // Every message exactly once, in seq order, contiguous: the same list as the database's.
    expect(side.messages().map(summary)).toEqual(stored.map(summary));
  }
  // Ephemeral and durable events crossed in both directions.
  const typingFrom = (side: Participant, role: string) =>
    side.frames.filter((frame) => frame.type === 'typing' && frame.active && frame.author.role === role).length;
  expect(typingFrom(visitor, 'agent')).toBeGreaterThan(0);
  expect(typingFrom(agent, 'visitor')).toBeGreaterThan(0);
  const readsFrom = (side: Participant, role: string) =>
    side.frames.filter((frame) => frame.type === 'read' && frame.reader.role === role).length;
  expect(readsFrom(visitor, 'agent')).toBeGreaterThanOrEqual(PER_SIDE / EVERY);
  expect(readsFrom(agent, 'visitor')).toBeGreaterThanOrEqual(PER_SIDE / EVERY);
  console.info(`[two-nodes-nginx] ${run}: ${stored.length} messages (seq 1–${lastSeq}) exchanged and verified in ${elapsed} ms`);
}

describe.skipIf(missing.length > 0 && !CI)('two nodes behind nginx (docs/deploy.md’s configuration), one PostgreSQL, one Redis', () => {
  const schema = `parley_e2e_nginx_${process.pid}_${Math.random().toString(36).slice(2, 8)}`;
  const dirs: string[] = [];
  const nodes: Node[] = [];
  let nginx: Nginx | undefined;
  let widgetId = '';

  const proxy = (): Nginx => {
    if (nginx === undefined) throw new Error('nginx did not start');
    return nginx;
  };
  const node = (i: number): Node => {
    const found = nodes[i];
    if (found === undefined) throw new Error(`node ${i} did not start`);
    return found;
  };
  const direct = (i: number) => `http://127.0.0.1:${node(i).port}`;

  beforeAll(async () => {
    if (missing.length > 0) throw new Error(`CI=true and this suite needs: ${missing.join('; ')}`);
    expect(existsSync(SERVER_MAIN), `${SERVER_MAIN} is missing: run \`npm run build\` first (npm test does)`).toBe(true);
    const ports = [await freePort(), await freePort()] as const;
    for (const port of ports) {
      const dataDir = mkdtempSync(join(tmpdir(), 'parley-e2e-node-'));
      dirs.push(dataDir);
      nodes.push(await startNode(port, dataDir, schema));
    }
    nginx = await startNginx(ports);
    const bot = await api(proxy().baseUrl, 'POST', '/v1/bots', ADMIN_KEY, { kind: 'builtin', name: 'Silent', config: {} });
    const widget = await api(proxy().baseUrl, 'POST', '/v1/widgets', ADMIN_KEY, { name: 'Two nodes', botId: text(bot, 'id') });
    widgetId = text(widget, 'id');
  }, 90_000);

  afterAll(async () => {
    await nginx?.stop();
    await Promise.all(nodes.map(stopNode));
    for (const dir of dirs) rmSync(dir, { recursive: true, force: true });
    if (missing.length === 0) {
      await withPostgres((client) => client.query(`drop schema if exists "${schema}" cascade`));
    }
  }, 30_000);

  it('relays 1,000 messages, typing and read receipts between a visitor on node A and an agent on node B (direct)', async () => {
    const exchange = await openExchange(direct(0), widgetId, direct(0), direct(1));
    try {
      await exchangeAndVerify(exchange, direct(1), 'direct');
    } finally {
      await exchange.visitor.close();
      await exchange.agent.close();
    }
  }, 120_000);

  it('does the same through nginx round robin, the two landing on different nodes, and streams SSE unbuffered', async () => {
    const base = proxy().baseUrl;
    const exchange = await openExchange(base, widgetId, base, base);
    const sse = new AbortController();
    try {
      await exchangeAndVerify(exchange, base, 'nginx');

      // SSE through nginx: a message sent by the agent shows up at once, not when a buffer fills.
      const lastSeq = exchange.visitor.lastSeq();
      const response = await fetch(`${base}/v1/realtime/sse?token=${encodeURIComponent(exchange.token)}&lastSeq=${lastSeq}`, {
        signal: sse.signal,
      });
      expect(response.status).toBe(200);
      expect(response.headers.get('content-type')).toMatch(/^text\/event-stream/);
      const body = response.body;
      if (body === null) throw new Error('SSE answered without a body');
      const reader = body.getReader();
      const decoder = new TextDecoder();
      let received = '';
      const readUntil = async (needle: string, timeoutMs: number): Promise<void> => {
        const deadline = Date.now() + timeoutMs;
        while (!received.includes(needle)) {
          const left = deadline - Date.now();
          if (left <= 0) throw new Error(`SSE did not deliver ${needle} within ${timeoutMs} ms; got:\n${received}`);
          let timer: NodeJS.Timeout | undefined;
          const chunk = await Promise.race([
            reader.read(),
            new Promise<null>((done) => {
              timer = setTimeout(() => done(null), left);
            }),
          ]);
          clearTimeout(timer);
          if (chunk === null) continue;
          if (chunk.done) throw new Error(`SSE ended before ${needle}; got:\n${received}`);
          received += decoder.decode(chunk.value, { stream: true });
        }
      };
      await readUntil('"type":"welcome"', 5_000);
      const sentAt = Date.now();
      exchange.agent.send({ type: 'send', clientId: 'nginx-agent-sse-probe', text: 'through SSE' });
      await readUntil('through SSE', 1_000);
      const sseMs = Date.now() - sentAt;
      expect(sseMs).toBeLessThan(1_000);
      console.info(`[two-nodes-nginx] SSE through nginx delivered a message ${sseMs} ms after the send`);
    } finally {
      sse.abort();
      await exchange.visitor.close();
      await exchange.agent.close();
    }

    // nginx logs a WebSocket when it closes: both upgrades of this run, each to a different node.
    await sleep(200);
    const upstreams = proxy()
      .accessLog()
      .split('\n')
      .filter((line) => line.includes('"GET /v1/realtime/ws"'))
      .map((line) => /upstream=(\S+)/.exec(line)?.[1]);
    expect(upstreams).toHaveLength(2);
    expect(new Set(upstreams)).toEqual(new Set([`127.0.0.1:${node(0).port}`, `127.0.0.1:${node(1).port}`]));
  }, 120_000);
});
