import { randomBytes } from 'node:crypto';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import WebSocket from 'ws';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Connection, RestClient } from '@parley/client';
import type { Message, RebalanceStarted } from '@parley/protocol';
import { freePort, killServer, NO_VOLUME_LIMITS, SERVER_MAIN, startServer, type ServerProcess } from '@parley/testkit';

const VISITORS = 20;
/** Each visitor sends one message this often while its node sheds connections. */
const SEND_EVERY_MS = 150;

interface Visitor {
  readonly conversationId: string;
  readonly token: string;
  readonly connection: Connection;
  readonly received: Message[];
  readonly sent: string[];
  readonly acked: Set<string>;
  /** When the server told this client to reconnect (the rebalance shed it). */
  readonly shedAt: number[];
}

async function until(check: () => boolean, timeoutMs: number, what: () => string): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!check()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what()}`);
    await sleep(50);
  }
}

describe('rebalancing a node: its connections are shed over a spread of seconds, and it keeps serving', () => {
  const dataDir = mkdtempSync(join(tmpdir(), 'parley-rebalance-'));
  const adminKey = `pk_rebalance_${randomBytes(16).toString('hex')}`;
  let server: ServerProcess | undefined;
  let baseUrl = '';
  const visitors: Visitor[] = [];

  beforeAll(async () => {
    expect(existsSync(SERVER_MAIN), `${SERVER_MAIN} is missing: run \`npm run build\` first (npm test does)`).toBe(true);
    const port = await freePort();
    baseUrl = `http://127.0.0.1:${port}`;
    server = await startServer({
      ...NO_VOLUME_LIMITS,
      PARLEY_DATA_DIR: dataDir,
      PARLEY_PORT: String(port),
      PARLEY_HOST: '127.0.0.1',
      PARLEY_ADMIN_KEY: adminKey,
      PARLEY_REBALANCE_SPREAD_SECONDS: '2',
    });
    const headers = { authorization: `Bearer ${adminKey}`, 'content-type': 'application/json' };
    // A builtin bot without rules or fallback never answers, so every message in a conversation is the visitor's.
    const bot: { id: string } = await (
      await fetch(`${baseUrl}/v1/bots`, { method: 'POST', headers, body: JSON.stringify({ kind: 'builtin', name: 'Silent', config: {} }) })
    ).json();
    const widget: { id: string } = await (
      await fetch(`${baseUrl}/v1/widgets`, { method: 'POST', headers, body: JSON.stringify({ name: 'Rebalance', botId: bot.id }) })
    ).json();
    const rest = new RestClient({ baseUrl });
    for (let index = 0; index < VISITORS; index++) {
      const session = await rest.createSession(widget.id);
      const connection = new Connection({
        baseUrl,
        token: session.token,
        WebSocket,
        transports: ['ws'],
        lastSeq: session.messages.reduce((max, message) => Math.max(max, message.seq), 0),
      });
      const visitor: Visitor = {
        conversationId: session.conversationId,
        token: session.token,
        connection,
        received: [...session.messages],
        sent: [],
        acked: new Set(),
        shedAt: [],
      };
      connection.on('message', (message) => visitor.received.push(message));
      connection.on('ack', ({ clientId }) => visitor.acked.add(clientId));
      connection.on('state', (state) => {
        if (state.kind === 'reconnecting' && state.reason === 'server') visitor.shedAt.push(Date.now());
      });
      visitors.push(visitor);
      connection.connect();
    }
    await until(
      () => visitors.every((visitor) => visitor.connection.state.kind === 'open'),
      15_000,
      () => 'every connection to open',
    );
  });

  afterAll(async () => {
    for (const visitor of visitors) visitor.connection.close();
    if (server !== undefined) await killServer(server, 'SIGTERM');
    rmSync(dataDir, { recursive: true, force: true });
  });

  /** Sends from every visitor while `trigger` sheds them, then checks that each was shed once, came back and lost nothing. */
  async function shedWhileSending(trigger: () => Promise<void>, spreadMs: number): Promise<number[]> {
    const round = visitors[0]?.shedAt.length ?? 0;
    let sending = true;
    const senders = visitors.map(async (visitor, index) => {
      await sleep(Math.floor(Math.random() * SEND_EVERY_MS));
      for (let n = 0; sending; n++) {
        const text = `visitor ${index} round ${round} message ${n}`;
        visitor.connection.send(text);
        visitor.sent.push(text);
        await sleep(SEND_EVERY_MS);
      }
    });
    await trigger();
    await until(
      () => visitors.every((visitor) => visitor.shedAt.length > round && visitor.connection.state.kind === 'open'),
      spreadMs + 10_000,
      () => `every visitor shed and back (${visitors.filter((visitor) => visitor.shedAt.length > round).length} of ${VISITORS} shed)`,
    );
    sending = false;
    await Promise.all(senders);
    await until(
      () => visitors.every((visitor) => visitor.connection.snapshot().length === 0),
      15_000,
      () => 'every outbox to drain',
    );
    for (const [index, visitor] of visitors.entries()) {
      expect(visitor.shedAt.length, `visitor ${index} is shed once per rebalance`).toBe(round + 1);
      const page = await fetch(`${baseUrl}/v1/conversations/${visitor.conversationId}/messages?after=0&limit=500`, {
        headers: { authorization: `Bearer ${visitor.token}` },
      });
      const stored: Message[] = (await page.json()).items;
      await until(
        () => visitor.connection.lastSeq === stored.length,
        10_000,
        () => `visitor ${index} to hold the stored history`,
      );
      const texts = stored.filter((message) => message.author.role === 'visitor').map((message) => message.text);
      expect(texts, `visitor ${index}: every message stored once, in order`).toEqual(visitor.sent);
      expect(visitor.acked.size).toBe(visitor.sent.length);
      expect(visitor.received.map((message) => message.seq)).toEqual(stored.map((message) => message.seq));
    }
    return visitors.map((visitor) => visitor.shedAt[round] ?? 0);
  }

  function expectSpread(times: readonly number[], spreadMs: number): void {
    // Not one storm: the sheds cover most of the spread (evenly spaced, each at a random point of its slot).
    const span = Math.max(...times) - Math.min(...times);
    console.info(`rebalance: ${VISITORS} connections shed over ${span} ms (spread ${spreadMs} ms)`);
    expect(span).toBeGreaterThan(spreadMs / 2);
    expect(new Set(times).size).toBeGreaterThan(VISITORS / 2);
  }

  it('POST /v1/admin/rebalance sheds every connection over spreadSeconds; all reconnect and lose nothing', async () => {
    const refused = await fetch(`${baseUrl}/v1/admin/rebalance`, { method: 'POST' });
    expect(refused.status).toBe(401);
    const invalid = await fetch(`${baseUrl}/v1/admin/rebalance`, {
      method: 'POST',
      headers: { authorization: `Bearer ${adminKey}`, 'content-type': 'application/json' },
      body: JSON.stringify({ spreadSeconds: -1 }),
    });
    expect(invalid.status).toBe(400);

    const times = await shedWhileSending(async () => {
      const response = await fetch(`${baseUrl}/v1/admin/rebalance`, {
        method: 'POST',
        headers: { authorization: `Bearer ${adminKey}`, 'content-type': 'application/json' },
        body: JSON.stringify({ spreadSeconds: 3 }),
      });
      expect(response.status).toBe(202);
      const started: RebalanceStarted = await response.json();
      expect(started).toEqual({ object: 'rebalance', connections: VISITORS, spreadSeconds: 3 });
    }, 3_000);
    expectSpread(times, 3_000);
  }, 60_000);

  it('SIGUSR2 does the same over PARLEY_REBALANCE_SPREAD_SECONDS, and the node stays up', async () => {
    const times = await shedWhileSending(async () => {
      server?.child.kill('SIGUSR2');
    }, 2_000);
    expectSpread(times, 2_000);
    expect(server?.child.exitCode).toBeNull();
    expect((await fetch(`${baseUrl}/readyz`)).status).toBe(200);
  }, 60_000);
});
