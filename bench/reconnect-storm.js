// Reconnect storm (issue 19, part 2): N connected visitors on one node, then the node restarts — once after SIGTERM
// (its drain tells every client to reconnect), once after SIGKILL (every link simply drops) — on the same SQLite data
// directory and port. While it is down, one bot message per conversation is written (bench/reconnect-storm-writer.js,
// through the server's own engine), so "caught up" means something: a visitor counts once it holds that message.
// Measured from the restarted node's readiness (/readyz first answering 200, polled every 10 ms): the time until every
// visitor is reconnected (welcome) and caught up; the server's CPU (/proc/<pid>/stat every 250 ms: peak, and seconds
// at ≥ 90 % of a core); open → welcome latency (the handshake answered to the welcome; a hello between them for a
// client that sends one); how long the node takes to answer an API request on a connection it already
// holds (GET /healthz every 50 ms: a node holding its event loop shows here); SQLite statements run during the storm
// (bench/reconnect-storm-census.js).
// Visitors are the real client (bench/reconnect-storm-client.js: @parley/client's Connection over `ws`).
//   node bench/reconnect-storm.js                       10,000 visitors (BENCH_STORM_VISITORS=n to change)
//   BENCH_QUICK=1 node bench/reconnect-storm.js         1,000 visitors
//   BENCH_STORM_BEFORE=packages/server/dist-before node bench/reconnect-storm.js   also a copy of a previous build,
//     measured the same way in the same run: the baseline the targets' ratios are read against
//   BENCH_STORM_BEFORE_HELLO=frame                      the previous build's clients say hello in a frame (a build
//     from before the WebSocket resumed from its URL)
//   BENCH_STORM_ROUNDS=SIGKILL                          only some of the rounds (comma-separated signals)
//   BENCH_SERVER_NODE_ARGS="--cpu-prof --cpu-prof-dir=/tmp/prof"   node options for the server (a profile, a census)
// Targets: every visitor reconnected and caught up ≤ 10 s after the node is ready; the server's CPU at ≥ 90 % for ≤ 3 s.
import { execSync, spawn } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync, existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { setTimeout as sleep } from 'node:timers/promises';
import { fileURLToPath } from 'node:url';
import { freePort } from '@parley/testkit';
import { api, parleyEnv, percentile, stop } from './gateway.js';

const ROOT = fileURLToPath(new URL('..', import.meta.url));
const QUICK = process.env.BENCH_QUICK === '1';
const VISITORS = Number(process.env.BENCH_STORM_VISITORS ?? (QUICK ? 1000 : 10_000));
const ROUNDS = (process.env.BENCH_STORM_ROUNDS ?? 'SIGTERM,SIGKILL').split(',').map((s) => s.trim());
const CENSUS = process.env.BENCH_STORM_CENSUS !== '0';
const TARGET_CAUGHT_UP_S = 10;
const TARGET_PINNED_S = 3;
const PINNED = 0.9;
const CPU_SAMPLE_MS = 250;
/** How long after readiness a round waits for the last visitor before it reports what it has. */
const GIVE_UP_S = Number(process.env.BENCH_STORM_GIVE_UP_S ?? 60);
const LIMITS_ABOVE_THE_BURST = Object.fromEntries(
  ['SESSIONS', 'MESSAGES', 'BOT_TURNS'].flatMap((what) =>
    ['SESSION', 'ADDRESS', 'WIDGET'].map((per) => [`PARLEY_LIMIT_${what}_PER_${per}`, '999999999/1m']),
  ),
);
const CLK_TCK = Number(execSync('getconf CLK_TCK').toString().trim());
const hardFdLimit = () => execSync('ulimit -Hn', { shell: '/bin/sh' }).toString().trim();
/** The kernel's count of connections dropped because a listen queue was full (machine-wide: other processes' too). */
function listenOverflows() {
  const lines = readFileSync('/proc/net/netstat', 'utf8')
    .split('\n')
    .filter((l) => l.startsWith('TcpExt:'));
  const [names, values] = lines.map((l) => l.split(/\s+/));
  return Number(values[names.indexOf('ListenOverflows')]);
}
const load = () => readFileSync('/proc/loadavg', 'utf8').split(' ').slice(0, 3).join(' ');

/** Runs `node args` under a shell that first raises its open-file limit to the hard limit (exec: same pid). */
function spawnNode(args, options) {
  const quoted = [process.execPath, ...args].map((a) => `'${a.replaceAll("'", "'\\''")}'`).join(' ');
  return spawn('/bin/sh', ['-c', `ulimit -n ${hardFdLimit()} && exec ${quoted}`], options);
}

export const exited = (child) =>
  new Promise((resolve) => (child.exitCode !== null || child.signalCode !== null ? resolve() : child.once('exit', resolve)));

/** CPU seconds (user + system) the process has used so far. */
function cpuSeconds(pid) {
  const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  return (Number(fields[11]) + Number(fields[12])) / CLK_TCK;
}

/**
 * Samples a process's CPU share (1 = one core) until stopped; each sample is {from, at, share, drops} over the
 * interval ending at `at`, `drops` the machine's listen-queue overflows so far.
 */
function sampleCpu(pid) {
  const samples = [];
  let last = { at: Date.now(), cpu: cpuSeconds(pid) };
  const timer = setInterval(() => {
    try {
      const now = { at: Date.now(), cpu: cpuSeconds(pid) };
      samples.push({ from: last.at, at: now.at, share: (now.cpu - last.cpu) / ((now.at - last.at) / 1000), drops: listenOverflows() });
      last = now;
    } catch {
      clearInterval(timer); // the process is gone
    }
  }, CPU_SAMPLE_MS);
  return { samples, stop: () => clearInterval(timer) };
}

/** One Parley node on `dataDir` and `port`; `census` is the file its SQL census writes to. */
function spawnParley(main, dataDir, port, census) {
  const env = parleyEnv(dataDir, port, { ...LIMITS_ABOVE_THE_BURST, ...(CENSUS ? { STORM_CENSUS_FILE: census } : {}) });
  // BENCH_SERVER_NODE_ARGS (e.g. `--cpu-prof --cpu-prof-dir=/tmp/prof`) lets one look at where the server's time goes.
  const nodeArgs = (process.env.BENCH_SERVER_NODE_ARGS ?? '').split(' ').filter(Boolean);
  const args = [...nodeArgs, ...(CENSUS ? ['--import', join(ROOT, 'bench/reconnect-storm-census.js')] : []), main];
  const child = spawnNode(args, { env, stdio: ['ignore', 'pipe', 'inherit'] });
  let warnings = 0;
  createInterface({ input: child.stdout }).on('line', (line) => {
    if (!line.startsWith('{')) return;
    // A storm can log a warning per connection: the first few are shown, the rest counted.
    if (++warnings <= 5) console.log(`parley: ${line.slice(0, 400)}`);
  });
  return { child, warnings: () => warnings };
}

/**
 * How the node answers everything else during the storm: a GET /healthz every 50 ms on one kept-alive connection
 * (no new handshake, so the listen queue plays no part), each answer's latency kept. A node that holds its event loop
 * for seconds (a burst of steps run back to back) shows it here, whatever its CPU.
 */
function probeResponsiveness(base) {
  const latencies = [];
  let running = true;
  const done = (async () => {
    while (running) {
      const started = performance.now();
      const ok = await fetch(`${base}/healthz`, { signal: AbortSignal.timeout(30_000) }).then(
        async (r) => (await r.arrayBuffer(), r.ok),
        () => false,
      );
      latencies.push(ok ? performance.now() - started : Infinity);
      await sleep(50);
    }
  })();
  return {
    stop: async () => {
      running = false;
      await done;
      const sorted = latencies.toSorted((a, b) => a - b);
      const at = (p) => (sorted.length ? +percentile(sorted, p).toFixed(1) : null);
      return { answers: sorted.length, p50Ms: at(50), p99Ms: at(99), maxMs: at(100) };
    },
  };
}

/** Polls /readyz every 10 ms; resolves with the time it first answered 200. */
export async function readyAt(base, child, timeoutMs = 60_000) {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    if (child.exitCode !== null) throw new Error(`parley exited with ${child.exitCode} before it was ready`);
    if (Date.now() > deadline) throw new Error(`parley was not ready within ${timeoutMs / 1000} s`);
    const ok = await fetch(`${base}/readyz`).then(
      (r) => r.ok,
      () => false,
    );
    if (ok) return Date.now();
    await sleep(10);
  }
}

/**
 * `count` visitors of one widget whose builtin bot says nothing (16 session requests at a time), and the file that
 * bench/reconnect-storm-writer.js reads to store one message in each of their conversations: `{ visitors, file }`.
 */
export async function openVisitors(base, dataDir, count, name) {
  const bot = await api(base, '/v1/bots', { kind: 'builtin', name: `${name} (silent)`, config: {} });
  const { id: widgetId } = await api(base, '/v1/widgets', { name, botId: bot.id });
  const visitors = [];
  const worker = async () => {
    while (visitors.length < count) {
      const slot = visitors.length;
      visitors.push(null);
      const { token, conversationId } = await api(base, `/v1/widgets/${widgetId}/sessions`, {});
      visitors[slot] = { token, conversationId };
    }
  };
  await Promise.all(Array.from({ length: 16 }, worker));
  const file = join(dataDir, 'conversations.json');
  writeFileSync(file, JSON.stringify(visitors.map((v) => [v.conversationId, bot.id])));
  return { visitors, file };
}

/** Stores one bot message in each conversation of `file` while no node runs: `{ targets: { conversationId: seq } }`. */
export async function storeWhileDown(dataDir, file) {
  return JSON.parse(await runNode([join(ROOT, 'bench/reconnect-storm-writer.js'), dataDir, file]));
}

function runNode(args) {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, args, { stdio: ['ignore', 'pipe', 'inherit'] });
    let out = '';
    child.stdout.on('data', (chunk) => (out += chunk));
    child.once('exit', (code) => (code === 0 ? resolve(out) : reject(new Error(`${args[0]} exited with ${code}`))));
  });
}

/** The generator process and a way to ask it things. */
function startGenerator(file, env = {}) {
  const child = spawnNode([join(ROOT, 'bench/reconnect-storm-client.js'), file], {
    stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
    env: { ...process.env, ...env },
  });
  const next = (type, timeoutMs = Infinity) =>
    new Promise((resolve, reject) => {
      const timer = Number.isFinite(timeoutMs) ? setTimeout(() => done(null), timeoutMs) : undefined;
      const onMessage = (message) => message.type === type && done(message);
      const onExit = (code) => {
        clearTimeout(timer);
        reject(new Error(`the load generator exited with ${code}`));
      };
      const done = (message) => {
        clearTimeout(timer);
        child.off('message', onMessage);
        child.off('exit', onExit);
        resolve(message);
      };
      child.on('message', onMessage);
      child.once('exit', onExit);
    });
  const ask = async (message, answer, timeoutMs) => {
    const answered = next(answer, timeoutMs);
    child.send(message);
    return answered;
  };
  return { child, next, ask, started: next('started') };
}

/** Statements run between two moments, from the census lines (running totals). */
function census(file, from, to) {
  if (!CENSUS || !existsSync(file)) return null;
  const lines = readFileSync(file, 'utf8')
    .trim()
    .split('\n')
    .filter(Boolean)
    .map((l) => JSON.parse(l));
  const at = (t) => lines.filter((l) => l.t <= t).at(-1) ?? { reads: 0, writes: 0, readUs: 0, writeUs: 0, transactions: 0 };
  const [a, b] = [at(from), at(to)];
  const perSecond = lines.reduce((peak, line, i) => {
    if (i === 0 || line.t < from || line.t > to) return peak;
    const prev = lines[i - 1];
    return Math.max(peak, Math.round(((line.reads - prev.reads) * 1000) / (line.t - prev.t)));
  }, 0);
  return {
    reads: b.reads - a.reads,
    writes: b.writes - a.writes,
    readMs: Math.round((b.readUs - a.readUs) / 1000),
    writeMs: Math.round((b.writeUs - a.writeUs) / 1000),
    transactions: b.transactions - a.transactions,
    peakReadsPerSecond: perSecond,
    // The statements that took the most time inside SQLite during the round: runs, ms in all, µs each.
    statements: Object.entries(b.bySql ?? {})
      .map(([sql, [runs, us]]) => {
        const [runsBefore, usBefore] = a.bySql?.[sql] ?? [0, 0];
        return {
          sql,
          runs: runs - runsBefore,
          ms: Math.round((us - usBefore) / 1000),
          usEach: +((us - usBefore) / Math.max(1, runs - runsBefore)).toFixed(1),
        };
      })
      .filter((s) => s.runs > 0)
      .sort((x, y) => y.ms - x.ms)
      .slice(0, 12),
  };
}

/** One node's storms: sessions made, visitors connected, then each round's restart measured. */
async function runSide(name, main, generatorEnv = {}) {
  const dataDir = mkdtempSync(join(tmpdir(), 'parley-storm-bench-'));
  const port = await freePort();
  const base = `http://127.0.0.1:${port}`;
  const url = (round) => join(dataDir, `census-${round}.jsonl`);
  let node = spawnParley(main, dataDir, port, url('setup'));
  let generator;
  try {
    await readyAt(base, node.child);
    const { visitors, file: conversationFile } = await openVisitors(base, dataDir, VISITORS, 'storm bench');
    const visitorFile = join(dataDir, 'visitors.json');
    writeFileSync(visitorFile, JSON.stringify({ baseUrl: base, visitors }));

    generator = startGenerator(visitorFile, generatorEnv);
    await generator.started;
    const connected = await generator.ask({ type: 'connect' }, 'connected');
    console.log(`${name}: ${connected.ready} of ${VISITORS} visitors connected in ${connected.seconds.toFixed(1)} s (load ${load()})`);
    if (connected.ready !== VISITORS) throw new Error(`${name}: only ${connected.ready} of ${VISITORS} visitors connected`);
    await sleep(6000); // past the client's stableMs (5 s): every link's backoff starts from attempt 0, as a settled page's would

    const rounds = [];
    for (const signal of ROUNDS) {
      const loadBefore = load();
      const overflowsBefore = listenOverflows();
      const signalledAt = Date.now();
      node.child.kill(signal);
      await exited(node.child);
      const downAt = Date.now();
      const written = await storeWhileDown(dataDir, conversationFile);
      const writtenAt = Date.now();
      await generator.ask({ type: 'expect', targets: written.targets }, 'expecting');
      const allCaughtUp = generator.next('allCaughtUp', (GIVE_UP_S + 60) * 1000);
      const spawnedAt = Date.now();
      node = spawnParley(main, dataDir, port, url(signal));
      const cpu = sampleCpu(node.child.pid);
      const ready = await readyAt(base, node.child);
      const responsiveness = probeResponsiveness(base);
      // Unreferenced: the losing timer must not keep the bench alive after its last round.
      const done = await Promise.race([allCaughtUp, sleep(GIVE_UP_S * 1000, null, { ref: false })]);
      const apiLatency = await responsiveness.stop();
      await sleep(1000); // a last CPU sample past the end
      cpu.stop();
      const report = await generator.ask({ type: 'report' }, 'report');
      const end = done?.at ?? Date.now();
      const storm = cpu.samples.filter((s) => s.at > ready && s.from < end + CPU_SAMPLE_MS);
      const shares = storm.map((s) => s.share);
      const sinceReady = (t) => (t === null ? null : +((t - ready) / 1000).toFixed(2));
      const welcomes = report.welcomedAt.map((t) => t - ready).sort((a, b) => a - b);
      const row = {
        round: signal,
        visitors: VISITORS,
        reconnected: report.reconnected,
        caughtUp: report.caughtUp,
        stopSeconds: +((downAt - signalledAt) / 1000).toFixed(2),
        writeSeconds: +((writtenAt - downAt) / 1000).toFixed(2),
        startSeconds: +((ready - spawnedAt) / 1000).toFixed(2),
        allReconnectedS: report.reconnected === VISITORS ? sinceReady(report.lastWelcomeAt) : null,
        allCaughtUpS: report.caughtUp === VISITORS ? sinceReady(report.lastCaughtUpAt) : null,
        medianReconnectS: welcomes.length ? +(welcomes[Math.floor(welcomes.length / 2)] / 1000).toFixed(2) : null,
        peakCpuPct: shares.length ? Math.round(Math.max(...shares) * 100) : null,
        pinnedSeconds: +(storm.filter((s) => s.share >= PINNED).reduce((sum, s) => sum + (s.at - s.from), 0) / 1000).toFixed(2),
        cpuSeconds: +storm.reduce((sum, s) => sum + (s.share * (s.at - s.from)) / 1000, 0).toFixed(2),
        helloP50Ms: report.helloMs.p50,
        helloP99Ms: report.helloMs.p99,
        helloMaxMs: report.helloMs.max,
        apiP50Ms: apiLatency.p50Ms,
        apiP99Ms: apiLatency.p99Ms,
        apiMaxMs: apiLatency.maxMs,
        attempts: report.attempts,
        refusedBeforeOpen: report.neverOpened,
        refusedHttp: report.refusedHttp,
        closedBeforeWelcome: report.closedBeforeWelcome,
        reconnectFrames: report.reconnectFrames,
        listenOverflows: listenOverflows() - overflowsBefore,
        sql: census(url(signal), ready, end),
        serverWarnings: node.warnings(),
        load: `${loadBefore} → ${load()}`,
        // [seconds after ready, CPU %, listen-queue overflows since the round began]
        cpuTrace: storm.map((s) => [+((s.at - ready) / 1000).toFixed(2), Math.round(s.share * 100), s.drops - overflowsBefore]),
        lastBack: report.last.map((v) => ({
          ...v,
          welcomedAt: sinceReady(v.welcomedAt),
          failures: v.failures.map((f) => ({ ...f, at: sinceReady(f.at) })),
        })),
        ...(report.caughtUp === VISITORS ? {} : { notCaughtUp: report.notCaughtUp }),
      };
      rounds.push(row);
      console.log(
        `${name} ${signal}: ready ${row.startSeconds} s after spawn; all reconnected ${row.allReconnectedS ?? `NO (${row.reconnected})`} s, ` +
          `caught up ${row.allCaughtUpS ?? `NO (${row.caughtUp})`} s after ready; CPU peak ${row.peakCpuPct} %, ≥ 90 % for ${row.pinnedSeconds} s; ` +
          `hello p50 ${row.helloP50Ms} ms p99 ${row.helloP99Ms} ms; API p99 ${row.apiP99Ms} ms, max ${row.apiMaxMs} ms (load ${row.load})`,
      );
      await sleep(6000); // links stable again before the next round
    }
    return { name, main, connectSeconds: +connected.seconds.toFixed(1), rounds };
  } finally {
    if (generator) {
      generator.child.send({ type: 'stop' });
      await exited(generator.child);
    }
    await stop(node.child);
    rmSync(dataDir, { recursive: true, force: true });
  }
}

const verdict = (row) => ({
  caughtUp: {
    value: row.allCaughtUpS,
    target: `≤ ${TARGET_CAUGHT_UP_S} s`,
    pass: row.allCaughtUpS !== null && row.allCaughtUpS <= TARGET_CAUGHT_UP_S,
  },
  cpuPinned: { value: row.pinnedSeconds, target: `≤ ${TARGET_PINNED_S} s at ≥ 90 %`, pass: row.pinnedSeconds <= TARGET_PINNED_S },
});

export async function runReconnectStormBench() {
  // BENCH_STORM_AFTER=<another copy inside packages/server> measures it instead of packages/server/dist (a private build
  // of a change, while others rebuild dist).
  const sides = [['parley', join(process.env.BENCH_STORM_AFTER ?? join(ROOT, 'packages/server/dist'), 'main.js')]];
  // BENCH_STORM_BEFORE=<a copy of packages/server/dist inside packages/server> measures a previous build too (A/B).
  const beforeDir = process.env.BENCH_STORM_BEFORE;
  // BENCH_STORM_BEFORE_HELLO=frame: its clients say hello in a frame (a build from before the URL resume).
  if (beforeDir)
    sides.push([
      'parley-before',
      join(beforeDir, 'main.js'),
      process.env.BENCH_STORM_BEFORE_HELLO === 'frame' ? { STORM_HELLO_FRAME: '1' } : {},
    ]);
  const results = [];
  for (const [name, main, generatorEnv] of sides) results.push(await runSide(name, main, generatorEnv));
  const report = {
    measuredAt: new Date().toISOString(),
    node: process.version,
    load: load(),
    fdHardLimit: hardFdLimit(),
    visitors: VISITORS,
    targets: { allCaughtUpSeconds: TARGET_CAUGHT_UP_S, cpuPinnedSeconds: TARGET_PINNED_S, pinnedAt: PINNED },
    results: results.map((side) => ({ ...side, rounds: side.rounds.map((row) => ({ ...row, verdict: verdict(row) })) })),
  };
  mkdirSync(new URL('./results/', import.meta.url), { recursive: true });
  writeFileSync(new URL('./results/reconnect-storm.json', import.meta.url), `${JSON.stringify(report, null, 2)}\n`);
  console.log(`\nReconnect storm: ${VISITORS} visitors, node restarted (load ${report.load})`);
  console.table(
    results.flatMap((side) =>
      side.rounds.map((row) => ({
        build: side.name,
        round: row.round,
        'ready after spawn s': row.startSeconds,
        'all reconnected s': row.allReconnectedS,
        'all caught up s': row.allCaughtUpS,
        'median reconnect s': row.medianReconnectS,
        'peak CPU %': row.peakCpuPct,
        's at ≥90 %': row.pinnedSeconds,
        'hello p50 ms': row.helloP50Ms,
        'hello p99 ms': row.helloP99Ms,
        'API p99 / max ms': `${row.apiP99Ms} / ${row.apiMaxMs}`,
        attempts: row.attempts,
        'listen drops': row.listenOverflows,
        'SQL reads': row.sql?.reads ?? null,
        'peak reads/s': row.sql?.peakReadsPerSecond ?? null,
      })),
    ),
  );
  for (const side of report.results)
    for (const row of side.rounds) {
      const { caughtUp, cpuPinned } = row.verdict;
      console.log(
        `reconnect storm, ${side.name}, ${row.round}: all caught up ${caughtUp.value ?? 'never'} s after ready (target ${caughtUp.target}) ${caughtUp.pass ? 'PASS' : 'MISS'}; ` +
          `CPU ≥ 90 % for ${cpuPinned.value} s (target ${cpuPinned.target}) ${cpuPinned.pass ? 'PASS' : 'MISS'}; peak ${row.peakCpuPct} %`,
      );
    }
  console.log('written to bench/results/reconnect-storm.json');
  return report;
}

if (process.argv[1] === fileURLToPath(import.meta.url)) await runReconnectStormBench();
