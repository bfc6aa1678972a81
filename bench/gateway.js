// Gateway bench: N visitor/agent pairs on loopback, Parley (every message committed to SQLite) beside a bare
// `ws` relay measured in the same run. Both servers run as child processes so their memory is theirs alone;
// the load generator is this process. Only the ratios are meant to be compared between runs.
import { execSync, spawn } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { createInterface } from 'node:readline';
import { setTimeout as sleep } from 'node:timers/promises';
import { fileURLToPath } from 'node:url';
import { freePort } from '@parley/testkit';
import WebSocket from 'ws';

const PAIRS = Number(process.env.BENCH_PAIRS ?? 50);
const SECONDS = Number(process.env.BENCH_SECONDS ?? 10);
// Below the per-connection limit (20 frames/s, burst 40), so throughput comes from the number of pairs.
const RATE = Number(process.env.BENCH_RATE ?? 15);
const IDLE = Number(process.env.BENCH_IDLE ?? 10_000);
const WARMUP_SECONDS = 2;
/** Half-load runs per side, interleaved; the verdict takes each side's median. */
const HALF_ROUNDS = Number(process.env.BENCH_HALF_ROUNDS ?? 5);
export const ADMIN_KEY = 'bench-admin-key-0123456789abcdef';
const ROOT = fileURLToPath(new URL('..', import.meta.url));
/** Tags each load run's texts, so a backlog replayed from another run can never be counted. */
let runCounter = 0;
const TARGETS = { throughputVsBare: 0.5, halfLoadP99VsBare: 3, idleBytesFor10k: 1024 ** 3 };

// ---- child processes --------------------------------------------------------------------------

function rssBytes(pid) {
  const line = readFileSync(`/proc/${pid}/status`, 'utf8')
    .split('\n')
    .find((l) => l.startsWith('VmRSS:'));
  return Number(line.split(/\s+/)[1]) * 1024;
}

export function stop(child) {
  return new Promise((resolve) => {
    if (child.exitCode !== null) return resolve();
    child.once('exit', resolve);
    child.kill('SIGTERM');
  });
}

/** `prefix` runs it under another command (the capacity bench pins it to one core with `taskset -c 0`). */
export async function startRelay(prefix = []) {
  const [command, ...args] = [...prefix, process.execPath, join(ROOT, 'bench/gateway-relay.js')];
  const child = spawn(command, args, { stdio: ['ignore', 'pipe', 'inherit'] });
  const port = await new Promise((resolve, reject) => {
    child.stdout.once('data', (chunk) => resolve(JSON.parse(chunk.toString().split('\n')[0]).port));
    child.once('exit', (code) => reject(new Error(`bare relay exited with ${code}`)));
  });
  return { child, url: `ws://127.0.0.1:${port}`, cleanup: () => stop(child) };
}

async function waitHealthy(base, child) {
  for (let i = 0; i < 200; i++) {
    if (child.exitCode !== null) throw new Error(`parley exited with ${child.exitCode}`);
    try {
      if ((await fetch(`${base}/healthz`)).ok) return;
    } catch {
      // not listening yet
    }
    await sleep(100);
  }
  throw new Error('parley did not become healthy in 20 s');
}

/**
 * An overloaded server still works through frames the closed sockets had sent; a run started before that
 * finishes would measure the previous run's backlog. Waits until a health check answers promptly again.
 */
export async function drained(base) {
  for (let i = 0; i < 60; i++) {
    const started = performance.now();
    await fetch(`${base}/healthz`);
    if (performance.now() - started < 20) return;
    await sleep(500);
  }
}

/** The environment of a bench's Parley server: its data directory and port, the bench's admin key, quiet logs, then `extra`. */
export function parleyEnv(dataDir, port, extra = {}) {
  return {
    ...process.env,
    PARLEY_DATA_DIR: dataDir,
    PARLEY_ADMIN_KEY: ADMIN_KEY,
    PARLEY_LOG_LEVEL: 'warn',
    PARLEY_PORT: String(port),
    PARLEY_HOST: '127.0.0.1',
    ...extra,
  };
}

/**
 * `env` is added to the server's environment (PostgreSQL, limits); `prefix` as for startRelay; `main` runs
 * another build of the server (the capacity bench's "before" side).
 */
export async function startParley({ env: extraEnv = {}, prefix = [], main = join(ROOT, 'packages/server/dist/main.js') } = {}) {
  const dataDir = mkdtempSync(join(tmpdir(), 'parley-gw-bench-'));
  const port = await freePort();
  const env = parleyEnv(dataDir, port, extraEnv);
  // BENCH_SERVER_NODE_ARGS (e.g. `--cpu-prof --cpu-prof-dir=/tmp/prof`) lets one look at where the server's time goes.
  const nodeArgs = (process.env.BENCH_SERVER_NODE_ARGS ?? '').split(' ').filter(Boolean);
  const [command, ...args] = [...prefix, process.execPath, ...nodeArgs, main];
  const child = spawn(command, args, {
    env,
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  // The first-run banner (with a throwaway admin key) is noise here; warnings and errors (JSON lines) are passed on.
  createInterface({ input: child.stdout }).on('line', (line) => line.startsWith('{') && console.log(`parley: ${line}`));
  const base = `http://127.0.0.1:${port}`;
  await waitHealthy(base, child);
  const cleanup = async () => {
    await stop(child);
    rmSync(dataDir, { recursive: true, force: true });
  };
  return { child, base, url: `ws://127.0.0.1:${port}`, cleanup };
}

// ---- Parley setup over REST --------------------------------------------------------------------

export async function api(base, path, body) {
  const res = await fetch(`${base}${path}`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', authorization: `Bearer ${ADMIN_KEY}` },
    body: JSON.stringify(body),
  });
  if (!res.ok) throw new Error(`POST ${path} → ${res.status} ${await res.text()}`);
  return res.json();
}

/**
 * A widget with a bot (as most have) and an agent to whom each load pair's conversation is assigned: a pair
 * is a visitor and an agent talking, so the bot stays out (its turn after each visitor message ends at the
 * ownership check). A builtin bot with no rules: were it asked, it would say nothing.
 */
export async function createWidget(base) {
  const bot = await api(base, '/v1/bots', { kind: 'builtin', name: 'bench (silent)', config: {} });
  const agent = await api(base, '/v1/agents', { name: 'Bench agent', email: 'bench@example.com', password: 'bench password 0123' });
  return { widgetId: (await api(base, '/v1/widgets', { name: 'gateway bench', botId: bot.id })).id, agentId: agent.id };
}

/** `count` visitor sessions; with `agentId`, each conversation is assigned to that agent (owner human). */
export async function createSessions(base, widgetId, count, agentId) {
  const sessions = [];
  for (let i = 0; i < count; i++) {
    const session = await api(base, `/v1/widgets/${widgetId}/sessions`, {});
    if (agentId !== undefined) await api(base, `/v1/inbox/${session.conversationId}/assign`, { agentId });
    sessions.push(session);
  }
  return sessions;
}

// ---- load generator ----------------------------------------------------------------------------

/** Opens a socket, says hello and resolves once the welcome arrived. */
function connect(url, onFrame = () => {}) {
  return new Promise((resolve, reject) => {
    const socket = new WebSocket(url, { perMessageDeflate: false });
    socket.on('open', () => socket.send(JSON.stringify({ type: 'hello', v: 1, lastSeq: 0 })));
    socket.on('error', reject);
    socket.on('close', (code) => reject(new Error(`closed with ${code} before welcome`)));
    socket.on('message', (data) => {
      const frame = JSON.parse(data.toString());
      if (frame.type === 'welcome') {
        socket.removeAllListeners('close');
        resolve(socket);
      } else onFrame(frame);
    });
  });
}

/** The p-th percentile (0-100) of an ascending array, NaN when it is empty. */
export function percentile(sorted, p) {
  return sorted.length ? sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))] : NaN;
}

/**
 * Every visitor sends `rate` messages/s (staggered so the pairs do not fire in lockstep); the agent records
 * send → receive latency from the timestamp in the text. Only messages sent after the warm-up count.
 */
async function runLoad(pairUrls, rate, label) {
  runCounter += 1;
  const state = {
    run: String(runCounter),
    measuring: false,
    measuredSent: 0,
    latencies: [],
    received: 0,
    errors: 0,
    errorCodes: {},
    closed: 0,
  };
  const pairs = await Promise.all(pairUrls.map((urls) => openPair(urls, state)));
  const stops = pairs.map(({ visitor }, i) => startSender(visitor, i, rate, state));
  await sleep(WARMUP_SECONDS * 1000);
  state.measuring = true;
  await sleep(SECONDS * 1000);
  state.measuring = false;
  const measured = state.measuredSent;
  for (const stopSending of stops) stopSending();
  // Messages in flight get 1 s to arrive (they count, with their latency); later ones are reported missing.
  await sleep(1000);
  for (const { visitor, agent } of pairs) for (const socket of [visitor, agent]) socket.terminate();
  state.latencies.sort((a, b) => a - b);
  return {
    name: label,
    pairs: pairUrls.length,
    offeredPerSecond: pairUrls.length * rate,
    relayedPerSecond: Math.round(state.received / SECONDS),
    sent: measured,
    received: state.received,
    missing: measured - state.received,
    errors: state.errors,
    errorCodes: state.errorCodes,
    unexpectedCloses: state.closed,
    p50Ms: +percentile(state.latencies, 50).toFixed(2),
    p99Ms: +percentile(state.latencies, 99).toFixed(2),
    maxMs: +percentile(state.latencies, 100).toFixed(2),
  };
}

async function openPair({ visitorUrl, agentUrl }, state) {
  const onAgentFrame = (frame) => {
    if (frame.type !== 'message' || !frame.message.text.startsWith('b ')) return;
    const [, run, flag, at] = frame.message.text.split(' ');
    if (run !== state.run || flag !== 'm') return; // another run's backlog, or sent during warm-up
    state.received += 1;
    state.latencies.push(performance.now() - Number(at));
  };
  const onVisitorFrame = (frame) => {
    if (frame.type !== 'error') return;
    state.errors += 1;
    state.errorCodes[frame.code] = (state.errorCodes[frame.code] ?? 0) + 1;
  };
  const agent = await connect(agentUrl, onAgentFrame);
  const visitor = await connect(visitorUrl, onVisitorFrame);
  for (const socket of [agent, visitor]) socket.on('close', (code) => code !== 1005 && code !== 1006 && (state.closed += 1));
  return { visitor, agent };
}

function startSender(visitor, index, rate, state) {
  let n = 0;
  const send = () => {
    const flag = state.measuring ? 'm' : 'w';
    if (state.measuring) state.measuredSent += 1;
    n += 1;
    // The text carries the send time; clientId is unique per pair and message (8–64 of [A-Za-z0-9_-]).
    visitor.send(JSON.stringify({ type: 'send', clientId: `bench-${index}-${n}`, text: `b ${state.run} ${flag} ${performance.now()}` }));
  };
  const interval = 1000 / rate;
  let timer;
  const start = setTimeout(
    () => {
      send();
      timer = setInterval(send, interval);
    },
    (index * interval) / PAIRS,
  );
  return () => {
    clearTimeout(start);
    clearInterval(timer);
  };
}

// ---- idle connections --------------------------------------------------------------------------

function fdLimit() {
  return Number(execSync('ulimit -n', { shell: '/bin/sh' }).toString().trim());
}

/** Opens `count` sockets, at most 200 handshakes at a time, and reports the server's RSS growth. */
async function measureIdle(pid, urls, count) {
  await sleep(1000);
  const before = rssBytes(pid);
  const sockets = [];
  for (let i = 0; i < count; i += 200) {
    const batch = [];
    for (let j = i; j < Math.min(count, i + 200); j++) batch.push(connect(urls[j % urls.length]));
    sockets.push(...(await Promise.all(batch)));
  }
  await sleep(2000); // let the server settle (allocations after the welcome, lazy buffers)
  const after = rssBytes(pid);
  for (const socket of sockets) socket.terminate();
  const perConnection = Math.round((after - before) / count);
  return { connections: count, rssBeforeMB: mb(before), rssAfterMB: mb(after), bytesPerConnection: perConnection };
}

const mb = (bytes) => +(bytes / 1024 ** 2).toFixed(1);

// ---- the two servers ---------------------------------------------------------------------------

/** Both servers up at once, each with a way to get fresh visitor/agent pair URLs. */
async function startSubjects() {
  const relay = await startRelay();
  const parley = await startParley().catch(async (error) => {
    await relay.cleanup();
    throw error;
  });
  const { widgetId, agentId } = await createWidget(parley.base).catch(async (error) => {
    await relay.cleanup();
    await parley.cleanup();
    throw error;
  });
  const ws = (token, conversationId) => `${parley.url}/v1/realtime/ws?token=${encodeURIComponent(token)}${conversationId ?? ''}`;
  return {
    bare: {
      label: 'bare ws relay',
      pid: relay.child.pid,
      pairUrls: async () =>
        Array.from({ length: PAIRS }, (_, i) => ({ visitorUrl: `${relay.url}/?pair=${i}`, agentUrl: `${relay.url}/?pair=${i}` })),
      idleUrls: async () => Array.from({ length: 10 }, (_, i) => `${relay.url}/?pair=idle${i}`),
      settle: async () => undefined,
    },
    parley: {
      label: 'Parley (SQLite)',
      pid: parley.child.pid,
      // Fresh sessions for each run: reusing one would replay the previous run's messages on hello (lastSeq 0).
      pairUrls: async () =>
        (await createSessions(parley.base, widgetId, PAIRS, agentId)).map((s) => ({
          visitorUrl: ws(s.token),
          agentUrl: ws(ADMIN_KEY, `&conversationId=${s.conversationId}`),
        })),
      // Fresh sessions for the idle sockets too, so each hello replays no backlog from the load runs.
      idleUrls: async () => (await createSessions(parley.base, widgetId, 10)).map((s) => ws(s.token)),
      settle: () => drained(parley.base),
    },
    cleanup: async () => {
      await relay.cleanup();
      await parley.cleanup();
    },
  };
}

const median = (values) => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)];

/**
 * The half-load runs take turns, bare then Parley, HALF_ROUNDS times, and each side's figures are the
 * median of its rounds: a quiet or busy spell of this shared machine then falls on both sides instead
 * of deciding the ratio (one round of each measured p99 ratios from ×1.7 to ×6 on the same build).
 */
async function halfLoadRounds(subjects) {
  const rounds = { bare: [], parley: [] };
  for (let round = 0; round < HALF_ROUNDS; round++) {
    for (const side of ['bare', 'parley']) {
      const subject = subjects[side];
      rounds[side].push(await runLoad(await subject.pairUrls(), RATE / 2, `${subject.label}, half load`));
      await subject.settle();
    }
  }
  const summary = (runs) => ({
    ...runs[0],
    ...Object.fromEntries(
      ['relayedPerSecond', 'sent', 'received', 'missing', 'errors', 'unexpectedCloses', 'p50Ms', 'p99Ms', 'maxMs'].map((key) => [
        key,
        median(runs.map((run) => run[key])),
      ]),
    ),
    // Every error code any round saw, counted over all rounds (a later round's count no longer replaces an earlier one).
    errorCodes: runs
      .flatMap((run) => Object.entries(run.errorCodes))
      .reduce((sum, [code, count]) => ({ ...sum, [code]: (sum[code] ?? 0) + count }), {}),
    name: `${runs[0].name} (median of ${runs.length})`,
    rounds: runs.map(({ p50Ms, p99Ms, missing }) => ({ p50Ms, p99Ms, missing })),
  });
  return { bare: summary(rounds.bare), parley: summary(rounds.parley) };
}

async function benchBoth(idleCount) {
  const subjects = await startSubjects();
  try {
    const full = {};
    for (const side of ['bare', 'parley']) {
      full[side] = await runLoad(await subjects[side].pairUrls(), RATE, `${subjects[side].label}, full load`);
      await subjects[side].settle();
    }
    const half = await halfLoadRounds(subjects);
    const idle = {};
    for (const side of ['bare', 'parley']) idle[side] = await measureIdle(subjects[side].pid, await subjects[side].idleUrls(), idleCount);
    return {
      bare: { full: full.bare, half: half.bare, idle: idle.bare },
      parley: { full: full.parley, half: half.parley, idle: idle.parley },
    };
  } finally {
    await subjects.cleanup();
  }
}

// ---- report ------------------------------------------------------------------------------------

function verdicts(bare, parley) {
  const throughput = parley.full.relayedPerSecond / bare.full.relayedPerSecond;
  const p99 = parley.half.p99Ms / bare.half.p99Ms;
  // The target is about 10,000 connections: extrapolate linearly when fewer could be opened.
  const idleFor10k = parley.idle.rssBeforeMB * 1024 ** 2 + parley.idle.bytesPerConnection * 10_000;
  return {
    throughputVsBare: {
      value: +throughput.toFixed(2),
      target: `≥ ${TARGETS.throughputVsBare}`,
      pass: throughput >= TARGETS.throughputVsBare,
    },
    halfLoadP99VsBare: { value: +p99.toFixed(2), target: `≤ ${TARGETS.halfLoadP99VsBare}`, pass: p99 <= TARGETS.halfLoadP99VsBare },
    idleRssFor10kMB: { value: mb(idleFor10k), target: '< 1024', pass: idleFor10k < TARGETS.idleBytesFor10k },
    idleBytesPerConnectionVsBare: { value: +(parley.idle.bytesPerConnection / bare.idle.bytesPerConnection).toFixed(2) },
  };
}

const keptUp = (run) => run.missing <= run.sent * 0.001 && run.relayedPerSecond >= run.offeredPerSecond * 0.95;

function print(report) {
  const { bare, parley, ratios } = report;
  console.table(
    [bare.full, parley.full, bare.half, parley.half].map(({ name, offeredPerSecond, relayedPerSecond, p50Ms, p99Ms, missing, errors }) => ({
      name,
      offeredPerSecond,
      relayedPerSecond,
      p50Ms,
      p99Ms,
      missing,
      errors,
    })),
  );
  console.table({ 'bare ws relay': bare.idle, 'Parley (SQLite)': parley.idle });
  if (report.idleNote) console.log(report.idleNote);
  const mark = (r) => (r.pass ? 'PASS' : 'MISS');
  const t = ratios.throughputVsBare;
  console.log(
    `throughput Parley/bare ×${t.value} (${parley.full.relayedPerSecond} vs ${bare.full.relayedPerSecond} msg/s; target ${t.target}) ${mark(t)}`,
  );
  // At a fixed offered load the ratio only shows whether Parley keeps up; it is not a saturation figure.
  if ([bare.full, parley.full].every(keptUp)) {
    console.log(`  (both kept up with the offered ${parley.full.offeredPerSecond} msg/s: raise BENCH_PAIRS to look for saturation)`);
  }
  const p = ratios.halfLoadP99VsBare;
  console.log(`p99 at half load Parley/bare ×${p.value} (${parley.half.p99Ms} vs ${bare.half.p99Ms} ms; target ${p.target}) ${mark(p)}`);
  const perRound = (half) => half.rounds.map((round) => round.p99Ms).join(', ');
  console.log(`  p99 of each half-load round, in turn: bare ${perRound(bare.half)} ms; Parley ${perRound(parley.half)} ms`);
  const m = ratios.idleRssFor10kMB;
  console.log(
    `idle memory ${parley.idle.bytesPerConnection} B/connection (bare ${bare.idle.bytesPerConnection} B, ×${ratios.idleBytesPerConnectionVsBare.value}); ` +
      `server RSS for 10,000 idle ${m.value} MB (target ${m.target} MB) ${mark(m)}`,
  );
  console.log('written to bench/results/gateway.json');
}

export async function runGatewayBench() {
  // Each side holds `idle` sockets at once (the client in this process, the server in its child), plus the load pairs.
  const limit = fdLimit();
  const idle = Math.min(IDLE, limit - 2 * PAIRS - 200);
  const idleNote =
    idle < IDLE ? `note: ulimit -n is ${limit}, so ${idle} idle connections instead of ${IDLE} (10k figure extrapolated)` : undefined;
  const { bare, parley } = await benchBoth(idle);
  const report = {
    measuredAt: new Date().toISOString(),
    node: process.version,
    storage: 'sqlite',
    settings: {
      pairs: PAIRS,
      ratePerVisitor: RATE,
      seconds: SECONDS,
      warmupSeconds: WARMUP_SECONDS,
      halfLoadRounds: HALF_ROUNDS,
      idle,
      idleNote,
    },
    bare,
    parley,
    ratios: verdicts(bare, parley),
  };
  mkdirSync(new URL('./results/', import.meta.url), { recursive: true });
  writeFileSync(new URL('./results/gateway.json', import.meta.url), `${JSON.stringify(report, null, 2)}\n`);
  print({ ...report, idleNote });
  return report;
}

if (process.argv[1] === fileURLToPath(import.meta.url)) await runGatewayBench();
