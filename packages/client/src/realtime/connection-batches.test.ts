import { REALTIME_VERSION, type Message, type ServerFrame } from '@parley/protocol';
import { describe, expect, it } from 'vitest';
import { Connection } from './connection.js';
import type { Transport, TransportTarget } from './transport.js';

function message(seq: number, clientId: string | null = null): Message {
  const author = { role: 'bot', id: 'b1', name: 'Bot' } as const;
  return { id: `m${seq}`, conversationId: 'conv_1', seq, author, type: 'text', text: `#${seq}`, payload: null, clientId, createdAt: '' };
}

/** Opens at once and hands the test the frame callback. */
function link(batches: boolean) {
  const targets: TransportTarget[] = [];
  let deliver: (frame: ServerFrame) => void = () => undefined;
  const connection = new Connection({
    baseUrl: 'http://test',
    token: 't',
    batches,
    schedule: () => () => undefined,
    createTransport: (name, target): Transport => {
      targets.push(target);
      return {
        name,
        heartbeats: false,
        open: (onFrame) => {
          deliver = onFrame;
          onFrame({ type: 'welcome', v: REALTIME_VERSION, conversationId: 'conv_1', lastSeq: 0, heartbeatMs: 25_000 });
          return Promise.resolve();
        },
        send: () => Promise.resolve(),
        close: () => undefined,
      };
    },
  });
  const single: number[] = [];
  const batched: number[][] = [];
  connection.on('message', (m) => single.push(m.seq));
  connection.on('messages', (ms) => batched.push(ms.map((m) => m.seq)));
  connection.connect();
  return { connection, targets, single, batched, deliver: (frame: ServerFrame) => deliver(frame) };
}

describe('Connection with batches', () => {
  it('asks for batches and delivers each messages frame as one event, dropping seqs it already holds', () => {
    const { connection, targets, batched, single, deliver } = link(true);
    expect(targets[0]?.batch).toBe(true);
    deliver({ type: 'messages', messages: [message(1), message(2), message(3)] });
    deliver({ type: 'messages', messages: [message(2), message(3), message(4), message(5)] });
    deliver({ type: 'message', message: message(6) });
    expect(batched).toEqual([
      [1, 2, 3],
      [4, 5],
    ]);
    expect(single).toEqual([6]);
    expect(connection.lastSeq).toBe(6);
  });

  it('acks an outbox entry whose message comes back inside a batch', () => {
    const { connection, deliver } = link(true);
    const acks: string[] = [];
    connection.on('ack', (ack) => acks.push(ack.clientId));
    const entry = connection.send('hello');
    deliver({ type: 'messages', messages: [message(1), message(2, entry.clientId)] });
    expect(acks).toEqual([entry.clientId]);
    expect(connection.snapshot()).toEqual([]);
  });

  it('without batches, does not ask for them and turns a stray batch into message events', () => {
    const { targets, batched, single, deliver } = link(false);
    expect(targets[0]?.batch).toBe(false);
    deliver({ type: 'messages', messages: [message(1), message(2)] });
    expect(batched).toEqual([]);
    expect(single).toEqual([1, 2]);
  });
});
