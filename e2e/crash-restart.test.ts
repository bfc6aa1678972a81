import { randomBytes } from 'node:crypto';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import WebSocket from 'ws';
import { afterAll, describe, expect, it } from 'vitest';
import { Connection, RestClient } from '@parley/client';
import type { Message, SessionCreated } from '@parley/protocol';
import { freePort, killServer, NO_VOLUME_LIMITS, SERVER_MAIN, startServer, type ServerProcess } from '@parley/testkit';

const VISITORS = 50;
const PER_VISITOR = 100;
const TOTAL = VISITORS * PER_VISITOR;
/**
 * One send every 60 ms keeps a live link under the gateway's 20 frames/s. The outbox a client flushes after a restart
 * is often longer than the burst of 40; the client paces that flush (FramePacer), so no 4008 closes are expected.
 */
const SEND_EVERY_MS = 60;
/**
 * Crash points, as a share of all messages acked so far (so the server gets real uptime between crashes and
 * there is traffic in flight at each one); each moves by up to ±5 % at random.
 */
const CRASH_AT = [0.2, 0.5, 0.8].map((share) => share + (Math.random() - 0.5) * 0.1);
const DOWN_MS = 300;

interface Visitor {
  readonly index: number;
  readonly session: SessionCreated;
  readonly connection: Connection;
  /** Every message the client reported, in the order it reported them (the session's own messages first). */
  readonly received: Message[];
  readonly acked: Set<string>;
  readonly errors: string[];
}

async function until(check: () => boolean, timeoutMs: number, what: () => string): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!check()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what()}`);
    await sleep(50);
  }
}

async function api<T>(baseUrl: string, key: string, method: 'GET' | 'POST', path: string, body?: unknown): Promise<T> {
  const response = await fetch(`${baseUrl}${path}`, {
    method,
    headers: { authorization: `Bearer ${key}`, ...(body === undefined ? {} : { 'content-type': 'application/json' }) },
    ...(body === undefined ? {} : { body: JSON.stringify(body) }),
  });
  const text = await response.text();
  if (!response.ok) throw new Error(`${method} ${path}: HTTP ${response.status} ${text}`);
  const parsed: T = JSON.parse(text);
  return parsed;
}

describe('crash and restart under load (issue 4, "Crash test")', () => {
  const dataDir = mkdtempSync(join(tmpdir(), 'parley-crash-'));
  let server: ServerProcess | undefined;
  const servers: ServerProcess[] = [];
  const visitors: Visitor[] = [];

  afterAll(async () => {
    for (const visitor of visitors) visitor.connection.close();
    await Promise.all(servers.map((one) => killServer(one, 'SIGTERM')));
    rmSync(dataDir, { recursive: true, force: true });
  });

  it('stores every acked message exactly once and every client ends with the full, ordered history', async () => {
    expect(existsSync(SERVER_MAIN), `${SERVER_MAIN} is missing: run \`npm run build\` first (npm test does)`).toBe(true);
    const started = Date.now();
    const port = await freePort();
    const adminKey = `pk_crash_${randomBytes(16).toString('hex')}`;
    // A load far beyond what visitors type: the volume limits would only hide what this suite tests.
    const env = { PARLEY_DATA_DIR: dataDir, PARLEY_PORT: String(port), PARLEY_ADMIN_KEY: adminKey, ...NO_VOLUME_LIMITS };
    const baseUrl = `http://127.0.0.1:${port}`;
    server = await startServer(env);
    servers.push(server);

    // A builtin bot without rules, fallback or echo never answers, so the counts stay exact.
    const bot = await api<{ id: string }>(baseUrl, adminKey, 'POST', '/v1/bots', { kind: 'builtin', name: 'Silent', config: {} });
    const widget = await api<{ id: string }>(baseUrl, adminKey, 'POST', '/v1/widgets', { name: 'Crash test', botId: bot.id });

    const rest = new RestClient({ baseUrl });
    for (let index = 0; index < VISITORS; index++) {
      const session = await rest.createSession(widget.id);
      const lastSeq = session.messages.reduce((max, message) => Math.max(max, message.seq), 0);
      const connection = new Connection({
        baseUrl,
        token: session.token,
        WebSocket,
        transports: ['ws'],
        lastSeq,
        backoffBaseMs: 100,
        backoffCapMs: 1_000,
      });
      const visitor: Visitor = { index, session, connection, received: [...session.messages], acked: new Set(), errors: [] };
      connection.on('message', (message) => visitor.received.push(message));
      connection.on('ack', ({ clientId }) => visitor.acked.add(clientId));
      connection.on('error', (error) => visitor.errors.push(error.code));
      visitors.push(visitor);
    }
    for (const visitor of visitors) visitor.connection.connect();
    await until(
      () => visitors.every((visitor) => visitor.connection.state.kind === 'open'),
      15_000,
      () => 'every connection to open',
    );

    // The crasher: SIGKILL at each crash point (mid-write, with links open and outboxes full), then the same port and
    // data directory again after a short pause.
    const acked = (): number => visitors.reduce((sum, visitor) => sum + visitor.acked.size, 0);
    let crashes = 0;
    const pendingAtCrash: number[] = [];
    const crasher = (async () => {
      for (const share of CRASH_AT) {
        const target = Math.round(share * TOTAL);
        await until(
          () => acked() >= target,
          60_000,
          () => `${target} messages acked (${acked()} so far)`,
        );
        if (server === undefined) throw new Error('no server to kill');
        pendingAtCrash.push(visitors.reduce((sum, visitor) => sum + visitor.connection.snapshot().length, 0));
        await killServer(server, 'SIGKILL');
        crashes++;
        await sleep(DOWN_MS + Math.floor(Math.random() * DOWN_MS));
        server = await startServer(env);
        servers.push(server);
      }
    })();

    const senders = visitors.map(async (visitor) => {
      await sleep(Math.floor(Math.random() * SEND_EVERY_MS));
      for (let n = 0; n < PER_VISITOR; n++) {
        visitor.connection.send(`visitor ${visitor.index} message ${n}`);
        await sleep(SEND_EVERY_MS);
      }
    });
    await Promise.all([crasher, ...senders]);
    expect(crashes).toBe(CRASH_AT.length);
    const sentAt = Date.now();

    await until(
      () => visitors.every((visitor) => visitor.connection.snapshot().length === 0),
      45_000,
      () => `every outbox to drain (${visitors.reduce((sum, visitor) => sum + visitor.connection.snapshot().length, 0)} left)`,
    );
    const drainedAt = Date.now();

    const histories = new Map<number, Message[]>();
    for (const visitor of visitors) {
      const page = await fetch(`${baseUrl}/v1/conversations/${visitor.session.conversationId}/messages?after=0&limit=500`, {
        headers: { authorization: `Bearer ${visitor.session.token}` },
      });
      expect(page.status).toBe(200);
      const body: { items: Message[] } = await page.json();
      histories.set(visitor.index, body.items);
    }

    // Acks can arrive before the echo of the same message: give every client the time to catch up with the store.
    await until(
      () => visitors.every((visitor) => visitor.connection.lastSeq === (histories.get(visitor.index)?.length ?? -1)),
      20_000,
      () => 'every client to hold the stored history',
    );

    for (const visitor of visitors) {
      const stored = histories.get(visitor.index) ?? [];
      const label = `visitor ${visitor.index}`;
      // Gapless seqs 1..N.
      expect(
        stored.map((message) => message.seq),
        label,
      ).toEqual(stored.map((_, i) => i + 1));
      // Every acked clientId exactly once.
      const clientIds = stored.flatMap((message) => (message.clientId === null ? [] : [message.clientId]));
      expect(new Set(clientIds).size, `${label}: duplicate clientIds`).toBe(clientIds.length);
      for (const clientId of visitor.acked) expect(clientIds, label).toContain(clientId);
      expect(visitor.acked.size, label).toBe(PER_VISITOR);
      // Every text exactly once, in the order it was written (one link at a time keeps a visitor's order).
      const texts = stored.filter((message) => message.author.role === 'visitor').map((message) => message.text);
      expect(texts, label).toEqual(Array.from({ length: PER_VISITOR }, (_, n) => `visitor ${visitor.index} message ${n}`));
      // Nothing else was written: the bot stays silent.
      expect(stored.length - texts.length, label).toBe(visitor.session.messages.length);
      // The client's own view equals the store.
      expect(
        visitor.received.map((message) => [message.seq, message.id, message.text]),
        label,
      ).toEqual(stored.map((message) => [message.seq, message.id, message.text]));
    }

    const errors = visitors.flatMap((visitor) => visitor.errors);
    console.info(
      `crash test: ${TOTAL} messages, ${crashes} SIGKILLs, setup and sending ${((sentAt - started) / 1000).toFixed(1)} s, ` +
        `drain ${((drainedAt - sentAt) / 1000).toFixed(1)} s, total ${((Date.now() - started) / 1000).toFixed(1)} s, ` +
        `unacked at each crash ${pendingAtCrash.join('/')}, ` +
        `${errors.length} error frames (${[...new Set(errors)].join(', ') || 'none'})`,
    );
  }, 150_000);
});
