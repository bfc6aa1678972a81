// Idle memory per visitor (issue 19, part 3): N visitors, each with its own session (conversation) and an open
// WebSocket that said hello and got its welcome, then idle — the server's RSS and V8 heap before and after, per
// visitor, beside a bare `ws` relay holding the same number of idle sockets (one pair each), measured the same
// way in the same run. Target: Parley ≤ 1.2× the relay's RSS per connection.
//   node bench/idle-memory.js                     10,000 visitors (BENCH_IDLE_VISITORS=n to change)
//   BENCH_QUICK=1 node bench/idle-memory.js       1,000 visitors
//   BENCH_IDLE_BEFORE=packages/server/dist-before node bench/idle-memory.js   also a copy of a previous build
//   BENCH_IDLE_SNAPSHOTS=/tmp/snaps node bench/idle-memory.js   also writes each server's heap snapshots before/after
//   (writing one grows the RSS: with snapshots on, only the heap figures count)
// Servers and the load generator (bench/idle-memory-client.js) are separate processes, each started under
// `ulimit -n` raised to the hard limit. Memory is read after two full GCs (bench/idle-memory-probe.js, preloaded
// only here) so the heap figure is what the connections retain, not garbage waiting for a collection.
import { spawn, execSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { setTimeout as sleep } from 'node:timers/promises';
import { fileURLToPath } from 'node:url';
import { freePort } from '@parley/testkit';
import { api, createWidget, parleyEnv, stop } from './gateway.js';

const ROOT = fileURLToPath(new URL('..', import.meta.url));
const QUICK = process.env.BENCH_QUICK === '1';
const WANTED = Number(process.env.BENCH_IDLE_VISITORS ?? (QUICK ? 1000 : 10_000));
const TARGET_RATIO = 1.2;
const SETTLE_MS = 3000;
const PROBE = join(ROOT, 'bench/idle-memory-probe.js');
const LIMITS_ABOVE_THE_BURST = Object.fromEntries(
  ['SESSIONS', 'MESSAGES', 'BOT_TURNS'].flatMap((what) =>
    ['SESSION', 'ADDRESS', 'WIDGET'].map((per) => [`PARLEY_LIMIT_${what}_PER_${per}`, '999999999/1m']),
  ),
);

const hardFdLimit = () => execSync('ulimit -Hn', { shell: '/bin/sh' }).toString().trim();

/** Runs `node args` under a shell that first raises its open-file limit to the hard limit. */
function spawnNode(args, options) {
  const quoted = [process.execPath, ...args].map((a) => `'${a.replaceAll("'", "'\\''")}'`).join(' ');
  return spawn('/bin/sh', ['-c', `ulimit -n ${hardFdLimit()} && exec ${quoted}`], options);
}

function rssBytes(pid) {
  const line = readFileSync(`/proc/${pid}/status`, 'utf8')
    .split('\n')
    .find((l) => l.startsWith('VmRSS:'));
  return Number(line.split(/\s+/)[1]) * 1024;
}

let requestId = 0;
function ask(child, message) {
  const id = ++requestId;
  return new Promise((resolve) => {
    const onMessage = (answer) => {
      if (answer.id !== id) return;
      child.off('message', onMessage);
      resolve(answer);
    };
    child.on('message', onMessage);
    child.send({ ...message, id });
  });
}

/** RSS (from /proc, as the kernel sees it) and V8 heap, after full GCs. */
async function memory(child) {
  const { memory: usage } = await ask(child, { type: 'memory' });
  await sleep(200);
  return { rss: rssBytes(child.pid), heapUsed: usage.heapUsed, external: usage.external, arrayBuffers: usage.arrayBuffers };
}

const serverArgs = (main) => ['--expose-gc', '--import', PROBE, main];

async function startRelay() {
  const child = spawnNode(serverArgs(join(ROOT, 'bench/gateway-relay.js')), { stdio: ['ignore', 'pipe', 'inherit', 'ipc'] });
  const port = await new Promise((resolve, reject) => {
    child.stdout.once('data', (chunk) => resolve(JSON.parse(chunk.toString().split('\n')[0]).port));
    child.once('exit', (code) => reject(new Error(`bare relay exited with ${code}`)));
  });
  return {
    child,
    urls: Array.from({ length: WANTED }, (_, i) => `ws://127.0.0.1:${port}/?pair=idle${i}`),
    cleanup: () => stop(child),
  };
}

/** Starts a Parley server on `dataDir`; resolves once it is healthy. */
async function spawnParley(dataDir, port, main) {
  const env = parleyEnv(dataDir, port, LIMITS_ABOVE_THE_BURST);
  const child = spawnNode(serverArgs(main), { env, stdio: ['ignore', 'pipe', 'inherit', 'ipc'] });
  createInterface({ input: child.stdout }).on('line', (line) => line.startsWith('{') && console.log(`parley: ${line}`));
  const base = `http://127.0.0.1:${port}`;
  for (let i = 0; ; i++) {
    if (child.exitCode !== null) throw new Error(`parley exited with ${child.exitCode}`);
    if (i > 300) {
      await stop(child);
      throw new Error('parley did not become healthy in 30 s');
    }
    if (
      await fetch(`${base}/healthz`).then(
        (r) => r.ok,
        () => false,
      )
    )
      return { child, base };
    await sleep(100);
  }
}

/**
 * Makes one session (one conversation) per visitor, then restarts the server on the same database: the
 * measured process starts as fresh as the relay's, instead of with a heap grown by making the sessions.
 */
async function startParley(main = join(ROOT, 'packages/server/dist/main.js')) {
  const dataDir = mkdtempSync(join(tmpdir(), 'parley-idle-bench-'));
  const port = await freePort();
  let child;
  const cleanup = async () => {
    if (child) await stop(child);
    rmSync(dataDir, { recursive: true, force: true });
  };
  try {
    let base;
    ({ child, base } = await spawnParley(dataDir, port, main));
    const { widgetId } = await createWidget(base);
    const urls = [];
    let made = 0;
    const worker = async () => {
      while (made < WANTED) {
        made += 1;
        const session = await api(base, `/v1/widgets/${widgetId}/sessions`, {});
        urls.push(`ws://127.0.0.1:${port}/v1/realtime/ws?token=${encodeURIComponent(session.token)}`);
      }
    };
    await Promise.all(Array.from({ length: 16 }, worker));
    await stop(child);
    ({ child } = await spawnParley(dataDir, port, main));
    return { child, urls, cleanup };
  } catch (error) {
    await cleanup();
    throw error;
  }
}

/** Opens the side's idle sockets from a separate process and reads the server's growth. */
async function measureSide(name, side, snapshots) {
  const dir = mkdtempSync(join(tmpdir(), 'parley-idle-urls-'));
  const urlFile = join(dir, 'urls.json');
  writeFileSync(urlFile, JSON.stringify(side.urls));
  await sleep(SETTLE_MS);
  const before = await memory(side.child);
  if (snapshots) await ask(side.child, { type: 'snapshot', path: join(snapshots, `${name}-0.heapsnapshot`) });
  const client = spawnNode([join(ROOT, 'bench/idle-memory-client.js'), urlFile], { stdio: ['pipe', 'pipe', 'inherit'] });
  const started = Date.now();
  const ready = await new Promise((resolve, reject) => {
    createInterface({ input: client.stdout }).once('line', (line) => resolve(JSON.parse(line).ready));
    client.once('exit', (code) => reject(new Error(`${name}: the load generator exited with ${code}`)));
  });
  const connectSeconds = (Date.now() - started) / 1000;
  await sleep(SETTLE_MS); // allocations after the welcome, lazy buffers
  const after = await memory(side.child);
  if (snapshots) await ask(side.child, { type: 'snapshot', path: join(snapshots, `${name}-${ready}.heapsnapshot`) });
  client.stdin.end();
  await new Promise((resolve) => (client.exitCode !== null ? resolve() : client.once('exit', resolve)));
  rmSync(dir, { recursive: true, force: true });
  const per = (key) => Math.round((after[key] - before[key]) / ready);
  return {
    name,
    visitors: ready,
    connectSeconds,
    rssBeforeMB: mb(before.rss),
    rssAfterMB: mb(after.rss),
    rssPerVisitorB: per('rss'),
    heapPerVisitorB: per('heapUsed'),
    externalPerVisitorB: per('external'),
  };
}

const mb = (bytes) => +(bytes / 1024 ** 2).toFixed(1);

export async function runIdleMemoryBench() {
  const snapshots = process.env.BENCH_IDLE_SNAPSHOTS;
  if (snapshots) mkdirSync(snapshots, { recursive: true });
  const rows = [];
  // One side at a time: the other's sockets and its load generator are not in the machine's memory meanwhile.
  const sides = [
    ['relay', startRelay],
    ['parley', () => startParley()],
  ];
  // BENCH_IDLE_BEFORE=<a copy of packages/server/dist inside packages/server> measures a previous build too (A/B).
  const beforeDir = process.env.BENCH_IDLE_BEFORE;
  if (beforeDir) sides.push(['parley-before', () => startParley(join(beforeDir, 'main.js'))]);
  for (const [name, start] of sides) {
    const side = await start();
    try {
      rows.push(await measureSide(name, side, snapshots));
    } finally {
      await side.cleanup();
    }
  }
  const [bare, parley] = rows;
  const ratio = +(parley.rssPerVisitorB / bare.rssPerVisitorB).toFixed(2);
  const report = {
    measuredAt: new Date().toISOString(),
    node: process.version,
    load: readFileSync('/proc/loadavg', 'utf8').split(' ').slice(0, 3).join(' '),
    fdHardLimit: hardFdLimit(),
    rows,
    ratios: {
      ...(rows[2] ? { beforeRssPerVisitorVsBare: { value: +(rows[2].rssPerVisitorB / bare.rssPerVisitorB).toFixed(2) } } : {}),
      rssPerVisitorVsBare: { value: ratio, target: `≤ ${TARGET_RATIO}`, pass: ratio <= TARGET_RATIO },
      heapPerVisitorVsBare: { value: +(parley.heapPerVisitorB / bare.heapPerVisitorB).toFixed(2) },
    },
  };
  mkdirSync(new URL('./results/', import.meta.url), { recursive: true });
  writeFileSync(new URL('./results/idle-memory.json', import.meta.url), `${JSON.stringify(report, null, 2)}\n`);
  console.log(`\nIdle memory per visitor (load ${report.load}; fd hard limit ${report.fdHardLimit})`);
  console.table(rows);
  const r = report.ratios.rssPerVisitorVsBare;
  console.log(
    `idle memory: Parley ${parley.rssPerVisitorB} B RSS/visitor, bare relay ${bare.rssPerVisitorB} B: ×${r.value} (target ${r.target}) ${r.pass ? 'pass' : 'MISS'}; ` +
      `heap ${parley.heapPerVisitorB} B vs ${bare.heapPerVisitorB} B (×${report.ratios.heapPerVisitorVsBare.value})`,
  );
  if (rows[2])
    console.log(
      `previous build: ${rows[2].rssPerVisitorB} B RSS/visitor (×${report.ratios.beforeRssPerVisitorVsBare.value}), heap ${rows[2].heapPerVisitorB} B`,
    );
  console.log('written to bench/results/idle-memory.json');
  return report;
}

if (process.argv[1] === fileURLToPath(import.meta.url)) await runIdleMemoryBench();
