import type { Connection, ConnectionOptions } from '@parley/client';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
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

describe.each(['ws', 'sse', 'poll'] as const)('delivery over %s', (transport) => {
  it('resends an unacked message with the same clientId after the link died, and it is stored once', async () => {
    const { connection } = connect({ transports: [transport] });
    await until(() => connection.state.kind === 'open');
    server.behaviour.dropSends = 1;
    const entry = connection.send('survives a crash');
    await until(() => connection.snapshot().length === 0);
    expect(server.sends).toEqual([entry.clientId, entry.clientId]);
    expect(server.conversation.messages.filter((message) => message.text === 'survives a crash')).toHaveLength(1);
  });

  it('resends a message the server could not store by itself, pending all along, and it is stored once', async () => {
    const { connection } = connect({ transports: [transport], random: () => 0.5 });
    await until(() => connection.state.kind === 'open');
    server.behaviour.refuseSends = 2;
    const shown = new Set<string>();
    connection.on('error', () => shown.add(connection.snapshot()[0]?.status ?? 'gone'));
    const entry = connection.send('stored at last');
    await until(() => connection.snapshot().length === 0);
    expect(server.sends).toEqual([entry.clientId, entry.clientId, entry.clientId]);
    expect([...shown]).toEqual(['pending']);
    expect(server.conversation.messages.filter((message) => message.clientId === entry.clientId)).toHaveLength(1);
  });

  it('accepts the resend of a message whose ack was lost as a duplicate, storing it once', async () => {
    const { connection, messages } = connect({ transports: [transport] });
    await until(() => connection.state.kind === 'open');
    const duplicates: boolean[] = [];
    connection.on('ack', (ack) => duplicates.push(ack.duplicate));
    server.behaviour.loseAcks = 1;
    // A slow resume lets the resend overtake the backlog, so the server's duplicate answer is what clears it.
    server.behaviour.backlogDelayMs = 200;
    const entry = connection.send('ack lost');
    await until(() => connection.snapshot().length === 0 && messages.length === 1);
    // Over SSE and poll only the POST dies: the stored message still comes down the stream (or the next
    // poll) and acks it just as well, so there is nothing to resend.
    expect(duplicates).toEqual([transport === 'ws']);
    if (transport === 'ws') expect(server.sends).toEqual([entry.clientId, entry.clientId]);
    expect(server.conversation.messages.map((message) => message.clientId)).toEqual([entry.clientId]);
    expect(messages.map((message) => message.seq)).toEqual([1]);
  });

  it('resumes from lastSeq after a killed link with no gap and no duplicate', async () => {
    const { connection, messages } = connect({ transports: [transport] });
    await until(() => connection.state.kind === 'open');
    for (let i = 1; i <= 3; i++) server.post(`before ${i}`);
    await until(() => messages.length === 3);
    server.killConnections();
    for (let i = 1; i <= 3; i++) server.post(`while away ${i}`);
    connection.send('mine');
    await until(() => messages.length === 7 && connection.snapshot().length === 0);
    expect(messages.map((message) => message.seq)).toEqual([1, 2, 3, 4, 5, 6, 7]);
    expect(connection.lastSeq).toBe(7);
    if (transport !== 'poll') expect(server.hellos.at(-1)).toBeGreaterThanOrEqual(3);
  });

  it('asks for a new token when the server refuses the old one, then carries on', async () => {
    let asked = 0;
    const { connection } = connect({
      transports: [transport],
      token: 'expired',
      getToken: () => {
        asked++;
        return Promise.resolve('visitor-token');
      },
    });
    await until(() => connection.state.kind === 'open');
    expect(asked).toBe(1);
  });

  it('stops for good when the server says forbidden', async () => {
    server.forbidden.add('visitor-token');
    const { connection } = connect({ transports: [transport] });
    await until(() => connection.state.kind === 'closed');
    expect(connection.state).toMatchObject({ kind: 'closed', reason: 'forbidden', code: 4003 });
    const connects = server.connects[transport];
    await new Promise((resolve) => setTimeout(resolve, 200));
    expect(server.connects[transport]).toBe(connects);
  });
});

describe.each(['ws', 'sse', 'poll'] as const)('close codes over %s', (transport) => {
  it('re-authenticates on 4001 mid-session and resumes where it was', async () => {
    const reauths: number[] = [];
    const { connection, messages } = connect({ transports: [transport], getToken: () => Promise.resolve('fresh-token') });
    connection.on('reauth', () => reauths.push(Date.now()));
    await until(() => connection.state.kind === 'open');
    server.post('one');
    await until(() => messages.length === 1);
    server.tokens.add('fresh-token');
    server.tokens.delete('visitor-token');
    server.closeAll(4001, 'token expired');
    await until(() => reauths.length === 1 && connection.state.kind === 'open');
    if (transport !== 'poll') expect(server.hellos).toEqual([0, 1]);
    server.post('two');
    await until(() => messages.length === 2);
    expect(messages.map((received) => received.seq)).toEqual([1, 2]);
  });

  it('stops on 4003 sent mid-session', async () => {
    const { connection } = connect({ transports: [transport] });
    await until(() => connection.state.kind === 'open');
    server.forbidden.add('visitor-token');
    server.closeAll(4003, 'widget deleted');
    await until(() => connection.state.kind === 'closed');
    expect(connection.state).toMatchObject({ kind: 'closed', reason: 'forbidden', code: 4003 });
  });
});

describe('sessions over WebSocket', () => {
  it('closes as unauthorized on 4001 when no getToken is given', async () => {
    const { connection } = connect({ token: 'nobody' });
    await until(() => connection.state.kind === 'closed');
    expect(connection.state).toMatchObject({ kind: 'closed', reason: 'unauthorized', code: 4001 });
  });

  it('sends a persisted outbox first on a new session', async () => {
    const entry = { clientId: 'persisted-0001', text: 'from last visit', createdAt: 0, status: 'pending', retryable: true } as const;
    const { connection } = connect({ initialOutbox: [entry] });
    await until(() => connection.state.kind === 'open' && connection.snapshot().length === 0);
    expect(server.conversation.messages.map((message) => message.clientId)).toEqual(['persisted-0001']);
  });
});
