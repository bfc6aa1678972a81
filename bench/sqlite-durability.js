// SQLite durability bench: what PARLEY_SQLITE_SYNCHRONOUS=full (the default: a commit is fsynced, so an acked
// message survives power loss) costs beside normal (fsynced at checkpoints only: survives a process crash). Two
// built servers, one per setting, both up at once; visitors send over WebSocket and each send's time to its ack
// (the ack comes after the commit) is measured. Runs take turns between the settings and each figure is the
// median over rounds, so a busy spell of this shared machine falls on both. Only the ratios compare across runs.
//
//   BENCH_DURABILITY_MAIN=packages/server/dist-mine/main.js     that build instead of packages/server/dist
//   BENCH_DURABILITY_BEFORE=packages/server/dist-old/main.js    adds that build with synchronous=full beside them
//                                                               (a copy inside packages/server, so its imports resolve)
import { spawn } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { performance } from 'node:perf_hooks';
import { setTimeout as sleep } from 'node:timers/promises';
import { fileURLToPath } from 'node:url';
import { freePort, SERVER_MAIN } from '@parley/testkit';
import WebSocket from 'ws';
import { LIMITS_ABOVE_THE_LOAD } from './gateway-capacity.js';

const SECONDS = Number(process.env.BENCH_DURABILITY_SECONDS ?? 5);
const ROUNDS = Number(process.env.BENCH_DURABILITY_ROUNDS ?? 3);
// Below the per-connection limit (20 frames/s, burst 40): load comes from the number of visitors.
const RATE = 15;
/** A light load (300 msg/s), then four times that, where group commit has batches to make. */
const LOADS = [20, 80];
const ADMIN_KEY = 'bench-admin-key-0123456789abcdef';
const MAIN = process.env.BENCH_DURABILITY_MAIN ? resolve(process.env.BENCH_DURABILITY_MAIN) : SERVER_MAIN;
const BEFORE = process.env.BENCH_DURABILITY_BEFORE ? resolve(process.env.BENCH_DURABILITY_BEFORE) : null;
/** Each side is a server: its label, its build, its setting. */
const SIDES = [
  { key: 'full', synchronous: 'full', main: MAIN },
  { key: 'normal', synchronous: 'normal', main: MAIN },
  ...(BEFORE === null ? [] : [{ key: 'full, before', synchronous: 'full', main: BEFORE }]),
];
// The data directory's filesystem decides what an fsync costs; BENCH_DATA_DIR puts it on the disk you deploy to.
const DATA_PARENT = process.env.BENCH_DATA_DIR ?? tmpdir();

/** The built server like `npm start` (testkit's startServer), of the side's build; ready once it prints its URL. */
async function startParley({ key, synchronous, main }) {
  const dataDir = mkdtempSync(join(DATA_PARENT, `parley-durability-${synchronous}-`));
  const port = await freePort();
  const env = {
    ...process.env,
    // Every visitor sends from 127.0.0.1, to one widget: the per-address and per-widget limits would refuse most sends.
    ...LIMITS_ABOVE_THE_LOAD,
    PARLEY_LOG_LEVEL: 'warn',
    PARLEY_DATA_DIR: dataDir,
    PARLEY_ADMIN_KEY: ADMIN_KEY,
    PARLEY_PORT: String(port),
    PARLEY_HOST: '127.0.0.1',
    PARLEY_SQLITE_SYNCHRONOUS: synchronous,
  };
  const child = spawn(process.execPath, [main], { env, stdio: ['ignore', 'pipe', 'pipe'] });
  const exited = new Promise((done) => child.once('exit', done));
  await new Promise((done, fail) => {
    let output = '';
    const onData = (chunk) => {
      output += chunk.toString();
      if (output.includes('API reference:')) done();
    };
    child.stdout.on('data', onData);
    child.stderr.on('data', onData);
    void exited.then((code) => fail(new Error(`server exited with ${code}:\n${output}`)));
  });
  const stop = async () => {
    if (child.exitCode === null && child.signalCode === null) child.kill('SIGTERM');
    await exited;
    rmSync(dataDir, { recursive: true, force: true });
  };
  return { key, base: `http://127.0.0.1:${port}`, url: `ws://127.0.0.1:${port}`, stop };
}

async function post(base, path, body) {
  const res = await fetch(`${base}${path}`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', authorization: `Bearer ${ADMIN_KEY}` },
    body: JSON.stringify(body),
  });
  if (!res.ok) throw new Error(`POST ${path} → ${res.status} ${await res.text()}`);
  return res.json();
}

/**
 * Fresh visitors, each conversation assigned to an agent as in the gateway bench: the bot (builtin, no rules)
 * then stays out, and the work per message is its commit and its ack.
 */
async function openVisitors(server, count) {
  if (server.widgetId === undefined) {
    const bot = await post(server.base, '/v1/bots', { kind: 'builtin', name: 'silent', config: {} });
    server.widgetId = (await post(server.base, '/v1/widgets', { name: 'durability bench', botId: bot.id })).id;
    const agent = { name: 'Bench agent', email: 'bench@example.com', password: 'bench password 0123' };
    server.agentId = (await post(server.base, '/v1/agents', agent)).id;
  }
  const sockets = [];
  for (let i = 0; i < count; i++) {
    const { token, conversationId } = await post(server.base, `/v1/widgets/${server.widgetId}/sessions`, {});
    await post(server.base, `/v1/inbox/${conversationId}/assign`, { agentId: server.agentId });
    const socket = new WebSocket(`${server.url}/v1/realtime/ws?token=${encodeURIComponent(token)}`, { perMessageDeflate: false });
    await new Promise((resolve, reject) => {
      socket.on('open', () => socket.send(JSON.stringify({ type: 'hello', v: 1, lastSeq: 0 })));
      socket.on('error', reject);
      socket.on('message', (data) => JSON.parse(data.toString()).type === 'welcome' && resolve());
    });
    sockets.push(socket);
  }
  return sockets;
}

const percentile = (sorted, p) => (sorted.length ? sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))] : NaN);

/** Every visitor sends RATE messages/s for SECONDS (after a 1 s warm-up); latency is send → ack. */
async function runLoad(server, visitors) {
  const sockets = await openVisitors(server, visitors);
  const sentAt = new Map();
  const latencies = [];
  let measuring = false;
  let errors = 0;
  for (const socket of sockets) {
    socket.on('message', (data) => {
      const frame = JSON.parse(data.toString());
      if (frame.type === 'error') errors += 1;
      if (frame.type !== 'ack') return;
      const at = sentAt.get(frame.clientId);
      sentAt.delete(frame.clientId);
      if (at !== undefined && at.measured) latencies.push(performance.now() - at.time);
    });
  }
  let sent = 0;
  const timers = sockets.map((socket, i) => {
    let n = 0;
    const send = () => {
      const clientId = `durability-${i}-${++n}`;
      sentAt.set(clientId, { time: performance.now(), measured: measuring });
      if (measuring) sent += 1;
      socket.send(JSON.stringify({ type: 'send', clientId, text: `durability ${n}` }));
    };
    // Staggered, so the visitors do not fire in lockstep.
    return setTimeout(() => (timers[i] = setInterval(send, 1000 / RATE)), (i * 1000) / RATE / visitors);
  });
  await sleep(1000);
  measuring = true;
  await sleep(SECONDS * 1000);
  measuring = false;
  for (const timer of timers) clearInterval(timer);
  await sleep(1000); // acks in flight still count
  for (const socket of sockets) socket.terminate();
  latencies.sort((a, b) => a - b);
  return { acked: latencies.length, sent, errors, p50: percentile(latencies, 50), p99: percentile(latencies, 99) };
}

const median = (values) => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)];

export async function runSqliteDurabilityBench() {
  const servers = [];
  try {
    for (const side of SIDES) servers.push(await startParley(side));
    const runs = Object.fromEntries(LOADS.flatMap((load) => SIDES.map((side) => [`${side.key}@${load}`, []])));
    for (let round = 0; round < ROUNDS; round++) {
      for (const load of LOADS) for (const server of servers) runs[`${server.key}@${load}`].push(await runLoad(server, load));
    }
    const rows = LOADS.flatMap((load) =>
      SIDES.map(({ key }) => {
        const list = runs[`${key}@${load}`];
        return {
          name: `synchronous=${key}, ${load} visitors`,
          offeredPerSecond: load * RATE,
          ackedPerSecond: Math.round(median(list.map((r) => r.acked)) / SECONDS),
          ackP50Ms: +median(list.map((r) => r.p50)).toFixed(2),
          ackP99Ms: +median(list.map((r) => r.p99)).toFixed(2),
          unacked: median(list.map((r) => r.sent - r.acked)),
          errors: median(list.map((r) => r.errors)),
        };
      }),
    );
    const row = (key, load) => rows.find((r) => r.name === `synchronous=${key}, ${load} visitors`);
    const versus = (a, b) => ({
      ackedPerSecond: +(a.ackedPerSecond / b.ackedPerSecond).toFixed(2),
      ackP50: +(a.ackP50Ms / b.ackP50Ms).toFixed(2),
      ackP99: +(a.ackP99Ms / b.ackP99Ms).toFixed(2),
    });
    const ratios = Object.fromEntries(
      LOADS.flatMap((load) =>
        SIDES.filter(({ key }) => key !== 'normal').map(({ key }) => [
          `${key} vs normal, ${load} visitors`,
          versus(row(key, load), row('normal', load)),
        ]),
      ),
    );
    const report = {
      measuredAt: new Date().toISOString(),
      node: process.version,
      dataDir: DATA_PARENT,
      seconds: SECONDS,
      rounds: ROUNDS,
      rows,
      ratios,
    };
    mkdirSync(new URL('./results/', import.meta.url), { recursive: true });
    writeFileSync(new URL('./results/sqlite-durability.json', import.meta.url), `${JSON.stringify(report, null, 2)}\n`);
    console.table(rows);
    for (const [name, r] of Object.entries(ratios)) {
      console.log(`synchronous=${name}: acked/s ×${r.ackedPerSecond}, ack p50 ×${r.ackP50}, ack p99 ×${r.ackP99}`);
    }
    console.log(`(data directory under ${DATA_PARENT}; medians of ${ROUNDS} rounds) written to bench/results/sqlite-durability.json`);
    return report;
  } finally {
    await Promise.all(servers.map((server) => server.stop()));
  }
}

if (process.argv[1] === fileURLToPath(import.meta.url)) await runSqliteDurabilityBench();
