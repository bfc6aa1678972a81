// What one reconnect costs the node (issue 19, part 2), beside a bare `ws` server answering the same frames: the
// storm bench (bench/reconnect-storm.js) shows whether a storm meets its targets, but its CPU figure moves by a third
// from run to run with the clients' timing (queueing, refusals, dropped handshakes). Here each visitor reconnects exactly
// once, 32 at a time, to a node restarted just before (cold caches, as after a crash), and the node's CPU time (user +
// system, from /proc) is divided by the reconnects: microseconds of CPU a reconnect.
//
// A reconnect is what the widget does after a restart: open the WebSocket with the session token, resume from lastSeq
// (0: one bot message was stored for each conversation while the node was down, bench/reconnect-storm-writer.js), and
// hold the socket open once that message arrived. Two ways to resume are measured on each side, alternately:
//   hello — the client sends `hello {lastSeq}` once the socket is open (the protocol's first form);
//   url   — the WebSocket URL names `lastSeq`, and the welcome follows the handshake (no hello frame, one round trip less).
// A server that does not know `url` (an older build, BENCH_COST_BEFORE) shows null there.
//   node bench/reconnect-cost.js                    4,000 visitors, two rounds of each way
//   BENCH_COST_VISITORS=n BENCH_COST_ROUNDS=n       other sizes
//   BENCH_COST_BEFORE=packages/server/<copy of dist>  a previous build too, in the same run
import { execFileSync, spawn } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import { freePort } from '@parley/testkit';
import WebSocket from 'ws';
import { parleyEnv, percentile, stop } from './gateway.js';
import { cpuMs, LIMITS_ABOVE_THE_LOAD } from './gateway-capacity.js';
import { exited, openVisitors, readyAt, storeWhileDown } from './reconnect-storm.js';

const ROOT = fileURLToPath(new URL('..', import.meta.url));
const QUICK = process.env.BENCH_QUICK === '1';
const VISITORS = Number(process.env.BENCH_COST_VISITORS ?? (QUICK ? 1000 : 4000));
const ROUNDS = Number(process.env.BENCH_COST_ROUNDS ?? 2);
const IN_FLIGHT = 32;
const WAYS = (process.env.BENCH_COST_WAYS ?? 'hello,url').split(',');

/**
 * The server on CPU 0 and this process (the clients) on CPU 1 when `taskset` is there: neither takes the other's core.
 * Set while the bench runs (runReconnectCostBench), and this process's affinity given back after: `npm run bench` runs
 * the other benches in the same process.
 */
let PIN = false;
const pinned = (command, args) => (PIN ? ['taskset', ['-c', '0', command, ...args]] : [command, args]);
function pinSelf() {
  const all = execFileSync('taskset', ['-pc', String(process.pid)], { encoding: 'utf8' })
    .split(':')
    .at(-1)
    .trim();
  execFileSync('taskset', ['-pc', '1', String(process.pid)], { stdio: 'ignore' });
  return () => execFileSync('taskset', ['-pc', all, String(process.pid)], { stdio: 'ignore' });
}

function spawnParley(main, dataDir, port) {
  // BENCH_SERVER_NODE_ARGS (e.g. `--cpu-prof --cpu-prof-dir=/tmp/prof`) lets one look at where a reconnect's time goes.
  const nodeArgs = (process.env.BENCH_SERVER_NODE_ARGS ?? '').split(' ').filter(Boolean);
  const child = spawn(...pinned(process.execPath, [...nodeArgs, main]), {
    env: parleyEnv(dataDir, port, LIMITS_ABOVE_THE_LOAD),
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  createInterface({ input: child.stdout }).on('line', (line) => line.startsWith('{') && console.log(`parley: ${line.slice(0, 300)}`));
  return child;
}

/** Opens one visitor's socket the given way; resolves once the stored message (seq ≥ 1) arrived, with the socket open. */
function reconnect(url, way) {
  return new Promise((resolve, reject) => {
    const socket = new WebSocket(way === 'url' ? `${url}&lastSeq=0` : url, { perMessageDeflate: false });
    const timer = setTimeout(() => {
      socket.terminate();
      reject(new Error(`no message within 10 s (${way})`));
    }, 10_000);
    if (way === 'hello') socket.on('open', () => socket.send(JSON.stringify({ type: 'hello', v: 1, lastSeq: 0 })));
    socket.on('error', () => undefined);
    socket.on('close', (code) => {
      clearTimeout(timer);
      reject(new Error(`closed with ${code} (${way})`));
    });
    socket.on('message', (data) => {
      const text = data.toString();
      if (!text.startsWith('{"type":"message"') && !text.startsWith('{"type":"messages"')) return;
      clearTimeout(timer);
      socket.removeAllListeners('close');
      resolve(socket);
    });
  });
}

/** Every visitor once, IN_FLIGHT at a time: the server's CPU milliseconds per reconnect, and the latency of each. */
async function wave(pid, urls, way) {
  const sockets = [];
  const latencies = [];
  let next = 0;
  const before = cpuMs(pid);
  const started = performance.now();
  await Promise.all(
    Array.from({ length: IN_FLIGHT }, async () => {
      while (next < urls.length) {
        const url = urls[next++];
        const at = performance.now();
        sockets.push(await reconnect(url, way));
        latencies.push(performance.now() - at);
      }
    }),
  );
  const seconds = (performance.now() - started) / 1000;
  const usEach = ((cpuMs(pid) - before) * 1000) / urls.length;
  for (const socket of sockets) socket.terminate();
  latencies.sort((a, b) => a - b);
  return { way, usEach: Math.round(usEach), perSecond: Math.round(urls.length / seconds), p50Ms: +percentile(latencies, 50).toFixed(1) };
}

/** Whether a server welcomes a socket whose URL names lastSeq without waiting for hello. */
async function welcomesFromUrl(url) {
  return reconnect(url, 'url').then(
    (socket) => (socket.terminate(), true),
    () => false,
  );
}

/** A Parley side: its data directory with VISITORS sessions, each conversation holding one message stored while down. */
async function prepareParley(name, main) {
  const dataDir = mkdtempSync(join(tmpdir(), 'parley-cost-bench-'));
  const port = await freePort();
  const base = `http://127.0.0.1:${port}`;
  const child = spawnParley(main, dataDir, port);
  let visitors;
  try {
    await readyAt(base, child);
    const opened = await openVisitors(base, dataDir, VISITORS, 'cost bench');
    visitors = opened.visitors;
    await stop(child);
    await storeWhileDown(dataDir, opened.file);
  } catch (error) {
    await stop(child);
    rmSync(dataDir, { recursive: true, force: true });
    throw error;
  }
  const urls = visitors.map((v) => `ws://127.0.0.1:${port}/v1/realtime/ws?token=${encodeURIComponent(v.token)}`);
  return { name, main, dataDir, port, base, urls, waves: [], cleanup: () => rmSync(dataDir, { recursive: true, force: true }) };
}

/** One wave on a Parley side, its node restarted first: every visitor's reads start from a cold cache, as after a crash. */
async function parleyWave(side, way) {
  const child = spawnParley(side.main, side.dataDir, side.port);
  try {
    await readyAt(side.base, child);
    if (way === 'url' && !(await welcomesFromUrl(side.urls[0]))) side.waves.push({ way, usEach: null, perSecond: null, p50Ms: null });
    else side.waves.push(await wave(child.pid, way === 'url' ? side.urls.slice(1) : side.urls, way));
  } finally {
    await stop(child);
    await exited(child);
  }
}

async function bareSide() {
  const child = spawn(...pinned(process.execPath, [join(ROOT, 'bench/reconnect-cost-bare.js')]), { stdio: ['ignore', 'pipe', 'inherit'] });
  try {
    const { port } = await new Promise((resolve, reject) => {
      child.stdout.once('data', (chunk) => resolve(JSON.parse(chunk.toString().split('\n')[0])));
      child.once('exit', (code) => reject(new Error(`bare server exited with ${code}`)));
    });
    const urls = Array.from({ length: VISITORS }, (_, i) => `ws://127.0.0.1:${port}/?token=visitor-${i}`);
    await wave(child.pid, urls, 'hello'); // warm-up: the bare server's JIT, not measured (Parley's is cold in every wave)
    const waves = [];
    for (let round = 0; round < ROUNDS; round++) for (const way of WAYS) waves.push(await wave(child.pid, urls, way));
    return { name: 'bare ws', waves };
  } finally {
    await stop(child);
  }
}

const median = (values) => {
  const known = values.filter((v) => v !== null).sort((a, b) => a - b);
  if (known.length === 0) return null;
  const middle = known.length / 2;
  return Number.isInteger(middle) ? Math.round((known[middle - 1] + known[middle]) / 2) : known[Math.floor(middle)];
};

export async function runReconnectCostBench() {
  let unpin = () => undefined;
  try {
    unpin = pinSelf();
    PIN = true;
  } catch {
    PIN = false; // no taskset (or no second CPU): not pinned, said below the table
  }
  try {
    return await measure();
  } finally {
    unpin();
    PIN = false;
  }
}

async function measure() {
  const bare = await bareSide();
  const parley = [await prepareParley('parley', join(process.env.BENCH_COST_AFTER ?? join(ROOT, 'packages/server/dist'), 'main.js'))];
  try {
    if (process.env.BENCH_COST_BEFORE) parley.push(await prepareParley('before', join(process.env.BENCH_COST_BEFORE, 'main.js')));
    // Interleaved, wave by wave: the machine's drift over the run falls on every side alike.
    for (let round = 0; round < ROUNDS; round++) for (const way of WAYS) for (const side of parley) await parleyWave(side, way);
  } finally {
    for (const side of parley) side.cleanup();
  }
  const sides = [bare, ...parley.map(({ name, waves }) => ({ name, waves }))];
  const rows = sides.flatMap((side) =>
    WAYS.map((way) => {
      const waves = side.waves.filter((w) => w.way === way);
      const usEach = median(waves.map((w) => w.usEach));
      const bareUs = median(bare.waves.filter((w) => w.way === way).map((w) => w.usEach));
      return {
        side: side.name,
        way,
        'CPU µs a reconnect (median)': usEach,
        'each wave': waves.map((w) => w.usEach).join(' / '),
        '× bare': usEach === null ? null : +(usEach / bareUs).toFixed(2),
        'reconnects/s': median(waves.map((w) => w.perSecond)),
        'p50 ms': median(waves.map((w) => w.p50Ms)),
      };
    }),
  );
  console.log(`\nReconnect cost: ${VISITORS} visitors, each reconnecting once after a restart, ${IN_FLIGHT} at a time`);
  if (!PIN) console.log('note: taskset not found: the server and the clients were not pinned to cores');
  console.table(rows);
  const report = {
    measuredAt: new Date().toISOString(),
    visitors: VISITORS,
    inFlight: IN_FLIGHT,
    rounds: ROUNDS,
    pinned: PIN,
    rows,
    sides,
  };
  mkdirSync(join(ROOT, 'bench/results'), { recursive: true });
  writeFileSync(join(ROOT, 'bench/results/reconnect-cost.json'), `${JSON.stringify(report, null, 2)}\n`);
  console.log('written to bench/results/reconnect-cost.json');
  return report;
}

if (import.meta.url === `file://${process.argv[1]}`) await runReconnectCostBench();
