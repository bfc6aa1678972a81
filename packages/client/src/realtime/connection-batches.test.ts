import { REALTIME_VERSION, type Message, type ServerFrame } from '@parley/protocol';
import { describe, expect, it } from 'vitest';
import { Connection } from './connection.js';
import type { Transport, TransportTarget } from './transport.js';

function message(seq: number, clientId: string | null = null): Message {
  const author = { role: 'bot', id: 'b1', name: 'Bot' } as const;
  return { id: `m${seq}`, conversationId: 'conv_1', seq, author, type: 'text', text: `#${seq}`, payload: null, clientId, createdAt: '' };
}

/** Opens at once (its welcome saying the conversation ends at `lastSeq`) and hands the test the frame callback and the timers. */
function link(batches: boolean, lastSeq = 0) {
  const targets: TransportTarget[] = [];
  const timers: { run: () => void; ms: number; cancelled: boolean }[] = [];
  let deliver: (frame: ServerFrame) => void = () => undefined;
  const connection = new Connection({
    baseUrl: 'http://test',
    token: 't',
    batches,
    schedule: (run, ms) => {
      const timer = { run, ms, cancelled: false };
      timers.push(timer);
      return () => void (timer.cancelled = true);
    },
    createTransport: (name, target): Transport => {
      targets.push(target);
      return {
        name,
        heartbeats: false,
        open: (onFrame) => {
          deliver = onFrame;
          onFrame({ type: 'welcome', v: REALTIME_VERSION, conversationId: 'conv_1', lastSeq, heartbeatMs: 25_000 });
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
  return { connection, targets, single, batched, timers, deliver: (frame: ServerFrame) => deliver(frame) };
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

  it('holds a backlog of several frames until welcome’s lastSeq and delivers it in one messages event', () => {
    const { batched, deliver } = link(true, 5);
    deliver({ type: 'messages', messages: [message(1), message(2)] });
    deliver({ type: 'messages', messages: [message(3), message(4)] });
    expect(batched).toEqual([]);
    deliver({ type: 'messages', messages: [message(5)] });
    expect(batched).toEqual([[1, 2, 3, 4, 5]]);
  });

  it('delivers what it holds before any other frame, and after a short wait when the backlog ends short of lastSeq (a note the visitor never gets)', () => {
    const { batched, single, timers, deliver } = link(true, 10);
    deliver({ type: 'messages', messages: [message(1), message(2)] });
    deliver({ type: 'read', reader: { role: 'agent', id: 'a1' }, seq: 2 });
    expect(batched).toEqual([[1, 2]]);
    deliver({ type: 'messages', messages: [message(3)] });
    expect(batched).toHaveLength(1);
    timers.filter((timer) => !timer.cancelled && timer.ms < 1000).forEach((timer) => timer.run());
    expect(batched).toEqual([[1, 2], [3]]);
    deliver({ type: 'message', message: message(11) });
    expect(single).toEqual([11]);
  });

  it('delivers a held backlog when the link ends, so that no message it counted is lost', () => {
    const { connection, batched, deliver } = link(true, 10);
    deliver({ type: 'messages', messages: [message(1), message(2)] });
    connection.close();
    expect(batched).toEqual([[1, 2]]);
    expect(connection.lastSeq).toBe(2);
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
