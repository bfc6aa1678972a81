// The capacity bench's load generator (bench/gateway-capacity.js), in its own process so that it neither
// shares an event loop with the parent's REST set-up nor with the server it measures (it is pinned to its
// own core when `taskset` is there). Driven over IPC:
//   { cmd: 'run', pairs: [{ visitorUrl, agentUrl }], rate, warmupMs, measureMs, graceMs } → a result
//   { cmd: 'close' } → every socket closed, then the process exits
// Connections stay open between runs (a step of the ramp uses the first N pairs), so a step measures the
// relay of messages, not handshakes. A socket that closed (an overloaded server dropping a slow consumer)
// is opened again before the next run, with hello's lastSeq at the highest seq it had seen.
import { performance } from 'node:perf_hooks';
import { setTimeout as sleep } from 'node:timers/promises';
import WebSocket from 'ws';

/** Open connections by pair index: { visitor, agent, key } where key is the URLs they were opened with. */
const open = [];
/** Each run tags its texts, so a message of an earlier (overloaded) step arriving late is never counted. */
let runTag = 0;
let state = newState();

function newState() {
  return { run: '', measuring: false, sent: 0, received: 0, latencies: [], errors: 0, errorCodes: {}, closes: 0, lastFrameAt: 0 };
}

const TEXT = '"text":"b ';

/** Counts the agent's copies of this run's measured messages; frames are scanned, not parsed (the generator must outpace the relay). */
function onAgentData(pair, data) {
  const text = data.toString();
  state.lastFrameAt = performance.now();
  trackSeq(pair, 'agentSeq', text);
  // A `messages` batch frame holds several: take every one.
  for (let at = text.indexOf(TEXT); at !== -1; at = text.indexOf(TEXT, at + TEXT.length)) {
    const end = text.indexOf('"', at + TEXT.length);
    const [run, flag, sentAt] = text.slice(at + TEXT.length, end).split(' ');
    if (run !== state.run || flag !== 'm') continue;
    state.received += 1;
    state.latencies.push(performance.now() - Number(sentAt));
  }
}

function onVisitorData(pair, data) {
  const text = data.toString();
  state.lastFrameAt = performance.now();
  trackSeq(pair, 'visitorSeq', text);
  if (!text.startsWith('{"type":"error"')) return;
  const code = JSON.parse(text).code;
  state.errors += 1;
  state.errorCodes[code] = (state.errorCodes[code] ?? 0) + 1;
}

const SEQ = /"seq":(\d+)/g;
function trackSeq(pair, key, text) {
  for (const match of text.matchAll(SEQ)) pair[key] = Math.max(pair[key], Number(match[1]));
}

/** Opens a socket, says hello (from `lastSeq`) and resolves once the welcome arrived. */
function connect(url, lastSeq, onData) {
  return new Promise((resolve, reject) => {
    const socket = new WebSocket(url, { perMessageDeflate: false });
    socket.on('open', () => socket.send(JSON.stringify({ type: 'hello', v: 1, lastSeq })));
    socket.on('error', reject);
    socket.on('close', (code) => reject(new Error(`closed with ${code} before welcome`)));
    socket.once('message', (data) => {
      if (!data.toString().startsWith('{"type":"welcome"'))
        return reject(new Error(`expected welcome, got ${data.toString().slice(0, 200)}`));
      socket.removeAllListeners('close');
      socket.removeAllListeners('error');
      socket.on('error', () => undefined); // the close that follows is what counts
      socket.on('message', onData);
      resolve(socket);
    });
  });
}

async function openPair(index, { visitorUrl, agentUrl }) {
  const key = `${visitorUrl} ${agentUrl}`;
  const previous = open[index];
  if (previous?.key === key && previous.alive) return;
  const pair = previous?.key === key ? previous : { key, agentSeq: 0, visitorSeq: 0 };
  for (const socket of [pair.visitor, pair.agent]) socket?.terminate();
  pair.agent = await connect(agentUrl, pair.agentSeq, (data) => onAgentData(pair, data));
  pair.visitor = await connect(visitorUrl, pair.visitorSeq, (data) => onVisitorData(pair, data));
  pair.alive = true;
  for (const socket of [pair.agent, pair.visitor]) {
    socket.on('close', () => {
      if (pair.alive) state.closes += 1;
      pair.alive = false;
    });
  }
  open[index] = pair;
}

/** Opens the pairs that are not open yet, at most 100 handshakes at a time. */
async function ensurePairs(pairs) {
  for (let i = 0; i < pairs.length; i += 100) {
    await Promise.all(pairs.slice(i, i + 100).map((urls, j) => openPair(i + j, urls)));
  }
}

function percentile(sorted, p) {
  return sorted.length ? sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))] : NaN;
}

/**
 * Offers `rate` messages/s spread evenly over `count` pairs: every 5 ms, the sends due since the start go
 * out round-robin (so each pair sends at rate/count per second, well apart). Latency is measured from the
 * moment a message is written to its arrival at the agent; `sentPerSecond` below the offered rate says
 * this generator could not keep up (then the step shows the generator's limit, not the server's).
 */
async function run({ pairs, rate, warmupMs, measureMs, graceMs }) {
  await ensurePairs(pairs);
  runTag += 1;
  state = newState();
  state.run = `${process.pid}_${runTag}`;
  const live = open.slice(0, pairs.length);
  const counters = new Array(live.length).fill(0);
  const started = performance.now();
  let due = 0;
  let next = 0;
  let measuredFrom = Infinity;
  let measuredSent = 0;
  let totalSent = 0;
  const tick = () => {
    const now = performance.now();
    const flag = now - started >= warmupMs ? 'm' : 'w';
    if (flag === 'm' && measuredFrom === Infinity) measuredFrom = now;
    const target = Math.floor(((now - started) / 1000) * rate);
    for (; due < target; due++) {
      const index = next;
      next = (next + 1) % live.length;
      const pair = live[index];
      if (!pair.alive) continue; // closed by the server: counted as missing
      counters[index] += 1;
      totalSent += 1;
      if (flag === 'm') measuredSent += 1;
      pair.visitor.send(
        `{"type":"send","clientId":"bench-${state.run}-${index}-${counters[index]}","text":"b ${state.run} ${flag} ${performance.now()}"}`,
      );
    }
    state.sent = measuredSent;
  };
  const timer = setInterval(tick, 5);
  await sleep(warmupMs);
  state.measuring = true;
  const cpuFrom = process.cpuUsage();
  const wallFrom = performance.now();
  await sleep(measureMs);
  // Share of one core this generator used while measuring: near 1, it (not the server) may set the limit.
  const { user, system } = process.cpuUsage(cpuFrom);
  const generatorCpu = +((user + system) / 1000 / (performance.now() - wallFrom)).toFixed(2);
  clearInterval(timer);
  const measuredMs = performance.now() - measuredFrom;
  const sent = measuredSent;
  // Messages in flight get `graceMs` to arrive (they count, with their latency); later ones are missing.
  await sleep(graceMs);
  const received = state.received;
  const latencies = state.latencies.sort((a, b) => a - b);
  const result = {
    pairs: live.length,
    offeredPerSecond: rate,
    sentPerSecond: Math.round((sent / measuredMs) * 1000),
    relayedPerSecond: Math.round((received / measuredMs) * 1000),
    sent,
    /** Warm-up included: what the server's CPU time in this run is divided by. */
    sentWithWarmup: totalSent,
    received,
    missing: sent - received,
    delivery: sent ? +(received / sent).toFixed(4) : 0,
    errors: state.errors,
    errorCodes: state.errorCodes,
    unexpectedCloses: state.closes,
    generatorCpu,
    p50Ms: +percentile(latencies, 50).toFixed(2),
    p99Ms: +percentile(latencies, 99).toFixed(2),
    maxMs: +percentile(latencies, 100).toFixed(2),
  };
  state = newState(); // later arrivals are not counted (and not kept)
  // Settle: wait until no frame arrived for 500 ms (at most 30 s), so the next step starts on a quiet link.
  const settleStart = performance.now();
  state.lastFrameAt = performance.now();
  while (performance.now() - state.lastFrameAt < 500 && performance.now() - settleStart < 30_000) await sleep(100);
  return result;
}

process.on('message', async (message) => {
  try {
    if (message.cmd === 'run') process.send({ ok: true, result: await run(message) });
    else if (message.cmd === 'close') {
      for (const pair of open) for (const socket of [pair?.visitor, pair?.agent]) socket?.terminate();
      process.send({ ok: true }, () => process.exit(0));
    }
  } catch (error) {
    process.send({ ok: false, error: String(error?.stack ?? error) });
  }
});
process.send({ ok: true, ready: true });
