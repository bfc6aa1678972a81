import { setTimeout as sleep } from 'node:timers/promises';
import WebSocket from 'ws';
import { afterAll, describe, expect, it } from 'vitest';
import { Connection, RestClient } from '@parley/client';
import { NodeEventSource, startTcpProxy, type TcpProxy } from '@parley/testkit';
import { startEchoParley, type EchoParley } from './support/echo-parley.js';

const CLIENTS = 20;
/** How long the server's port refuses connections (a node restarting, a load balancer failing over). */
const OUTAGE_MS = 10_000;
/** Generous: the client waits at most 5 s (with jitter) between attempts on a refused link. */
const BACK_WITHIN_MS = 8_000;

async function until(check: () => boolean, timeoutMs: number, what: () => string): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!check()) {
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what()}`);
    await sleep(20);
  }
}

describe('reconnecting after an outage (issue 12)', () => {
  let parley: EchoParley | undefined;
  let proxy: TcpProxy | undefined;
  const connections: Connection[] = [];

  afterAll(async () => {
    for (const connection of connections) connection.close();
    await proxy?.close();
    await parley?.close();
  });

  it('has every client open again within seconds of the server accepting connections after 10 s of refusals', async () => {
    parley = await startEchoParley();
    proxy = await startTcpProxy({ target: { host: '127.0.0.1', port: parley.port } });
    const baseUrl = `http://127.0.0.1:${proxy.port}`;
    const rest = new RestClient({ baseUrl: parley.url });
    let cutAt = Infinity;
    const reopenedAt = new Map<Connection, number>();
    for (let index = 0; index < CLIENTS; index++) {
      const session = await rest.createSession(parley.widgetId);
      const connection = new Connection({
        baseUrl,
        token: session.token,
        lastSeq: session.messages.at(-1)?.seq ?? 0,
        WebSocket,
        EventSource: NodeEventSource,
        fetch: globalThis.fetch,
      });
      connection.on('state', (state) => {
        if (state.kind === 'open' && Date.now() > cutAt) reopenedAt.set(connection, Date.now());
      });
      connections.push(connection);
      connection.connect();
    }
    const open = (): Connection[] => connections.filter((connection) => connection.state.kind === 'open');
    await until(
      () => open().length === CLIENTS,
      15_000,
      () => `every client to open (${open().length} of ${CLIENTS})`,
    );

    cutAt = Date.now();
    proxy.cut();
    await until(
      () => open().length === 0,
      5_000,
      () => `every client to notice the cut (${open().length} still open)`,
    );
    await sleep(OUTAGE_MS);
    proxy.restore();
    const restoredAt = Date.now();
    await until(
      () => reopenedAt.size === CLIENTS,
      BACK_WITHIN_MS,
      () => `every client to be open again (${reopenedAt.size} of ${CLIENTS} back)`,
    );
    const after = [...reopenedAt.values()].map((at) => at - restoredAt).sort((a, b) => a - b);
    console.info(
      `back after the outage: median ${after[Math.floor(after.length / 2)]} ms, slowest ${after.at(-1)} ms (${CLIENTS} clients)`,
    );
    expect(after.at(-1)).toBeLessThanOrEqual(BACK_WITHIN_MS);
  }, 60_000);
});
