// The reconnect-storm bench's load generator, in its own process (bench/reconnect-storm.js forks it with an IPC
// channel). Each visitor is the real client: a `Connection` from the built @parley/client package, with `ws` as its
// WebSocket, so reconnects follow the client's own rules (a `reconnect` frame: wait its afterMs; a lost or refused
// link: full-jitter backoff capped at LOST_CAP_MS, attempts counted and reset after a stable link; the open timeout).
// WebSocket only: the widget would fall back to SSE after a 4 s open timeout, which Node has no EventSource for;
// here a timed-out open is retried on WebSocket after a backoff (the picker's rule for a single transport).
//
// Messages from the parent: {type:'connect'} opens every visitor (200 at a time) and answers {type:'connected'};
// {type:'expect', targets} starts a round: from now on a visitor counts as reconnected at its first welcome and as
// caught up once it holds the seq its conversation was given while the node was down; {type:'report'} answers the
// round's figures; {type:'stop'} closes everything and exits.
import { readFileSync } from 'node:fs';
import { performance } from 'node:perf_hooks';
import { Connection } from '@parley/client';
import WebSocket from 'ws';

const { baseUrl, visitors } = JSON.parse(readFileSync(process.argv[2], 'utf8'));
const OPEN_CONCURRENCY = 200;
/** token → visitor: a socket is told apart by its URL's token. */
const byToken = new Map();

/**
 * STORM_HELLO_FRAME=1 (the storm bench's BENCH_STORM_BEFORE_HELLO=frame): say lastSeq in a hello frame instead of the
 * URL, as the client did before the welcome came with the handshake, so that a build from before can be measured.
 */
const HELLO_FRAME = process.env.STORM_HELLO_FRAME === '1';
const withoutResume = (url) => {
  const plain = new URL(url);
  plain.searchParams.delete('lastSeq');
  plain.searchParams.delete('batch');
  return plain.toString();
};

/** Per-round counters of what the sockets saw, beside the Connection's own view. */
let round = null;

/**
 * `ws` with the timings the bench needs: hello (sent by the transport on open) to welcome, and why a link ended
 * before its welcome. The Connection sees only what a browser's WebSocket shows, as in production.
 */
class TimedWebSocket extends WebSocket {
  constructor(url) {
    super(HELLO_FRAME ? withoutResume(url) : url, { perMessageDeflate: false });
    if (HELLO_FRAME) {
      const resume = new URL(url).searchParams;
      const hello = {
        type: 'hello',
        v: 1,
        lastSeq: Number(resume.get('lastSeq') ?? 0),
        ...(resume.get('batch') === '1' ? { batch: true } : {}),
      };
      this.addEventListener('open', () => this.send(JSON.stringify(hello)));
    }
    const r = round;
    if (r === null) return;
    r.attempts += 1;
    const visitor = byToken.get(new URL(url).searchParams.get('token'));
    visitor.attempts += 1;
    let openedAt = 0;
    let welcomed = false;
    this.on('unexpected-response', (_request, response) => {
      r.refusedHttp[response.statusCode] = (r.refusedHttp[response.statusCode] ?? 0) + 1;
    });
    this.addEventListener('open', () => (openedAt = performance.now()));
    this.addEventListener('message', (event) => {
      if (welcomed || typeof event.data !== 'string' || !event.data.startsWith('{"type":"welcome"')) {
        if (!welcomed && typeof event.data === 'string' && event.data.startsWith('{"type":"reconnect"')) r.reconnectFrames += 1;
        return;
      }
      welcomed = true;
      r.helloMs.push(performance.now() - openedAt);
    });
    const constructedAt = Date.now();
    this.addEventListener('close', (event) => {
      if (welcomed) return;
      if (openedAt === 0) r.neverOpened += 1;
      else r.closedBeforeWelcome[event.code] = (r.closedBeforeWelcome[event.code] ?? 0) + 1;
      visitor.failures.push({ at: constructedAt, ms: Date.now() - constructedAt, opened: openedAt !== 0, code: event.code });
    });
  }
}

/** One visitor: its connection and the highest seq it holds. */
const state = visitors.map(({ token, conversationId }) => {
  const visitor = { conversationId, seq: 0, target: Infinity, welcomedAt: 0, caughtUpAt: 0, connection: null, attempts: 0, failures: [] };
  byToken.set(token, visitor);
  const connection = new Connection({ baseUrl, token, WebSocket: TimedWebSocket, transports: ['ws'] });
  connection.on('message', (message) => {
    visitor.seq = Math.max(visitor.seq, message.seq);
    if (round !== null && visitor.caughtUpAt === 0 && visitor.seq >= visitor.target) caughtUp(visitor);
  });
  connection.on('ready', () => {
    if (round === null || visitor.welcomedAt !== 0) return;
    visitor.welcomedAt = Date.now();
    round.reconnected += 1;
    // Nothing was written for it this round (or it already held it): caught up at its welcome.
    if (visitor.caughtUpAt === 0 && visitor.seq >= visitor.target) caughtUp(visitor);
  });
  visitor.connection = connection;
  return visitor;
});

function caughtUp(visitor) {
  visitor.caughtUpAt = Date.now();
  round.caughtUp += 1;
  if (round.caughtUp === state.length) process.send({ type: 'allCaughtUp', at: visitor.caughtUpAt });
}

async function connectAll() {
  const started = performance.now();
  let next = 0;
  const open = (visitor) =>
    new Promise((resolve) => {
      const onState = (s) => {
        if (s.kind !== 'open') return;
        visitor.connection.off('state', onState);
        resolve();
      };
      visitor.connection.on('state', onState);
      visitor.connection.connect();
    });
  const worker = async () => {
    while (next < state.length) await open(state[next++]);
  };
  await Promise.all(Array.from({ length: Math.min(OPEN_CONCURRENCY, state.length) }, worker));
  return { ready: state.filter((v) => v.connection.state.kind === 'open').length, seconds: (performance.now() - started) / 1000 };
}

function percentile(sorted, p) {
  return sorted.length === 0 ? null : +sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))].toFixed(1);
}

function report() {
  const helloMs = [...round.helloMs].sort((a, b) => a - b);
  const welcomes = state.map((v) => v.welcomedAt).filter((t) => t > 0);
  const caught = state.map((v) => v.caughtUpAt).filter((t) => t > 0);
  return {
    type: 'report',
    visitors: state.length,
    reconnected: round.reconnected,
    caughtUp: round.caughtUp,
    lastWelcomeAt: welcomes.length ? Math.max(...welcomes) : null,
    lastCaughtUpAt: caught.length ? Math.max(...caught) : null,
    welcomedAt: welcomes,
    caughtUpAt: caught,
    attempts: round.attempts,
    neverOpened: round.neverOpened,
    refusedHttp: round.refusedHttp,
    closedBeforeWelcome: round.closedBeforeWelcome,
    reconnectFrames: round.reconnectFrames,
    helloMs: { n: helloMs.length, p50: percentile(helloMs, 50), p99: percentile(helloMs, 99), max: percentile(helloMs, 100) },
    // The last visitors back: how many tries each took, and how its failed ones ended (start time, duration, code).
    last: [...state]
      .sort((a, b) => b.welcomedAt - a.welcomedAt)
      .slice(0, 5)
      .map((v) => ({ welcomedAt: v.welcomedAt, attempts: v.attempts, failures: v.failures.slice(-4) })),
    notCaughtUp: state
      .filter((v) => v.caughtUpAt === 0)
      .slice(0, 5)
      .map((v) => ({ conversationId: v.conversationId, seq: v.seq, target: v.target, state: v.connection.state })),
  };
}

process.on('message', async (message) => {
  switch (message.type) {
    case 'connect':
      process.send({ type: 'connected', ...(await connectAll()) });
      return;
    case 'expect': {
      round = {
        reconnected: 0,
        caughtUp: 0,
        attempts: 0,
        neverOpened: 0,
        refusedHttp: {},
        closedBeforeWelcome: {},
        reconnectFrames: 0,
        helloMs: [],
      };
      for (const visitor of state) {
        visitor.target = message.targets[visitor.conversationId] ?? visitor.seq;
        visitor.welcomedAt = 0;
        visitor.caughtUpAt = 0;
        visitor.attempts = 0;
        visitor.failures = [];
      }
      process.send({ type: 'expecting' });
      return;
    }
    case 'report':
      process.send(report());
      return;
    case 'stop':
      for (const visitor of state) visitor.connection.close();
      setTimeout(() => process.exit(0), 200);
  }
});
process.send({ type: 'started' });
