import { REALTIME_VERSION, type ClientFrame, type Message, type ServerFrame } from '@parley/protocol';
import { describe, expect, it } from 'vitest';
import { Connection } from './connection.js';
import type { ConnectionOptions, ConnectionState, Schedule } from './connection-types.js';
import type { Transport, TransportClose, TransportName, TransportTarget } from './transport.js';

/** A clock the test moves by hand: the connection's timers are injected, so no real time passes. */
class ManualClock {
  now = 0;
  private tasks: { at: number; id: number; run: () => void }[] = [];
  private nextId = 0;
  readonly schedule: Schedule = (run, ms) => {
    const id = this.nextId++;
    this.tasks.push({ at: this.now + ms, id, run });
    return () => void (this.tasks = this.tasks.filter((task) => task.id !== id));
  };
  advance(ms: number): void {
    const until = this.now + ms;
    for (;;) {
      const next = this.tasks.filter((task) => task.at <= until).sort((a, b) => a.at - b.at || a.id - b.id)[0];
      if (next === undefined) break;
      this.tasks = this.tasks.filter((task) => task !== next);
      this.now = next.at;
      next.run();
    }
    this.now = until;
  }
}

class FakeTransport implements Transport {
  readonly heartbeats = true;
  readonly sent: ClientFrame[] = [];
  closed = false;
  onFrame: (frame: ServerFrame) => void = () => undefined;
  onClose: (close: TransportClose) => void = () => undefined;
  private resolveOpen: () => void = () => undefined;
  constructor(
    readonly name: TransportName,
    readonly target: TransportTarget,
  ) {}
  open(onFrame: (frame: ServerFrame) => void, onClose: (close: TransportClose) => void): Promise<void> {
    this.onFrame = onFrame;
    this.onClose = onClose;
    return new Promise((resolve) => (this.resolveOpen = resolve));
  }
  send(frame: ClientFrame): Promise<void> {
    this.sent.push(frame);
    return Promise.resolve();
  }
  close(): void {
    this.closed = true;
  }
  welcome(heartbeatMs = 25_000): void {
    this.onFrame({ type: 'welcome', v: REALTIME_VERSION, conversationId: 'conv_1', lastSeq: 0, heartbeatMs });
    this.resolveOpen();
  }
}

const flush = (): Promise<void> => new Promise((resolve) => setTimeout(resolve, 0));

function message(seq: number, clientId: string | null = null): Message {
  const author = { role: 'agent', id: 'a1', name: 'Ann' } as const;
  return { id: `m${seq}`, conversationId: 'conv_1', seq, author, type: 'text', text: `#${seq}`, payload: null, clientId, createdAt: '' };
}

/** A seeded PRNG (mulberry32), so jitter is checked without flakiness. */
function seeded(seed: number): () => number {
  let state = seed;
  return () => {
    state = (state + 0x6d2b79f5) | 0;
    let t = Math.imul(state ^ (state >>> 15), 1 | state);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

function setup(options: Partial<ConnectionOptions> = {}) {
  const clock = new ManualClock();
  const transports: FakeTransport[] = [];
  const states: ConnectionState[] = [];
  const messages: Message[] = [];
  const connection = new Connection({
    baseUrl: 'http://parley.test',
    token: 't1',
    schedule: clock.schedule,
    now: () => clock.now,
    // Math.random made a test fail once in a few hundred runs: a full-jitter delay under 1 ms reconnects
    // within the clock step that was meant to show the 'reconnecting' state.
    random: seeded(42),
    createTransport: (name, target) => {
      const transport = new FakeTransport(name, target);
      transports.push(transport);
      return transport;
    },
    ...options,
  });
  connection.on('state', (state) => states.push(state));
  connection.on('message', (received) => messages.push(received));
  const last = (): FakeTransport => {
    const transport = transports.at(-1);
    if (transport === undefined) throw new Error('no transport yet');
    return transport;
  };
  return { clock, transports, states, messages, connection, last };
}

describe('Connection', () => {
  it('ignores the late callbacks of a transport it has replaced', async () => {
    const { connection, transports, messages, clock, last } = setup({ random: () => 0 });
    connection.connect();
    last().welcome();
    await flush();
    const old = last();
    old.onClose({ code: 1006, reason: 'lost' });
    clock.advance(0);
    expect(transports).toHaveLength(2);
    old.onFrame({ type: 'message', message: message(9) });
    old.onClose({ code: 4003, reason: 'late' });
    expect(messages).toEqual([]);
    expect(connection.state.kind).toBe('connecting');
    last().welcome();
    await flush();
    expect(connection.state).toMatchObject({ kind: 'open', transport: 'ws' });
  });

  it('backs off with full jitter below 5 s while the link is refused, and starts over after a stable open', async () => {
    const { connection, states, clock, last } = setup({ transports: ['ws'], random: seeded(42) });
    connection.connect();
    const delays: number[] = [];
    for (let attempt = 0; attempt < 12; attempt++) {
      last().onClose({ code: 1006, reason: 'down' });
      const state = states.at(-1);
      if (state?.kind !== 'reconnecting' || state.delayMs === null) throw new Error('expected a timed reconnect');
      delays.push(state.delayMs);
      clock.advance(state.delayMs);
    }
    delays.forEach((delay, attempt) => {
      expect(delay).toBeGreaterThanOrEqual(0);
      expect(delay).toBeLessThan(Math.min(5_000, 500 * 2 ** attempt));
    });
    expect(new Set(delays).size).toBe(delays.length); // Jittered: no two alike.
    expect(delays.slice(4).some((delay) => delay > 2_500)).toBe(true); // It does grow towards the cap.
    last().welcome();
    await flush();
    clock.advance(5_000);
    last().onClose({ code: 1006, reason: 'down again' });
    const after = states.at(-1);
    expect(after?.kind === 'reconnecting' && after.delayMs !== null && after.delayMs < 500).toBe(true);
  });

  it('falls back to SSE at once when WebSocket does not reach welcome in time, and to poll when SSE fails twice', async () => {
    const { connection, transports, clock, last } = setup();
    connection.connect();
    clock.advance(4_000);
    expect(transports.map((transport) => transport.name)).toEqual(['ws', 'sse']);
    expect(transports[0]?.closed).toBe(true);
    last().onClose({ code: 1006, reason: 'no' });
    clock.advance(500);
    last().onClose({ code: 1006, reason: 'no' });
    expect(last().name).toBe('poll');
    last().welcome();
    await flush();
    last().onClose({ code: 1006, reason: 'blip' });
    clock.advance(1_000);
    expect(last().name).toBe('poll'); // Remembered for the session.
  });

  it('reconnects when the link has been silent for 2.5 heartbeats', async () => {
    const { connection, transports, clock, last } = setup();
    connection.connect();
    last().welcome(1_000);
    await flush();
    clock.advance(2_000);
    last().onFrame({ type: 'ping' });
    clock.advance(2_499);
    expect(connection.state.kind).toBe('open');
    clock.advance(1);
    expect(transports[0]?.closed).toBe(true);
    expect(connection.state.kind).toBe('reconnecting');
    clock.advance(500);
    expect(transports.map((transport) => transport.name)).toEqual(['ws', 'ws']); // A silent WebSocket is the network: no proxy buffers one.
  });

  it('falls back from a proven SSE link that goes silent to long polling at once (a proxy buffering the stream)', async () => {
    const { connection, transports, clock, last } = setup();
    connection.connect();
    clock.advance(4_000); // WebSocket upgrades swallowed: SSE.
    last().welcome(1_000);
    await flush();
    expect(connection.state).toMatchObject({ kind: 'open', transport: 'sse' });
    clock.advance(2_500);
    expect(transports.map((transport) => transport.name)).toEqual(['ws', 'sse', 'poll']);
    expect(connection.state).toMatchObject({ kind: 'connecting', transport: 'poll' });
  });

  it('keeps a refused message: passing refusals stay pending and are resent on reconnect in order, too-large ones never', async () => {
    const { connection, clock, last } = setup();
    connection.connect();
    last().welcome();
    await flush();
    const a = connection.send('a');
    const big = connection.send('big');
    const c = connection.send('c');
    await flush();
    last().onFrame({ type: 'error', code: 'PARLEY_ERR_SEND_FAILED', message: 'db busy', clientId: a.clientId });
    last().onFrame({ type: 'error', code: 'PARLEY_ERR_FRAME_TOO_LARGE', message: 'too big', clientId: big.clientId });
    expect(connection.snapshot().map((entry) => [entry.status, entry.retryable])).toEqual([
      ['pending', true],
      ['failed', false],
      ['pending', true],
    ]);
    last().onClose({ code: 1006, reason: 'lost' });
    clock.advance(30_000);
    last().welcome();
    await flush();
    expect(last().sent).toEqual([
      { type: 'send', clientId: a.clientId, text: 'a' },
      { type: 'send', clientId: c.clientId, text: 'c' },
    ]);
    last().onFrame({ type: 'ack', clientId: a.clientId, seq: 1, messageId: 'm1', duplicate: false });
    expect(connection.snapshot().map((entry) => entry.clientId)).toEqual([big.clientId, c.clientId]);
  });

  it('counts each seq once and says hello from the highest it holds', async () => {
    const { connection, messages, clock, last } = setup({ lastSeq: 2 });
    connection.connect();
    expect(last().target.lastSeq).toBe(2);
    last().welcome();
    await flush();
    for (const seq of [2, 3, 4, 3, 4, 5]) last().onFrame({ type: 'message', message: message(seq) });
    expect(messages.map((received) => received.seq)).toEqual([3, 4, 5]);
    last().onClose({ code: 4000, reason: 'restart' });
    clock.advance(30_000);
    expect(last().target.lastSeq).toBe(5);
  });

  it('pauses while offline and reconnects at once when back online', async () => {
    const listeners = { online: (): void => undefined, offline: (): void => undefined };
    const network = {
      onOnline: (listener: () => void) => ((listeners.online = listener), () => undefined),
      onOffline: (listener: () => void) => ((listeners.offline = listener), () => undefined),
    };
    const { connection, transports, clock, last } = setup({ network });
    connection.connect();
    last().welcome();
    await flush();
    connection.markRead(7);
    listeners.offline();
    expect(connection.state).toMatchObject({ kind: 'reconnecting', reason: 'offline', delayMs: null });
    clock.advance(120_000);
    expect(transports).toHaveLength(1);
    listeners.online();
    last().welcome();
    await flush();
    expect(transports).toHaveLength(2);
    expect(last().sent).toEqual([{ type: 'read', seq: 7 }]);
  });

  it('follows a server reconnect frame after the delay it names', async () => {
    const { connection, transports, clock, last } = setup();
    connection.connect();
    last().welcome();
    await flush();
    last().onFrame({ type: 'reconnect', afterMs: 250, reason: 'deploy' });
    clock.advance(249);
    expect(transports).toHaveLength(1);
    clock.advance(1);
    expect(transports).toHaveLength(2);
  });
});

describe('Connection reconnect timing', () => {
  function withPage() {
    const listeners = { online: (): void => undefined, visible: (): void => undefined };
    const network = {
      onOnline: (listener: () => void) => ((listeners.online = listener), () => undefined),
      onOffline: () => () => undefined,
      onVisible: (listener: () => void) => ((listeners.visible = listener), () => undefined),
    };
    return { listeners, ...setup({ network, random: () => 0.999 }) };
  }

  it('reconnects at once when the page is shown again or the browser is back online, instead of waiting out the backoff', async () => {
    const { connection, listeners, transports, states, clock, last } = withPage();
    connection.connect();
    last().welcome();
    await flush();
    for (let attempt = 0; attempt < 6; attempt++) {
      last().onClose({ code: 1006, reason: 'refused' });
      const state = states.at(-1);
      if (attempt < 5) clock.advance(state?.kind === 'reconnecting' ? (state.delayMs ?? 0) : 0);
    }
    expect(states.at(-1)).toMatchObject({ kind: 'reconnecting', reason: 'lost', delayMs: 4_995 });
    const before = transports.length;
    listeners.visible();
    expect(transports).toHaveLength(before + 1);
    expect(connection.state.kind).toBe('connecting');
    last().onClose({ code: 1006, reason: 'still refused' });
    expect(states.at(-1)).toMatchObject({ kind: 'reconnecting', reason: 'lost', delayMs: 499 }); // The backoff started over.
    listeners.online();
    expect(transports).toHaveLength(before + 2);
    clock.advance(3_999); // Past the 499 ms backoff it replaced, short of the open timeout.
    expect(transports).toHaveLength(before + 2); // The cancelled timer does not open a second link.
  });

  it('waits out a delay the server named even when the page is shown again', async () => {
    const { connection, listeners, transports, clock, last } = withPage();
    connection.connect();
    last().welcome();
    await flush();
    last().onFrame({ type: 'reconnect', afterMs: 20_000, reason: 'draining' });
    listeners.visible();
    listeners.online();
    clock.advance(19_999);
    expect(transports).toHaveLength(1);
    clock.advance(1);
    expect(transports).toHaveLength(2);
  });
});

describe('Connection send retries', () => {
  const refuse = (transport: FakeTransport, clientId: string): void =>
    transport.onFrame({ type: 'error', code: 'PARLEY_ERR_SEND_FAILED', message: 'could not store the message', clientId });
  const sends = (transport: FakeTransport, clientId: string): number =>
    transport.sent.filter((frame) => frame.type === 'send' && frame.clientId === clientId).length;

  it('resends a message the store could not write on the same link, showing it pending, until it is acked', async () => {
    const { connection, clock, last } = setup({ random: () => 0.5 });
    const acks: string[] = [];
    connection.on('ack', (ack) => acks.push(ack.clientId));
    connection.connect();
    last().welcome();
    await flush();
    const entry = connection.send('a');
    await flush();
    for (const delay of [500, 1_000, 2_000]) {
      refuse(last(), entry.clientId);
      expect(connection.snapshot()).toMatchObject([{ clientId: entry.clientId, status: 'pending', retryable: true }]);
      const before = sends(last(), entry.clientId);
      clock.advance(delay - 1);
      await flush();
      expect(sends(last(), entry.clientId)).toBe(before);
      clock.advance(1);
      await flush();
      expect(sends(last(), entry.clientId)).toBe(before + 1);
    }
    last().onFrame({ type: 'ack', clientId: entry.clientId, seq: 1, messageId: 'm1', duplicate: false });
    expect(acks).toEqual([entry.clientId]);
    expect(connection.snapshot()).toEqual([]);
  });

  it('shows a message failed once refusals have lasted 30 s, then resends it on the next link', async () => {
    const { connection, clock, last } = setup({ random: () => 0.999 });
    connection.connect();
    last().welcome();
    await flush();
    const entry = connection.send('a');
    await flush();
    refuse(last(), entry.clientId);
    while (connection.snapshot()[0]?.status === 'pending') {
      clock.advance(10_000);
      await flush();
      if (clock.now > 60_000) throw new Error('never shown failed');
      refuse(last(), entry.clientId);
    }
    expect(clock.now).toBeGreaterThanOrEqual(30_000);
    expect(connection.snapshot()).toMatchObject([{ status: 'failed', retryable: true, error: { code: 'PARLEY_ERR_SEND_FAILED' } }]);
    const tried = sends(last(), entry.clientId);
    clock.advance(60_000);
    await flush();
    expect(sends(last(), entry.clientId)).toBe(tried); // Shown failed: this link leaves it to Retry or the next link.
    last().onClose({ code: 1006, reason: 'lost' });
    clock.advance(5_000);
    last().welcome();
    await flush();
    expect(sends(last(), entry.clientId)).toBe(1);
    expect(connection.snapshot()).toMatchObject([{ status: 'pending' }]);
  });

  it('shows a rate-limited message failed with the wait at once, and resends it by itself once the wait is over', async () => {
    const { connection, clock, last } = setup({ random: () => 0.5 });
    const errors: { code: string; clientId?: string; retryable?: boolean }[] = [];
    connection.on('error', (error) => errors.push(error));
    connection.connect();
    last().welcome();
    await flush();
    const entry = connection.send('too fast');
    await flush();
    last().onFrame({ type: 'error', code: 'PARLEY_ERR_RATE_LIMITED', message: 'slow down', clientId: entry.clientId, retryAfterMs: 7_000 });
    expect(errors).toMatchObject([{ code: 'PARLEY_ERR_RATE_LIMITED', clientId: entry.clientId, retryable: true }]);
    expect(connection.snapshot()).toMatchObject([
      { status: 'failed', retryable: true, error: { code: 'PARLEY_ERR_RATE_LIMITED', retryAfterMs: 7_000 } },
    ]);
    // Not before the wait the server named (the usual 1 s backoff would only be refused again).
    clock.advance(6_999);
    await flush();
    expect(sends(last(), entry.clientId)).toBe(1);
    clock.advance(1);
    await flush();
    expect(sends(last(), entry.clientId)).toBe(2);
    expect(connection.snapshot()).toMatchObject([{ status: 'pending' }]);
    last().onFrame({ type: 'ack', clientId: entry.clientId, seq: 1, messageId: 'm1', duplicate: false });
    expect(connection.snapshot()).toEqual([]);
  });
});

describe('Connection re-auth', () => {
  it('asks for a token at once, then backs off when fresh tokens keep being refused', async () => {
    let tokens = 0;
    const { connection, states, clock, last } = setup({ random: () => 0.5, getToken: () => Promise.resolve(`t${++tokens + 1}`) });
    connection.connect();
    last().onClose({ code: 4001, reason: 'expired' });
    await flush();
    clock.advance(0);
    expect(last().target.token).toBe('t2');
    last().onClose({ code: 4001, reason: 'still expired' });
    await flush();
    const waiting = states.at(-1);
    expect(waiting).toMatchObject({ kind: 'reconnecting', reason: 'reauth', delayMs: 500 });
    clock.advance(500);
    expect(last().target.token).toBe('t3');
    for (let refusal = 0; refusal < 6; refusal++) {
      last().onClose({ code: 4001, reason: 'refused again' });
      await flush();
      const state = states.at(-1);
      clock.advance(state?.kind === 'reconnecting' ? (state.delayMs ?? 0) : 0);
    }
    // Unlike a refused connection, a token refused again and again keeps the long backoff.
    expect(states.filter((state) => state.kind === 'reconnecting' && (state.delayMs ?? 0) > 5_000)).not.toEqual([]);
  });
});

describe('Connection outbox limits', () => {
  it('never puts an oversized message on the wire: it stays in the outbox, failed for good', async () => {
    const { connection, last } = setup();
    const errors: (boolean | undefined)[] = [];
    connection.on('error', (error) => errors.push(error.retryable));
    connection.connect();
    last().welcome();
    await flush();
    const huge = connection.send('😀'.repeat(5_000));
    await flush();
    expect(last().sent).toEqual([]);
    expect(errors).toEqual([false]);
    expect(connection.snapshot()).toMatchObject([{ clientId: huge.clientId, status: 'failed', retryable: false }]);
  });
});
