import { setTimeout as sleep } from 'node:timers/promises';
import WebSocket from 'ws';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Connection, RestClient, type TransportName } from '@parley/client';
import type { Message } from '@parley/protocol';
import { NodeEventSource } from '@parley/testkit';
import { startEchoParley, type EchoParley } from './support/echo-parley.js';
import { startSseBufferingProxy, type SseBufferingProxy } from './support/sse-buffering-proxy.js';

const SENDS = 40;

describe('behind a proxy that buffers Server-Sent Events (issue 12)', () => {
  let parley: EchoParley | undefined;
  let proxy: SseBufferingProxy | undefined;
  let connection: Connection | undefined;

  beforeAll(async () => {
    parley = await startEchoParley();
    proxy = await startSseBufferingProxy({ host: '127.0.0.1', port: parley.port });
  });
  afterAll(async () => {
    connection?.close();
    await proxy?.close();
    await parley?.close();
  });

  it('falls back to long polling and shows every bot reply', async () => {
    if (parley === undefined || proxy === undefined) throw new Error('setup failed');
    const session = await new RestClient({ baseUrl: proxy.url }).createSession(parley.widgetId);
    const received: Message[] = [...session.messages];
    const links: TransportName[] = [];
    connection = new Connection({
      baseUrl: proxy.url,
      token: session.token,
      lastSeq: session.messages.at(-1)?.seq ?? 0,
      WebSocket,
      EventSource: NodeEventSource,
      fetch: globalThis.fetch,
    });
    connection.on('message', (message) => received.push(message));
    connection.on('ready', ({ transport }) => links.push(transport));
    connection.connect();
    const asked = Array.from({ length: SENDS }, (_, n) => `question ${n}`);
    for (const text of asked) {
      connection.send(text);
      await sleep(50);
    }
    const replies = (): string[] =>
      received.filter((message) => message.author.role === 'bot' && asked.includes(message.text)).map((m) => m.text);
    const deadline = Date.now() + 30_000;
    while (new Set(replies()).size < SENDS || connection.snapshot().length > 0) {
      if (Date.now() > deadline)
        throw new Error(`${new Set(replies()).size} of ${SENDS} bot replies shown after 30 s, over ${links.join(' → ') || 'no link'}`);
      await sleep(50);
    }
    // The buffered stream never counted as a link: the client went from the refused upgrade straight to polling.
    expect(links).toEqual(['poll']);
    expect([...new Set(replies())].sort()).toEqual([...asked].sort());
  }, 60_000);
});
