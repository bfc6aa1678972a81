import type { Connection, ConnectionOptions } from '@parley/client';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import { FakeRealtimeServer } from './fake-realtime-server.js';
import { connectToFake, until, type ConnectedClient } from './connection-test-helpers.js';

let server: FakeRealtimeServer;
const connections: Connection[] = [];

beforeEach(async () => {
  server = await FakeRealtimeServer.start();
});
afterEach(async () => {
  for (const connection of connections.splice(0)) connection.close();
  await server.stop();
});

function connect(options: Partial<ConnectionOptions> = {}): ConnectedClient {
  return connectToFake(server, connections, options);
}

const isOpen = (connection: Connection, transport?: string): boolean =>
  connection.state.kind === 'open' && (transport === undefined || connection.state.transport === transport);

describe('realtime client against the fake gateway', () => {
  it('says hello over WebSocket, gets the backlog, and has a message acked with its seq', async () => {
    server.post('hello from the bot');
    const { connection, messages } = connect();
    await until(() => isOpen(connection, 'ws') && messages.length === 1);
    const acks: number[] = [];
    connection.on('ack', (ack) => acks.push(ack.seq));
    connection.send('hi');
    await until(() => acks.length === 1);
    expect(acks).toEqual([2]);
    expect(server.hellos).toEqual([0]);
    expect(connection.snapshot()).toEqual([]);
    await until(() => messages.length === 2);
    expect(messages.map((message) => message.seq)).toEqual([1, 2]);
  });

  for (const transport of ['sse', 'poll'] as const) {
    it(`sends and receives over ${transport} when forced`, async () => {
      server.post('one');
      const { connection, messages } = connect({ transports: [transport] });
      await until(() => isOpen(connection, transport) && messages.length === 1);
      connection.send('two');
      await until(() => messages.length === 2 && connection.snapshot().length === 0);
      server.post('three');
      await until(() => messages.length === 3);
      expect(messages.map((message) => message.text)).toEqual(['one', 'two', 'three']);
      expect(server.connects.ws).toBe(0);
    });
  }

  it('falls back to SSE within about 5 s when a proxy silently drops WebSocket upgrades', async () => {
    server.behaviour.dropUpgrades = true;
    const started = Date.now();
    const { connection } = connect();
    await until(() => isOpen(connection, 'sse'), 7_000);
    expect(Date.now() - started).toBeLessThanOrEqual(5_500);
  });

  it('falls back to long polling when WebSocket upgrades and SSE are both blocked', async () => {
    server.behaviour.dropUpgrades = true;
    server.behaviour.sse = 'hang';
    const { connection, messages } = connect({ openTimeoutMs: 1_000 });
    await until(() => isOpen(connection, 'poll'), 5_000);
    server.post('still here');
    await until(() => messages.length === 1);
  });

  it('falls back to long polling when a proxy passes the SSE headers but holds the stream back', async () => {
    server.behaviour.dropUpgrades = true;
    server.behaviour.sse = 'held';
    const { connection, messages } = connect({ openTimeoutMs: 500 });
    await until(() => isOpen(connection, 'poll'), 5_000);
    expect(server.connects.sse).toBeGreaterThan(0);
    server.post('through the poll');
    await until(() => messages.length === 1);
  });

  it('keeps the transport that worked for the rest of the session', async () => {
    server.behaviour.dropUpgrades = true;
    const { connection } = connect({ openTimeoutMs: 500 });
    await until(() => isOpen(connection, 'sse'));
    server.behaviour.dropUpgrades = false;
    const wsBefore = server.connects.ws;
    server.killConnections();
    await until(() => server.connects.sse >= 2 && isOpen(connection, 'sse'));
    expect(server.connects.ws).toBe(wsBefore);
  });

  it('ignores a replaced WebSocket that keeps talking after the client closed it', async () => {
    let created = 0;
    // The first socket ignores close(), like a browser socket whose close is still in flight: it keeps
    // delivering frames and finally a close code that would stop the session if it were listened to.
    class StubbornWebSocket extends WebSocket {
      private readonly stubborn = created++ === 0;
      override close(code?: number, reason?: string): void {
        if (!this.stubborn) super.close(code, reason);
      }
    }
    const offline: (() => void)[] = [];
    const online: (() => void)[] = [];
    const network = {
      onOffline: (listener: () => void) => (offline.push(listener), () => undefined),
      onOnline: (listener: () => void) => (online.push(listener), () => undefined),
    };
    const { connection, messages } = connect({ WebSocket: StubbornWebSocket, network });
    await until(() => isOpen(connection, 'ws'));
    offline.forEach((listener) => listener());
    online.forEach((listener) => listener());
    await until(() => isOpen(connection, 'ws') && created === 2);
    server.post('to both sockets');
    await until(() => messages.length === 1);
    server.closeOldest(4003, 'meant for the old socket');
    await new Promise((resolve) => setTimeout(resolve, 100));
    expect(connection.state.kind).toBe('open');
    expect(messages).toHaveLength(1);
  });

  it('keeps a quiet link open across its heartbeats (WebSocket pings it cannot see, SSE ping frames)', async () => {
    await server.stop();
    server = await FakeRealtimeServer.start({ heartbeatMs: 100 });
    const ws = connect();
    const sse = connect({ transports: ['sse'] });
    await until(() => isOpen(ws.connection, 'ws') && isOpen(sse.connection, 'sse'));
    await new Promise((resolve) => setTimeout(resolve, 600));
    expect([ws.connection.state.kind, sse.connection.state.kind]).toEqual(['open', 'open']);
    expect([server.connects.ws, server.connects.sse]).toEqual([1, 1]);
  });
});
