// Gateway capacity bench: each side's maximum sustained message rate, found like a capacity test. The
// offered rate doubles until a step fails, then is bisected between the last step that held and the first
// that did not. A step holds when p99 (visitor send → agent receive) < 100 ms and ≥ 99 % of the measured
// messages arrive. Sides: a bare `ws` relay (stores and checks nothing), Parley on SQLite, Parley on
// PostgreSQL. Each server runs in its own process pinned to CPU 0 and each side has its own load-generator
// process (bench/gateway-load.js) pinned to CPU 1 when `taskset` is there. Then p99 at half load: each side
// at half of its own maximum, and the relay again at each Parley half-load rate, in interleaved rounds.
// Only ratios measured in one run mean anything on a shared machine.
//
//   node bench/gateway-capacity.js            full run (about five minutes)
//   BENCH_QUICK=1 node bench/gateway-capacity.js   short steps, coarse bisection (about two minutes)
//   BENCH_CAPACITY_RATE=1500 BENCH_HALF_ROUNDS=5   no search: every side at that rate, in interleaved rounds
//   BENCH_CAPACITY_SIDES=bare,sqlite          only some sides (postgres needs 127.0.0.1:5432 db test)
//   BENCH_CAPACITY_BEFORE=/tmp/old/packages/server/dist/main.js BENCH_CAPACITY_SIDES=bare,before,sqlite
//                                             a previous build beside the current one (before-postgres too)
//   BENCH_CAPACITY_AFTER=packages/server/dist-mine/main.js   the sqlite / postgres sides run that build instead of
//                                             packages/server/dist (a private build, while others rebuild dist)
import { execFileSync, fork } from 'node:child_process';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import pg from 'pg';
import { ADMIN_KEY, api, createWidget, drained, startParley, startRelay } from './gateway.js';

const QUICK = process.env.BENCH_QUICK === '1';
const WARMUP_MS = QUICK ? 1000 : 2000;
const MEASURE_MS = Number(process.env.BENCH_CAPACITY_SECONDS ?? (QUICK ? 2 : 5)) * 1000;
const GRACE_MS = 1000;
/** Bisection stops when the failing rate is within this fraction above the holding one. */
const PRECISION = QUICK ? 0.2 : 0.08;
const FIXED_RATE = Number(process.env.BENCH_CAPACITY_RATE ?? 0);
const START_RATE = Number(process.env.BENCH_CAPACITY_START ?? 1000);
const MAX_RATE = 200_000;
const HALF_ROUNDS = Number(process.env.BENCH_HALF_ROUNDS ?? (QUICK ? 1 : 3));
/** Each visitor sends at most this often (the per-connection limit is 20 frames/s); more pairs carry more. */
const PER_PAIR = 15;
/** Past this many pairs the per-pair rate grows instead (only the bare relay, which has no frame limit, gets there). */
const MAX_PAIRS = 2000;
export const LIMITS = { p99Ms: 100, delivery: 0.99 };
const TARGETS = { capacityVsBareSqlite: 0.3, halfLoadP99VsBare: 3 };
const POSTGRES_URL = process.env.PARLEY_TEST_DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/test';
const SIDES = (process.env.BENCH_CAPACITY_SIDES ?? 'bare,sqlite,postgres').split(',');

// Volume limits stay on (checking them is part of the measured path) but far above the bench's load.
export const LIMITS_ABOVE_THE_LOAD = Object.fromEntries(
  ['SESSIONS', 'MESSAGES', 'BOT_TURNS'].flatMap((what) =>
    ['SESSION', 'ADDRESS', 'WIDGET'].map((per) => [`PARLEY_LIMIT_${what}_PER_${per}`, '999999999/1m']),
  ),
);

function hasTaskset() {
  try {
    execFileSync('taskset', ['-c', '0', 'true']);
    return true;
  } catch {
    return false;
  }
}
const PIN = hasTaskset();
const serverPrefix = PIN ? ['taskset', '-c', '0'] : [];
/**
 * Parley is pinned like the relay (one core each: the comparison the targets are about). A change that moves
 * work to another thread (storage in a worker) needs BENCH_CAPACITY_PIN_PARLEY=0 to show, on a machine with a
 * core to spare beside the load generator's.
 */
const parleyPrefix = process.env.BENCH_CAPACITY_PIN_PARLEY === '0' ? [] : serverPrefix;

// ---- load generator processes -------------------------------------------------------------------

/** `pin: false` leaves the generator free to run on any core (bench/multi-node.js: its nodes need both). */
export async function startLoadGenerator({ pin = PIN } = {}) {
  const child = fork(fileURLToPath(new URL('./gateway-load.js', import.meta.url)), [], {
    execArgv: [],
    stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
  });
  if (pin) execFileSync('taskset', ['-pc', '1', String(child.pid)], { stdio: 'ignore' });
  const replies = [];
  child.on('message', (message) => replies.shift()?.(message));
  const ask = (message) =>
    new Promise((resolve, reject) => {
      const onExit = (code) => reject(new Error(`load generator exited with ${code}`));
      child.once('exit', onExit);
      replies.push((reply) => {
        child.off('exit', onExit);
        if (reply.ok) resolve(reply);
        else reject(new Error(reply.error));
      });
      if (message !== undefined) child.send(message);
    });
  await ask(); // ready
  return {
    pid: child.pid,
    run: async (options) => (await ask({ cmd: 'run', ...options })).result,
    close: async () => {
      if (child.exitCode !== null) return;
      const exited = new Promise((resolve) => child.once('exit', resolve));
      await ask({ cmd: 'close' }).catch(() => child.kill());
      await exited;
    },
  };
}

// ---- sides ---------------------------------------------------------------------------------------

async function bareSide() {
  const relay = await startRelay(serverPrefix);
  const pairs = [];
  return {
    key: 'bare',
    label: 'bare ws relay',
    pid: relay.child.pid,
    pairs: async (count) => {
      while (pairs.length < count)
        pairs.push({ visitorUrl: `${relay.url}/?pair=${pairs.length}`, agentUrl: `${relay.url}/?pair=${pairs.length}` });
      return pairs.slice(0, count);
    },
    settle: async () => undefined,
    cleanup: relay.cleanup,
  };
}

/**
 * `key`: sqlite, postgres, or before / before-postgres: the build whose main.js BENCH_CAPACITY_BEFORE
 * names (a copy of packages/server/dist taken before a change), so a change is measured beside the relay
 * and beside what it replaced in one run.
 */
async function parleySide(key) {
  const before = key.startsWith('before');
  const storage = key.endsWith('postgres') ? 'postgres' : 'sqlite';
  if (before && !process.env.BENCH_CAPACITY_BEFORE)
    throw new Error(`side ${key} needs BENCH_CAPACITY_BEFORE=<the previous build's main.js>`);
  const schema = `parley_capacity_bench_${process.pid}_${before ? 'before' : 'now'}`;
  const env = {
    ...LIMITS_ABOVE_THE_LOAD,
    ...(storage === 'postgres' ? { PARLEY_DATABASE_URL: POSTGRES_URL, PARLEY_DATABASE_SCHEMA: schema } : {}),
  };
  const main = before ? process.env.BENCH_CAPACITY_BEFORE : process.env.BENCH_CAPACITY_AFTER;
  const parley = await startParley({ env, prefix: parleyPrefix, ...(main ? { main } : {}) });
  const dropSchema = async () => {
    if (storage !== 'postgres') return;
    const client = new pg.Client({ connectionString: POSTGRES_URL });
    await client.connect();
    await client.query(`drop schema if exists "${schema}" cascade`);
    await client.end();
  };
  const cleanup = async () => {
    await parley.cleanup();
    await dropSchema();
  };
  try {
    const { widgetId, agentId } = await createWidget(parley.base);
    const pairs = [];
    // A pair is a visitor and an agent to whom the conversation is assigned (a human owns it, the bot stays out).
    const createPair = async () => {
      const session = await api(parley.base, `/v1/widgets/${widgetId}/sessions`, {});
      await api(parley.base, `/v1/inbox/${session.conversationId}/assign`, { agentId });
      return {
        visitorUrl: `${parley.url}/v1/realtime/ws?token=${encodeURIComponent(session.token)}`,
        agentUrl: `${parley.url}/v1/realtime/ws?token=${ADMIN_KEY}&conversationId=${session.conversationId}`,
      };
    };
    return {
      key,
      pid: parley.child.pid,
      label: `Parley (${storage === 'postgres' ? 'PostgreSQL' : 'SQLite'}${before ? ', before' : ''})`,
      pairs: async (count) => {
        while (pairs.length < count) {
          const batch = Math.min(16, count - pairs.length);
          pairs.push(...(await Promise.all(Array.from({ length: batch }, createPair))));
        }
        return pairs.slice(0, count);
      },
      settle: () => drained(parley.base),
      cleanup,
    };
  } catch (error) {
    await cleanup();
    throw error;
  }
}

// ---- capacity search -----------------------------------------------------------------------------

export const holds = (step) => step.p99Ms < LIMITS.p99Ms && step.delivery >= LIMITS.delivery;
/** The generator fell behind the rate it was asked for, or used (nearly) all of its core: the step measured it, not the server. */
export const generatorBound = (step) => step.sentPerSecond < step.offeredPerSecond * 0.95 || step.generatorCpu >= 0.9;

/** CPU time (user + system) a process has used, in ms; /proc only (elsewhere NaN). */
export function cpuMs(pid) {
  try {
    const fields = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1].split(' ');
    return ((Number(fields[11]) + Number(fields[12])) * 1000) / CLOCK_TICKS;
  } catch {
    return NaN;
  }
}
const CLOCK_TICKS = (() => {
  try {
    return Number(execFileSync('getconf', ['CLK_TCK']).toString().trim()) || 100;
  } catch {
    return 100;
  }
})();

/** Every server's pid: they share CPU 0, so a step waits until none of them is still working off a backlog. */
const serverPids = [];

/** Waits (at most 30 s) until the servers together used < 10 % of a core over half a second. */
async function serversQuiet() {
  const total = () => serverPids.reduce((sum, pid) => sum + (cpuMs(pid) || 0), 0);
  for (let waited = 0; waited < 30_000; waited += 500) {
    const before = total();
    await new Promise((resolve) => setTimeout(resolve, 500));
    if (total() - before < 50) return;
  }
}

async function step(side, generator, rate) {
  const count = Math.min(MAX_PAIRS, Math.ceil(rate / PER_PAIR));
  const pairs = await side.pairs(count);
  await serversQuiet();
  const cpuBefore = cpuMs(side.pid);
  const run = await generator.run({ pairs, rate, warmupMs: WARMUP_MS, measureMs: MEASURE_MS, graceMs: GRACE_MS });
  await side.settle();
  // The server's CPU per message relayed: the figure that stays comparable when the machine is busy (a
  // neighbour's load moves latency and so the maximum, much less the work each message costs).
  const result = { ...run, serverCpuUsPerMessage: Math.round(((cpuMs(side.pid) - cpuBefore) * 1000) / run.sentWithWarmup) };
  // A generator that fell behind the offered rate did not offer it: that step cannot hold at it, however fast the
  // server answered what it did send (it would overstate the maximum).
  const offered = result.sentPerSecond >= result.offeredPerSecond * 0.95;
  const verdict = offered && holds(result) ? 'holds' : generatorBound(result) ? 'generator-bound' : 'fails';
  console.log(
    `  ${side.label} @ ${rate} msg/s (${count} pairs): relayed ${result.relayedPerSecond}/s, p99 ${result.p99Ms} ms, ` +
      `delivery ${(result.delivery * 100).toFixed(2)} %, server CPU ${result.serverCpuUsPerMessage} µs/msg, generator ${Math.round(result.generatorCpu * 100)} % of a core${result.errors ? `, errors ${JSON.stringify(result.errorCodes)}` : ''} → ${verdict}`,
  );
  return { ...result, verdict };
}

/**
 * Doubles the offered rate until a step fails, then bisects; the maximum is the highest rate that held.
 * `measure(side, generator, rate)` runs one step (bench/multi-node.js passes its own, which reads the CPU of
 * several processes); `start` and `precision` default to this bench's.
 */
export async function findCapacity(side, generator, { measure = step, start = START_RATE, precision = PRECISION } = {}) {
  const steps = [];
  let holding = 0;
  let failing = Infinity;
  for (let rate = start; failing === Infinity && rate <= MAX_RATE; rate *= 2) {
    const s = await measure(side, generator, rate);
    steps.push(s);
    if (s.verdict === 'holds') holding = rate;
    else failing = rate;
  }
  // The start rate already failed: halve until one holds.
  for (let rate = failing / 2; holding === 0 && rate >= 50; rate = Math.round(rate / 2)) {
    const s = await measure(side, generator, rate);
    steps.push(s);
    if (s.verdict === 'holds') holding = rate;
    else failing = rate;
  }
  // A generator-bound step says nothing about the server, and the backlog it left behind would skew the steps
  // after it: the search ends there, and the maximum is a lower bound (limitedBy: 'generator-bound').
  const bounded = () => steps.at(-1)?.verdict === 'generator-bound';
  while (!bounded() && holding > 0 && failing !== Infinity && failing > holding * (1 + precision)) {
    const rate = Math.round((holding + failing) / 2 / 10) * 10;
    const s = await measure(side, generator, rate);
    steps.push(s);
    if (s.verdict === 'holds') holding = rate;
    else failing = rate;
  }
  const limitedBy = steps.find((s) => s.offeredPerSecond === failing)?.verdict;
  return { maxPerSecond: holding, firstFailingPerSecond: failing === Infinity ? null : failing, limitedBy, steps };
}

// ---- half load -----------------------------------------------------------------------------------

const median = (values) => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)];

/** Runs `plan` ([{ key, side, generator, rate }]) HALF_ROUNDS times in turn; each entry's figures are medians. */
async function halfLoad(plan) {
  const runs = plan.map(() => []);
  for (let round = 0; round < HALF_ROUNDS; round++) {
    for (const [i, { side, generator, rate }] of plan.entries()) runs[i].push(await step(side, generator, rate));
  }
  return plan.map(({ key, side, rate }, i) => ({
    key,
    name: side.label,
    offeredPerSecond: rate,
    p50Ms: median(runs[i].map((r) => r.p50Ms)),
    p99Ms: median(runs[i].map((r) => r.p99Ms)),
    delivery: median(runs[i].map((r) => r.delivery)),
    serverCpuUsPerMessage: median(runs[i].map((r) => r.serverCpuUsPerMessage)),
    rounds: runs[i].map(({ p50Ms, p99Ms, delivery }) => ({ p50Ms, p99Ms, delivery })),
  }));
}

// ---- report --------------------------------------------------------------------------------------

function verdicts(capacity, half) {
  const bare = capacity.bare?.maxPerSecond;
  const ratios = {};
  for (const key of ['sqlite', 'postgres', 'before', 'before-postgres']) {
    if (capacity[key] === undefined || bare === undefined) continue;
    // No step of the relay held (a machine too busy to measure): no ratio rather than ×Infinity.
    const value = bare > 0 ? +(capacity[key].maxPerSecond / bare).toFixed(3) : null;
    ratios[`capacityVsBare_${key}`] =
      key === 'sqlite' || key === 'before'
        ? { value, target: `≥ ${TARGETS.capacityVsBareSqlite}`, pass: value !== null && value >= TARGETS.capacityVsBareSqlite }
        : { value };
    const own = half.find((h) => h.key === key);
    const bareOwn = half.find((h) => h.key === 'bare');
    const bareSame = half.find((h) => h.key === `bare@${key}`);
    const mark = (v) => ({ value: +v.toFixed(2), target: `≤ ${TARGETS.halfLoadP99VsBare}`, pass: v <= TARGETS.halfLoadP99VsBare });
    if (own && bareOwn) ratios[`halfLoadP99VsBare_${key}_eachOwnHalf`] = mark(own.p99Ms / bareOwn.p99Ms);
    if (own && bareSame) ratios[`halfLoadP99VsBare_${key}_sameRate`] = mark(own.p99Ms / bareSame.p99Ms);
    // The maxima above stop at a latency limit, which a neighbour's load on a shared machine reaches long
    // before the relay runs out of CPU. The relay's CPU per message over Parley's, both at Parley's half-load
    // rate, is what the ratio of maxima would be were both bound by their CPU: the steadier figure of the two.
    if (own && bareSame && own.serverCpuUsPerMessage > 0) {
      const value = +(bareSame.serverCpuUsPerMessage / own.serverCpuUsPerMessage).toFixed(3);
      ratios[`cpuBoundCapacityVsBare_${key}`] =
        key === 'sqlite' || key === 'before'
          ? { value, target: `≥ ${TARGETS.capacityVsBareSqlite}`, pass: value >= TARGETS.capacityVsBareSqlite }
          : { value };
    }
    // A PASS of the maxima needs the CPU figure to agree: on a busy machine the relay's maximum is set by its
    // neighbours (p99 crossed 100 ms at a third of its core), which flatters the ratio of maxima.
    const rate = ratios[`capacityVsBare_${key}`];
    const cpu = ratios[`cpuBoundCapacityVsBare_${key}`];
    if (rate?.pass === true && cpu?.pass === false)
      ratios[`capacityVsBare_${key}`] = { ...rate, pass: false, why: 'the CPU-bound ratio misses the target' };
  }
  return ratios;
}

function print(report) {
  console.table(
    Object.entries(report.capacity).map(([, c]) => ({
      side: c.label,
      maxPerSecond: c.maxPerSecond,
      firstFailing: c.firstFailingPerSecond,
      limitedBy: c.limitedBy,
      steps: c.steps.length,
    })),
  );
  console.table(
    report.halfLoad.map(({ name, offeredPerSecond, p50Ms, p99Ms, delivery, serverCpuUsPerMessage }) => ({
      name,
      offeredPerSecond,
      p50Ms,
      p99Ms,
      delivery,
      serverCpuUsPerMessage,
    })),
  );
  const mark = (r) => (r.pass === undefined ? '' : r.pass ? ' PASS' : ' MISS');
  for (const [name, r] of Object.entries(report.ratios))
    console.log(`${name} ×${r.value}${r.target ? ` (target ${r.target})` : ''}${mark(r)}${r.why ? ` (${r.why})` : ''}`);
  console.log(
    'note: capacityVsBare_* compares the highest rates whose p99 stayed < 100 ms, which a busy machine lowers for the relay\n' +
      '      first; cpuBoundCapacityVsBare_* (server CPU per message, both at the same rate) is the steadier estimate',
  );
  if (report.capacity.bare?.limitedBy === 'generator-bound') {
    console.log("note: the relay's maximum is a lower bound (its load generator ran out of CPU first): capacity ratios are upper bounds");
  }
  if (!PIN) console.log('note: taskset not found: servers and load generators were not pinned to cores');
  console.log('written to bench/results/gateway-capacity.json');
}

export async function runGatewayCapacityBench() {
  const subjects = [];
  try {
    for (const key of SIDES) {
      const side = key === 'bare' ? await bareSide() : await parleySide(key);
      serverPids.push(side.pid);
      subjects.push({ side, generator: await startLoadGenerator() });
    }
    const capacity = {};
    // BENCH_CAPACITY_RATE: no search; every side at that rate, in interleaved rounds (A/B of a change, profiling).
    if (FIXED_RATE > 0) {
      console.log(`every side at ${FIXED_RATE} msg/s, ${HALF_ROUNDS} interleaved rounds:`);
      const fixed = await halfLoad(subjects.map(({ side, generator }) => ({ key: side.key, side, generator, rate: FIXED_RATE })));
      console.table(
        fixed.map(({ name, offeredPerSecond, p50Ms, p99Ms, delivery, serverCpuUsPerMessage }) => ({
          name,
          offeredPerSecond,
          p50Ms,
          p99Ms,
          delivery,
          serverCpuUsPerMessage,
        })),
      );
      return { fixed };
    }
    for (const { side, generator } of subjects) {
      console.log(`capacity of ${side.label}:`);
      capacity[side.key] = { label: side.label, ...(await findCapacity(side, generator)) };
    }
    const bare = subjects.find(({ side }) => side.key === 'bare');
    const plan = [];
    for (const { side, generator } of subjects) {
      const rate = Math.round(capacity[side.key].maxPerSecond / 2);
      if (rate === 0) continue;
      plan.push({ key: side.key, side, generator, rate });
      // The relay at this Parley's half-load rate: "p99 at half load ≤ 3× the relay's at the same rate".
      if (bare && side !== bare.side) plan.push({ key: `bare@${side.key}`, side: bare.side, generator: bare.generator, rate });
    }
    console.log('half load:');
    const half = await halfLoad(plan);
    const report = {
      measuredAt: new Date().toISOString(),
      node: process.version,
      settings: {
        quick: QUICK,
        pinned: PIN ? `relay${parleyPrefix.length > 0 ? ' and Parley' : ''} on CPU 0, load generators on CPU 1` : 'no',
        warmupMs: WARMUP_MS,
        measureMs: MEASURE_MS,
        graceMs: GRACE_MS,
        precision: PRECISION,
        perPairRate: PER_PAIR,
        maxPairs: MAX_PAIRS,
        stepHoldsWhen: `p99 < ${LIMITS.p99Ms} ms and delivery ≥ ${LIMITS.delivery * 100} %`,
        halfLoadRounds: HALF_ROUNDS,
      },
      capacity,
      halfLoad: half,
      ratios: verdicts(capacity, half),
    };
    mkdirSync(new URL('./results/', import.meta.url), { recursive: true });
    writeFileSync(new URL('./results/gateway-capacity.json', import.meta.url), `${JSON.stringify(report, null, 2)}\n`);
    print(report);
    return report;
  } finally {
    for (const { side, generator } of subjects) {
      await generator.close();
      await side.cleanup();
    }
  }
}

if (process.argv[1] === fileURLToPath(import.meta.url)) await runGatewayCapacityBench();
