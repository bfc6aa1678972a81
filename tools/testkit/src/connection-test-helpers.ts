import { Connection, type ConnectionOptions, type ConnectionState } from '@parley/client';
import type { Message } from '@parley/protocol';
import WebSocket from 'ws';
import type { FakeRealtimeServer } from './fake-realtime-server.js';
import { NodeEventSource } from './node-event-source.js';

export interface ConnectedClient {
  readonly connection: Connection;
  readonly messages: Message[];
  readonly states: ConnectionState[];
}

/**
 * Test-only: a Connection to the fake server with Node globals and short backoffs, recording the
 * messages and states it sees. It joins `open` so the test's afterEach can close it.
 */
export function connectToFake(server: FakeRealtimeServer, open: Connection[], options: Partial<ConnectionOptions> = {}): ConnectedClient {
  const connection = new Connection({
    baseUrl: server.url,
    token: 'visitor-token',
    WebSocket,
    EventSource: NodeEventSource,
    fetch: globalThis.fetch,
    backoffBaseMs: 20,
    backoffCapMs: 200,
    pollWaitMs: 2_000,
    ...options,
  });
  const messages: Message[] = [];
  const states: ConnectionState[] = [];
  connection.on('message', (message) => messages.push(message));
  connection.on('state', (state) => states.push(state));
  open.push(connection);
  connection.connect();
  return { connection, messages, states };
}

/** Polls until `check` holds, failing after `timeoutMs`. */
export async function until(check: () => boolean, timeoutMs = 8_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!check()) {
    if (Date.now() > deadline) throw new Error('condition not met in time');
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
}
