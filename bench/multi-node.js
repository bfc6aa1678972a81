// Multi-node bench (issue 19, part 4): N Parley node processes on this machine, one PostgreSQL schema, one
// Redis of its own, and visitor/agent pairs whose visitor is on one node and agent on ANOTHER (N ≥ 2), so every
// message crosses Redis. For each N the offered rate is ramped and bisected as the capacity bench does (its
// findCapacity and load generator, bench/gateway-load.js): a step holds when p99 (visitor send → agent
// receive) is under 100 ms and ≥ 99 % arrive. Each step reads the CPU that every process used while it
// measured (/proc): the nodes, redis-server, the PostgreSQL backends serving the nodes' pools (found by their
// client ports) and the load generator, so it shows where throughput stops growing and what saturates.
// Nothing is pinned: on a 2-core machine the nodes need both cores, and so do the rest.
//
// Then the SQL census: two nodes started with bench/sql-census.js preloaded, a fixed rate, statements per
// message by kind, PostgreSQL's row counters for the schema (pg_stat_user_tables, the load window only) and
// the backends' CPU per message; once with no agent inbox stream open and once with BENCH_CENSUS_INBOXES (4).
//
//   node bench/multi-node.js                       N = 1, 2, 3, 4 and the census (about eight minutes)
//   BENCH_QUICK=1 node bench/multi-node.js         short steps, coarse bisection (about four minutes)
//   BENCH_NODES=1,2 BENCH_MULTI_PARTS=capacity     a subset (parts: capacity, census)
//   BENCH_CENSUS_RATE=300 BENCH_CENSUS_SECONDS=8   the census's fixed rate and length
//   BENCH_MULTI_RATE=300 BENCH_MULTI_ROUNDS=3      no search: 1 node, 2 nodes with pairs on one node, 2 nodes with
//                                                  pairs across, at that rate in interleaved rounds (what crossing costs)
import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, readlinkSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { setTimeout as sleep } from 'node:timers/promises';
import { fileURLToPath } from 'node:url';
import { Redis } from 'ioredis';
import pg from 'pg';
import WebSocket from 'ws';
import { cpuMs, findCapacity, generatorBound, holds, LIMITS_ABOVE_THE_LOAD, startLoadGenerator } from './gateway-capacity.js';
import { ADMIN_KEY, api, createWidget, drained, startParley } from './gateway.js';
import { startRedis } from './redis-fanout.js';

const QUICK = process.env.BENCH_QUICK === '1';
const NODES = (process.env.BENCH_NODES ?? '1,2,3,4').split(',').map(Number);
const PARTS = (process.env.BENCH_MULTI_PARTS ?? 'capacity,census').split(',');
const WARMUP_MS = QUICK ? 1000 : 1500;
const MEASURE_MS = (QUICK ? 2 : 4) * 1000;
const GRACE_MS = 1000;
const START_RATE = Number(process.env.BENCH_MULTI_START ?? 400);
const PRECISION = QUICK ? 0.25 : 0.1;
/** As the capacity bench: each visitor sends 15 msg/s (the per-connection limit is 20 frames/s). */
const PER_PAIR = 15;
const CENSUS_RATE = Number(process.env.BENCH_CENSUS_RATE ?? 300);
const CENSUS_SECONDS = Number(process.env.BENCH_CENSUS_SECONDS ?? (QUICK ? 4 : 8));
const CENSUS_INBOXES = Number(process.env.BENCH_CENSUS_INBOXES ?? 4);
const POSTGRES_URL = process.env.PARLEY_TEST_DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/test';
/** Every node signs and checks session tokens with the same secret, as a real deployment's nodes do. */
const SECRET = 'nodes19-multi-node-bench-secret-0123456789abcdef';
const CORES = Number(execFileSync('nproc').toString().trim()) || 1;

const loadAverage = () => readFileSync('/proc/loadavg', 'utf8').split(' ').slice(0, 3).join(' ');

// ---- the PostgreSQL backends that serve our nodes ---------------------------------------------------

/** Local ports of `pid`'s TCP connections to port 5432 (its fds' socket inodes, looked up in /proc/net/tcp*). */
function postgresClientPorts(pid) {
  const inodes = new Set();
  try {
    for (const fd of readdirSync(`/proc/${pid}/fd`)) {
      try {
        const target = readlinkSync(`/proc/${pid}/fd/${fd}`);
        if (target.startsWith('socket:[')) inodes.add(target.slice(8, -1));
      } catch {
        // closed meanwhile
      }
    }
  } catch {
    return [];
  }
  const ports = [];
  for (const file of ['/proc/net/tcp', '/proc/net/tcp6']) {
    let lines;
    try {
      lines = readFileSync(file, 'utf8').split('\n').slice(1);
    } catch {
      continue; // no IPv6 here
    }
    for (const line of lines) {
      const fields = line.trim().split(/\s+/);
      if (fields.length < 10 || !inodes.has(fields[9])) continue;
      if (Number.parseInt(fields[2].split(':')[1], 16) !== 5432) continue;
      ports.push(Number.parseInt(fields[1].split(':')[1], 16));
    }
  }
  return ports;
}

/** PostgreSQL backend pids whose client is one of `pids` (pg_stat_activity.client_port). */
async function backendPids(admin, pids) {
  const ports = pids.flatMap(postgresClientPorts);
  if (ports.length === 0) return [];
  const { rows } = await admin.query(
    "select pid from pg_stat_activity where client_port = any($1::int[]) and client_addr in ('127.0.0.1', '::1')",
    [ports],
  );
  return rows.map((row) => row.pid);
}

// ---- CPU of every process taking part -----------------------------------------------------------------

/** /proc/stat's busy and total jiffies of the whole machine (neighbours included). */
function machineTicks() {
  const [, ...fields] = readFileSync('/proc/stat', 'utf8').split('\n')[0].trim().split(/\s+/);
  const values = fields.map(Number);
  const idle = values[3] + (values[4] ?? 0);
  const total = values.reduce((sum, v) => sum + v, 0);
  return { busy: total - idle, total };
}

async function cpuSnapshot(admin, group) {
  const backends = await backendPids(admin, group.nodePids);
  const read = (pids) => Object.fromEntries(pids.map((pid) => [pid, cpuMs(pid)]));
  return {
    at: performance.now(),
    nodes: read(group.nodePids),
    redis: read([group.redisPid]),
    postgres: read(backends),
    generator: read([group.generatorPid]),
    machine: machineTicks(),
  };
}

/** CPU ms each group used between two snapshots; a backend that appeared meanwhile counts from 0. */
function cpuBetween(from, to) {
  const used = (key) => Object.entries(to[key]).reduce((sum, [pid, ms]) => sum + Math.max(0, (ms || 0) - ((from[key][pid] ?? 0) || 0)), 0);
  const wallMs = to.at - from.at;
  const machine = (to.machine.busy - from.machine.busy) / Math.max(1, to.machine.total - from.machine.total);
  return {
    wallMs,
    nodes: used('nodes'),
    redis: used('redis'),
    postgres: used('postgres'),
    generator: used('generator'),
    postgresBackends: Object.keys(to.postgres).length,
    machineBusyShare: +machine.toFixed(2),
  };
}

// ---- a group of N nodes --------------------------------------------------------------------------

async function dropSchema(schema) {
  const client = new pg.Client({ connectionString: POSTGRES_URL });
  await client.connect();
  await client.query(`drop schema if exists "${schema}" cascade`).finally(() => client.end());
}

/**
 * N nodes on one schema and one Redis, started one after the other (the first migrates the schema).
 * `nodeArgs` preloads something into every node (the SQL census); `censusDir` gives each its census file.
 */
async function startNodes(count, { schema, redisUrl, nodeArgs = '', censusDir }) {
  const nodes = [];
  const previousArgs = process.env.BENCH_SERVER_NODE_ARGS;
  // startParley takes the node's flags from BENCH_SERVER_NODE_ARGS.
  if (nodeArgs) process.env.BENCH_SERVER_NODE_ARGS = nodeArgs;
  try {
    for (let i = 0; i < count; i++) {
      nodes.push(
        await startParley({
          env: {
            ...LIMITS_ABOVE_THE_LOAD,
            PARLEY_DATABASE_URL: POSTGRES_URL,
            PARLEY_DATABASE_SCHEMA: schema,
            PARLEY_REDIS_URL: redisUrl,
            PARLEY_SECRET: SECRET,
            ...(censusDir ? { SQL_CENSUS_FILE: join(censusDir, `node-${i}.json`) } : {}),
          },
          // BENCH_MULTI_AFTER=<a copy of packages/server/dist inside packages/server>/main.js: another build than dist
          // (a private build of a change, measured back to back with one without it while others rebuild dist).
          ...(process.env.BENCH_MULTI_AFTER ? { main: process.env.BENCH_MULTI_AFTER } : {}),
        }),
      );
    }
  } catch (error) {
    for (const node of nodes) await node.cleanup();
    throw error;
  } finally {
    if (previousArgs === undefined) delete process.env.BENCH_SERVER_NODE_ARGS;
    else process.env.BENCH_SERVER_NODE_ARGS = previousArgs;
  }
  return nodes;
}

/**
 * Pair i: its session made on node i mod N and assigned to the agent there; the visitor connects to that
 * node, the agent to the next one, so each message is stored on the visitor's node and reaches the agent
 * through Redis.
 */
function pairMaker(nodes, widgetId, agentId, { across = true } = {}) {
  const sessions = [];
  const create = async (index) => {
    const node = nodes[index % nodes.length];
    const session = await api(node.base, `/v1/widgets/${widgetId}/sessions`, {});
    await api(node.base, `/v1/inbox/${session.conversationId}/assign`, { agentId });
    return session;
  };
  const urls = (session, index) => {
    const visitorNode = nodes[index % nodes.length];
    // `across: false` keeps the agent on the visitor's node: the same nodes, without the Redis crossing.
    const agentNode = nodes[(index + (across ? 1 : 0)) % nodes.length];
    return {
      visitorUrl: `${visitorNode.url}/v1/realtime/ws?token=${encodeURIComponent(session.token)}`,
      agentUrl: `${agentNode.url}/v1/realtime/ws?token=${ADMIN_KEY}&conversationId=${session.conversationId}`,
    };
  };
  return {
    sessions,
    pairs: async (count) => {
      while (sessions.length < count) {
        const batch = Math.min(16, count - sessions.length);
        const from = sessions.length;
        sessions.push(...(await Promise.all(Array.from({ length: batch }, (_, j) => create(from + j)))));
      }
      return sessions.slice(0, count).map(urls);
    },
  };
}

/** Waits (at most 30 s) until the nodes and Redis together used < 10 % of a core over half a second. */
async function quiet(pids) {
  const total = () => pids.reduce((sum, pid) => sum + (cpuMs(pid) || 0), 0);
  for (let waited = 0; waited < 30_000; waited += 500) {
    const before = total();
    await sleep(500);
    if (total() - before < 50) return;
  }
}

const perMessage = (ms, messages) => (messages > 0 ? Math.round((ms * 1000) / messages) : null);

/**
 * One step at `rate`: the pairs are opened first (a 1 msg/s run), so the measured run starts at once and the
 * CPU read at its warm-up's end and measure's end covers the measured messages only.
 */
async function measureStep(ctx, generator, rate) {
  const { label, nodes, maker, admin, group } = ctx;
  const count = Math.ceil(rate / PER_PAIR);
  const pairs = await maker.pairs(count);
  await generator.run({ pairs, rate: 1, warmupMs: 0, measureMs: 50, graceMs: 0 });
  await quiet([...group.nodePids, group.redisPid]);
  const snapshots = [];
  const snap = async () => snapshots.push(await cpuSnapshot(admin, group));
  const running = generator.run({ pairs, rate, warmupMs: WARMUP_MS, measureMs: MEASURE_MS, graceMs: GRACE_MS });
  await sleep(WARMUP_MS);
  await snap();
  await sleep(MEASURE_MS);
  await snap();
  const run = await running;
  for (const node of nodes) await drained(node.base);
  const cpu = cpuBetween(snapshots[0], snapshots[1]);
  const share = (ms) => +(ms / cpu.wallMs).toFixed(2);
  const all = cpu.nodes + cpu.redis + cpu.postgres + cpu.generator;
  const step = {
    ...run,
    cpuUsPerMessage: {
      nodes: perMessage(cpu.nodes, run.sent),
      redis: perMessage(cpu.redis, run.sent),
      postgresBackends: perMessage(cpu.postgres, run.sent),
      generator: perMessage(cpu.generator, run.sent),
      all: perMessage(all, run.sent),
    },
    // Shares of one core while measuring (2.0 = both cores of a 2-core machine).
    coreShare: {
      nodes: share(cpu.nodes),
      redis: share(cpu.redis),
      postgresBackends: share(cpu.postgres),
      generator: share(cpu.generator),
      all: share(all),
    },
    postgresBackends: cpu.postgresBackends,
    machineBusyShare: cpu.machineBusyShare,
  };
  // A generator that fell behind the offered rate measured itself: never a hold at that rate, however well the
  // nodes delivered what it did send.
  const behind = step.sentPerSecond < rate * 0.95;
  step.verdict = !behind && holds(step) ? 'holds' : behind || generatorBound(step) ? 'generator-bound' : 'fails';
  const c = step.coreShare;
  console.log(
    `  ${label} @ ${rate} msg/s (${count} pairs): relayed ${step.relayedPerSecond}/s, p99 ${step.p99Ms} ms, delivery ${(step.delivery * 100).toFixed(2)} %, ` +
      `CPU ${step.cpuUsPerMessage.all} µs/msg (nodes ${step.cpuUsPerMessage.nodes}, pg ${step.cpuUsPerMessage.postgresBackends}, redis ${step.cpuUsPerMessage.redis}, ` +
      `generator ${step.cpuUsPerMessage.generator}); cores: all ${c.all} of ${CORES} (nodes ${c.nodes}, pg ${c.postgresBackends}, redis ${c.redis}, generator ${c.generator}), ` +
      `machine ${Math.round(step.machineBusyShare * 100)} % busy${step.errors ? `, errors ${JSON.stringify(step.errorCodes)}` : ''} → ${step.verdict}`,
  );
  return step;
}

/** N nodes on a schema of their own, an admin connection and a load generator; `close` stops them and drops the schema. */
async function openGroup(count, redis, options = {}) {
  const schema = `nodes19_mn_${process.pid}_${count}_${options.tag ?? 'cap'}`;
  const nodes = await startNodes(count, { schema, redisUrl: redis.url, ...options });
  const admin = new pg.Client({ connectionString: POSTGRES_URL });
  await admin.connect();
  const generator = await startLoadGenerator({ pin: false }).catch(async (error) => {
    await admin.end();
    for (const node of nodes) await node.cleanup();
    throw error;
  });
  const close = async () => {
    await generator.close();
    await admin.end();
    for (const node of nodes) await node.cleanup();
    await dropSchema(schema);
  };
  return { nodes, admin, generator, schema, close };
}

async function withGroup(count, redis, fn, options = {}) {
  const group = await openGroup(count, redis, options);
  try {
    return await fn(group);
  } finally {
    await group.close();
  }
}

// ---- fixed rate: what crossing Redis costs ---------------------------------------------------------------

const FIXED_RATE = Number(process.env.BENCH_MULTI_RATE ?? 0);
const FIXED_ROUNDS = Number(process.env.BENCH_MULTI_ROUNDS ?? 3);
const median = (values) => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)];

/**
 * BENCH_MULTI_RATE: no search; 1 node, 2 nodes with each pair on one node, and 2 nodes with each pair across
 * (so every message crosses Redis), all at that rate in interleaved rounds. The two 2-node setups differ
 * only by the crossing, so their CPU per message says what it costs.
 */
async function fixedRate(redis) {
  const setups = [
    { label: '1 node', count: 1, across: false },
    { label: '2 nodes, each pair on one node', count: 2, across: false },
    { label: '2 nodes, each pair across', count: 2, across: true },
  ];
  const open = [];
  try {
    for (const [i, setup] of setups.entries()) {
      const group = await openGroup(setup.count, redis, { tag: `fixed${i}` });
      open.push(group);
      const { widgetId, agentId } = await createWidget(group.nodes[0].base);
      setup.ctx = {
        label: setup.label,
        nodes: group.nodes,
        admin: group.admin,
        maker: pairMaker(group.nodes, widgetId, agentId, { across: setup.across }),
        group: { nodePids: group.nodes.map((n) => n.child.pid), redisPid: redis.pid, generatorPid: group.generator.pid },
      };
      setup.generator = group.generator;
      setup.runs = [];
    }
    for (let round = 0; round < FIXED_ROUNDS; round++) {
      for (const setup of setups) setup.runs.push(await measureStep(setup.ctx, setup.generator, FIXED_RATE));
    }
    return setups.map(({ label, runs }) => ({
      label,
      rate: FIXED_RATE,
      p99Ms: median(runs.map((r) => r.p99Ms)),
      delivery: median(runs.map((r) => r.delivery)),
      cpuUsPerMessage: Object.fromEntries(
        ['nodes', 'postgresBackends', 'redis', 'generator', 'all'].map((k) => [k, median(runs.map((r) => r.cpuUsPerMessage[k]))]),
      ),
      machineBusyShare: median(runs.map((r) => r.machineBusyShare)),
      rounds: runs.map(({ p99Ms, cpuUsPerMessage }) => ({ p99Ms, nodesCpuUs: cpuUsPerMessage.nodes })),
    }));
  } finally {
    for (const group of open) await group.close();
  }
}

// ---- part 1: throughput against the number of nodes ---------------------------------------------------

async function capacityByNodes(redis) {
  const rows = [];
  for (const count of NODES) {
    console.log(`${count} node(s), one Redis, one PostgreSQL schema (load ${loadAverage()}):`);
    const row = await withGroup(count, redis, async ({ nodes, admin, generator }) => {
      const { widgetId, agentId } = await createWidget(nodes[0].base);
      const ctx = {
        label: `${count} node(s)`,
        nodes,
        admin,
        maker: pairMaker(nodes, widgetId, agentId),
        group: { nodePids: nodes.map((n) => n.child.pid), redisPid: redis.pid, generatorPid: generator.pid },
      };
      const loadBefore = loadAverage();
      const found = await findCapacity(ctx, generator, { measure: measureStep, start: START_RATE, precision: PRECISION });
      const best = found.steps.filter((s) => s.verdict === 'holds').sort((a, b) => b.offeredPerSecond - a.offeredPerSecond)[0];
      const failing = found.steps.find((s) => s.offeredPerSecond === found.firstFailingPerSecond);
      return {
        nodes: count,
        maxPerSecond: found.maxPerSecond,
        firstFailingPerSecond: found.firstFailingPerSecond,
        limitedBy: found.limitedBy ?? null,
        atMax: best
          ? { p99Ms: best.p99Ms, cpuUsPerMessage: best.cpuUsPerMessage, coreShare: best.coreShare, machineBusyShare: best.machineBusyShare }
          : null,
        atFirstFailing: failing
          ? {
              relayedPerSecond: failing.relayedPerSecond,
              p99Ms: failing.p99Ms,
              coreShare: failing.coreShare,
              machineBusyShare: failing.machineBusyShare,
            }
          : null,
        loadAverage: { before: loadBefore, after: loadAverage() },
        steps: found.steps,
      };
    });
    rows.push(row);
  }
  const one = rows.find((r) => r.nodes === 1)?.maxPerSecond;
  for (const row of rows) row.maxVsOneNode = one ? +(row.maxPerSecond / one).toFixed(2) : null;
  return rows;
}

// ---- part 2: SQL census per message on two nodes --------------------------------------------------------

function kindOf(sql) {
  const text = sql.toLowerCase();
  const first = text.split(/\s+/)[0].replace(/[^a-z(]/g, '');
  if (first === 'with') return /\binsert into\b/.test(text) ? 'insert' : /\bupdate\b/.test(text) ? 'update' : 'select';
  if (['insert', 'update', 'select', 'delete', 'begin', 'commit', 'rollback', 'savepoint', 'release'].includes(first)) return first;
  return 'other';
}

const TABLE_COUNTERS = ['n_tup_ins', 'n_tup_upd', 'n_tup_del', 'seq_scan', 'idx_scan', 'idx_tup_fetch', 'seq_tup_read'];

async function tableCounters(admin, schema) {
  // A busy backend sends its counters at most once a second, an idle one after up to 10 s (PostgreSQL 15's
  // PGSTAT_IDLE_INTERVAL): read them once every backend of the step has had the time to.
  await sleep(11_000);
  await admin.query('select pg_stat_clear_snapshot()');
  const { rows } = await admin.query(`select relname, ${TABLE_COUNTERS.join(', ')} from pg_stat_user_tables where schemaname = $1`, [
    schema,
  ]);
  const { rows: db } = await admin.query('select xact_commit from pg_stat_database where datname = current_database()');
  return { tables: Object.fromEntries(rows.map((r) => [r.relname, r])), xactCommit: Number(db[0].xact_commit) };
}

function tableDelta(before, after, messages) {
  const totals = Object.fromEntries(TABLE_COUNTERS.map((k) => [k, 0]));
  const byTable = {};
  for (const [name, row] of Object.entries(after.tables)) {
    const delta = Object.fromEntries(TABLE_COUNTERS.map((k) => [k, Number(row[k] ?? 0) - Number(before.tables[name]?.[k] ?? 0)]));
    for (const k of TABLE_COUNTERS) totals[k] += delta[k];
    const touched = delta.n_tup_ins + delta.n_tup_upd + delta.n_tup_del + delta.seq_scan + delta.idx_scan;
    if (touched > 0) byTable[name] = Object.fromEntries(TABLE_COUNTERS.map((k) => [k, +(delta[k] / messages).toFixed(3)]));
  }
  return {
    perMessage: Object.fromEntries(TABLE_COUNTERS.map((k) => [k, +(totals[k] / messages).toFixed(3)])),
    byTable,
    // pg_stat_database counts every commit in the database, other clients' too: an upper bound.
    databaseCommitsPerMessageUpperBound: +((after.xactCommit - before.xactCommit) / messages).toFixed(2),
  };
}

/** Redis's own count of each command it ran and the time it spent in it (INFO commandstats). */
async function redisCommandStats(url) {
  const client = new Redis(url);
  try {
    const text = await client.info('commandstats');
    const stats = {};
    for (const match of text.matchAll(/^cmdstat_([^:]+):calls=(\d+),usec=(\d+)/gm)) {
      stats[match[1]] = { calls: Number(match[2]), usec: Number(match[3]) };
    }
    return stats;
  } finally {
    client.disconnect();
  }
}

/** Commands per message and Redis's time in them per message, between two INFO commandstats readings. */
function redisPerMessage(before, after, messages) {
  const rows = {};
  for (const [command, { calls, usec }] of Object.entries(after)) {
    const delta = calls - (before[command]?.calls ?? 0);
    if (delta <= 0 || command === 'info') continue;
    rows[command] = {
      perMessage: +(delta / messages).toFixed(3),
      usecPerMessage: +((usec - (before[command]?.usec ?? 0)) / messages).toFixed(2),
    };
  }
  return rows;
}

/** Opens an agent's inbox stream (the console's live inbox) and counts the items it streams. */
function openInbox(node) {
  return new Promise((resolve, reject) => {
    const socket = new WebSocket(`${node.url}/v1/realtime/ws?token=${ADMIN_KEY}&inbox=1`, { perMessageDeflate: false });
    const inbox = { socket, items: 0 };
    socket.on('open', () => socket.send(JSON.stringify({ type: 'hello', v: 1, lastSeq: 0 })));
    socket.on('error', reject);
    socket.on('message', (data) => {
      const text = data.toString();
      if (text.startsWith('{"type":"welcome"')) resolve(inbox);
      else if (text.startsWith('{"type":"inbox"')) inbox.items += 1;
    });
  });
}

/** Reads the census files the nodes wrote at exit; statements per message by kind, and the top statements. */
function readCensus(dir, messages) {
  const merged = new Map();
  for (const file of readdirSync(dir)) {
    for (const { n, sql } of JSON.parse(readFileSync(join(dir, file), 'utf8'))) merged.set(sql, (merged.get(sql) ?? 0) + n);
  }
  const byKind = {};
  let total = 0;
  for (const [sql, n] of merged) {
    const kind = kindOf(sql);
    byKind[kind] = (byKind[kind] ?? 0) + n;
    total += n;
  }
  const top = [...merged]
    .sort((a, b) => b[1] - a[1])
    .slice(0, 8)
    .map(([sql, n]) => ({ perMessage: +(n / messages).toFixed(3), kind: kindOf(sql), sql: sql.slice(0, 140) }));
  return {
    statementsPerMessage: +(total / messages).toFixed(2),
    byKind: Object.fromEntries(Object.entries(byKind).map(([k, n]) => [k, +(n / messages).toFixed(3)])),
    top,
  };
}

/**
 * Two nodes with the census preloaded, `CENSUS_RATE` msg/s for `CENSUS_SECONDS`, with `inboxes` agent inbox
 * streams open (half on each node). The census covers the nodes' whole life (pair set-up and connections too,
 * a few statements per pair, listed apart by the table counters, which cover the load window only).
 */
async function censusRound(redis, inboxes) {
  const dir = mkdtempSync(join(tmpdir(), 'nodes19-census-'));
  try {
    return await withGroup(
      2,
      redis,
      async ({ nodes, admin, generator, schema }) => {
        const { widgetId, agentId } = await createWidget(nodes[0].base);
        const maker = pairMaker(nodes, widgetId, agentId);
        const pairs = await maker.pairs(Math.ceil(CENSUS_RATE / PER_PAIR));
        await generator.run({ pairs, rate: 1, warmupMs: 0, measureMs: 50, graceMs: 0 });
        const streams = await Promise.all(Array.from({ length: inboxes }, (_, i) => openInbox(nodes[i % nodes.length])));
        const group = { nodePids: nodes.map((n) => n.child.pid), redisPid: redis.pid, generatorPid: generator.pid };
        await quiet([...group.nodePids, redis.pid]);
        const before = await tableCounters(admin, schema);
        const redisBefore = await redisCommandStats(redis.url);
        const cpuFrom = await cpuSnapshot(admin, group);
        const run = await generator.run({ pairs, rate: CENSUS_RATE, warmupMs: 0, measureMs: CENSUS_SECONDS * 1000, graceMs: GRACE_MS });
        for (const node of nodes) await drained(node.base);
        const cpu = cpuBetween(cpuFrom, await cpuSnapshot(admin, group));
        const redisAfter = await redisCommandStats(redis.url);
        const after = await tableCounters(admin, schema);
        const inboxItems = streams.reduce((sum, s) => sum + s.items, 0);
        for (const stream of streams) stream.socket.terminate();
        const messages = run.sentWithWarmup;
        return {
          inboxStreams: inboxes,
          rate: CENSUS_RATE,
          messages,
          p99Ms: run.p99Ms,
          delivery: run.delivery,
          inboxItemsPerMessage: +(inboxItems / messages).toFixed(2),
          tables: tableDelta(before, after, messages),
          // Each node's bus publishes and the volume limits' Lua script (limits/redis-limiter.ts), by command.
          redisCommands: redisPerMessage(redisBefore, redisAfter, messages),
          cpuUsPerMessage: {
            nodes: perMessage(cpu.nodes, messages),
            postgresBackends: perMessage(cpu.postgres, messages),
            redis: perMessage(cpu.redis, messages),
          },
          postgresBackends: cpu.postgresBackends,
          loadAverage: loadAverage(),
        };
      },
      { tag: `census${inboxes}`, nodeArgs: `--import ${fileURLToPath(new URL('./sql-census.js', import.meta.url))}`, censusDir: dir },
    ).then((round) => ({ ...round, census: readCensus(dir, round.messages) }));
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

// ---- report ------------------------------------------------------------------------------------------

/** Where a setup stopped: the whole machine when it was nearly all busy, else the part that used the most CPU. */
function saturation(row) {
  const at = row.atFirstFailing;
  if (!at) return 'no failing step (the search ended first)';
  const ours = at.coreShare.all;
  if (at.machineBusyShare >= 0.9) {
    return `the machine: ${Math.round(at.machineBusyShare * 100)} % busy at ${row.firstFailingPerSecond} msg/s, these processes using ${ours} of its ${CORES} cores and the rest other work`;
  }
  const [part, share] = Object.entries(at.coreShare)
    .filter(([key]) => key !== 'all')
    .sort((a, b) => b[1] - a[1])[0];
  return `latency at ${row.firstFailingPerSecond} msg/s with the machine ${Math.round(at.machineBusyShare * 100)} % busy; the busiest part: ${part} (${share} of a core)`;
}

function print(report) {
  if (report.fixed) {
    console.table(
      report.fixed.map((f) => ({
        setup: f.label,
        rate: f.rate,
        p99Ms: f.p99Ms,
        delivery: f.delivery,
        'nodes µs/msg': f.cpuUsPerMessage.nodes,
        'pg µs/msg': f.cpuUsPerMessage.postgresBackends,
        'redis µs/msg': f.cpuUsPerMessage.redis,
        'all µs/msg': f.cpuUsPerMessage.all,
        'machine busy': f.machineBusyShare,
      })),
    );
    const [, same, across] = report.fixed;
    console.log(
      `crossing Redis: nodes' CPU ×${(across.cpuUsPerMessage.nodes / same.cpuUsPerMessage.nodes).toFixed(2)} per message ` +
        `(${across.cpuUsPerMessage.nodes} vs ${same.cpuUsPerMessage.nodes} µs, medians of ${FIXED_ROUNDS} interleaved rounds), ` +
        `p99 ${across.p99Ms} vs ${same.p99Ms} ms`,
    );
  }
  if (report.capacity) {
    console.table(
      report.capacity.map((r) => ({
        nodes: r.nodes,
        maxPerSecond: r.maxPerSecond,
        vsOneNode: r.maxVsOneNode,
        limitedBy: r.limitedBy,
        'CPU µs/msg (all)': r.atMax?.cpuUsPerMessage.all,
        'nodes µs': r.atMax?.cpuUsPerMessage.nodes,
        'pg µs': r.atMax?.cpuUsPerMessage.postgresBackends,
        'redis µs': r.atMax?.cpuUsPerMessage.redis,
        'cores used at max': r.atMax?.coreShare.all,
        'cores used at first failing': r.atFirstFailing?.coreShare.all,
        'machine busy at first failing': r.atFirstFailing?.machineBusyShare,
        load: `${r.loadAverage.before} → ${r.loadAverage.after}`,
      })),
    );
    const one = report.capacity.find((r) => r.nodes === 1);
    for (const r of report.capacity.filter((row) => row.nodes > 1)) {
      console.log(
        `throughput with ${r.nodes} nodes ×${r.maxVsOneNode} the 1-node maximum (${r.maxPerSecond} vs ${one?.maxPerSecond ?? '?'} msg/s, same run)`,
      );
    }
    for (const r of report.capacity) console.log(`${r.nodes} node(s): saturates at ${saturation(r)}`);
  }
  if (report.census) {
    console.table(
      report.census.map((c) => ({
        inboxStreams: c.inboxStreams,
        messages: c.messages,
        statementsPerMessage: c.census.statementsPerMessage,
        ...Object.fromEntries(Object.entries(c.census.byKind).map(([k, v]) => [`${k}/msg`, v])),
        'rows ins/msg': c.tables.perMessage.n_tup_ins,
        'rows upd/msg': c.tables.perMessage.n_tup_upd,
        'idx scans/msg': c.tables.perMessage.idx_scan,
        'pg µs/msg': c.cpuUsPerMessage.postgresBackends,
        'nodes µs/msg': c.cpuUsPerMessage.nodes,
      })),
    );
    for (const c of report.census) {
      const commands = Object.entries(c.redisCommands)
        .map(([command, r]) => `${command} ${r.perMessage} (${r.usecPerMessage} µs)`)
        .join(', ');
      console.log(
        `Redis commands per message with ${c.inboxStreams} inbox stream(s): ${commands}; redis-server CPU ${c.cpuUsPerMessage.redis} µs/msg`,
      );
    }
  }
  console.log(`machine: ${CORES} cores, nothing pinned; written to bench/results/multi-node.json`);
}

export async function runMultiNodeBench() {
  const redis = await startRedis();
  const report = { measuredAt: new Date().toISOString(), node: process.version, cores: CORES, loadAverageAtStart: loadAverage() };
  try {
    report.settings = {
      quick: QUICK,
      warmupMs: WARMUP_MS,
      measureMs: MEASURE_MS,
      precision: PRECISION,
      perPairRate: PER_PAIR,
      pairs: 'visitor on node i mod N, its agent on node (i + 1) mod N: every message crosses Redis when N ≥ 2',
      pinned: 'no: nodes, Redis, PostgreSQL and the load generator share the machine’s cores',
    };
    if (FIXED_RATE > 0) report.fixed = await fixedRate(redis);
    else if (PARTS.includes('capacity')) report.capacity = await capacityByNodes(redis);
    if (PARTS.includes('census') && FIXED_RATE === 0) {
      console.log(`SQL census, 2 nodes at ${CENSUS_RATE} msg/s for ${CENSUS_SECONDS} s (load ${loadAverage()}):`);
      report.census = [await censusRound(redis, 0), await censusRound(redis, CENSUS_INBOXES)];
    }
  } finally {
    await redis.cleanup();
  }
  report.loadAverageAtEnd = loadAverage();
  mkdirSync(new URL('./results/', import.meta.url), { recursive: true });
  writeFileSync(new URL('./results/multi-node.json', import.meta.url), `${JSON.stringify(report, null, 2)}\n`);
  print(report);
  return report;
}

if (process.argv[1] === fileURLToPath(import.meta.url)) await runMultiNodeBench();
