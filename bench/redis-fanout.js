// Redis fan-out bench (issue 19, part 4): how many events/s one Redis carries between Parley nodes, and
// what each costs Redis's CPU, with N nodes subscribed. A redis-server of its own (free port, no
// persistence), a publisher process and a subscriber process (bench/redis-fanout-client.js) holding N
// subscriber connections, one per simulated node. Two kinds of traffic, the two publishes a visitor's
// message makes (engine/conversation-engine.ts, engine/inbox-feed.ts):
//   conversation: a `message` event (the engine's own encodeEvent, ~480 bytes) on one of 1,000 conversation
//                 channels; each channel is subscribed by two of the N nodes (the visitor's and the agent's),
//                 by one when N = 1. Deliveries per publish stay at 2 however many nodes there are.
//   inbox:        the inbox feed's `{ conversationId, reason }` on the one `parley:inbox` channel, which every
//                 node holding an agent's inbox stream subscribes: N deliveries per publish.
// For each kind and N, the publish rate is ramped and bisected as the capacity bench does (a step holds when
// ≥ 99 % of the expected deliveries arrive and their p99 is under 100 ms). Redis's CPU per published and per
// delivered event comes from /proc. The baseline is N = 1 in the same run. On a 2-core machine the publisher
// process (ioredis, as a node publishes) runs out of CPU long before Redis does: those maxima are lower bounds
// for Redis, and its CPU per event is the figure to size it by.
//
//   node bench/redis-fanout.js                  N = 1, 2, 4, 8, 16, both kinds (about five minutes)
//   BENCH_QUICK=1 node bench/redis-fanout.js    N = 1, 4, 16, short steps (about two minutes)
//   BENCH_FANOUT_NODES=1,8 BENCH_FANOUT_KINDS=inbox   a subset
import { fork, spawn } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { setTimeout as sleep } from 'node:timers/promises';
import { fileURLToPath } from 'node:url';
import { freePort } from '@parley/testkit';
import { Redis } from 'ioredis';
import { cpuMs, findCapacity, LIMITS } from './gateway-capacity.js';

const QUICK = process.env.BENCH_QUICK === '1';
const NODES = (process.env.BENCH_FANOUT_NODES ?? (QUICK ? '1,4,16' : '1,2,4,8,16')).split(',').map(Number);
const KINDS = (process.env.BENCH_FANOUT_KINDS ?? 'conversation,inbox').split(',');
const CHANNELS = 1000;
const WARMUP_MS = QUICK ? 500 : 1000;
const MEASURE_MS = QUICK ? 1500 : 3000;
const GRACE_MS = 1000;
const START_RATE = Number(process.env.BENCH_FANOUT_START ?? 5000);

// ---- redis-server of our own ---------------------------------------------------------------------

/**
 * A redis-server on a free port, nothing persisted, its data dir under /tmp/nodes19-redis-*. Its own rather
 * than the machine's 6379, whose other clients would share its one thread and blur the CPU figures.
 */
export async function startRedis() {
  const port = await freePort();
  const dir = mkdtempSync(join(tmpdir(), 'nodes19-redis-'));
  const child = spawn(
    'redis-server',
    ['--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no', '--dir', dir, '--logfile', ''],
    { stdio: ['ignore', 'ignore', 'inherit'] },
  );
  const failed = new Promise((_, reject) => {
    child.once('error', (error) => reject(new Error(`could not start redis-server (is it installed?): ${error.message}`)));
    child.once('exit', (code) => reject(new Error(`redis-server exited with ${code}`)));
  });
  const url = `redis://127.0.0.1:${port}`;
  const ready = (async () => {
    for (let i = 0; i < 100; i++) {
      const probe = new Redis(url, { lazyConnect: true, retryStrategy: () => null, maxRetriesPerRequest: 0 });
      probe.on('error', () => undefined);
      try {
        await probe.connect();
        await probe.ping();
        return;
      } catch {
        await sleep(100);
      } finally {
        probe.disconnect();
      }
    }
    throw new Error('redis-server did not answer PING within 10 s');
  })();
  await Promise.race([ready, failed]);
  child.removeAllListeners('exit');
  const cleanup = async () => {
    if (child.exitCode === null) {
      const exited = new Promise((resolve) => child.once('exit', resolve));
      child.kill('SIGTERM');
      await exited;
    }
    rmSync(dir, { recursive: true, force: true });
  };
  return { url, pid: child.pid, cleanup };
}

// ---- client processes ----------------------------------------------------------------------------

async function startClient() {
  const child = fork(fileURLToPath(new URL('./redis-fanout-client.js', import.meta.url)), [], {
    execArgv: [],
    stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
  });
  const replies = [];
  child.on('message', (message) => replies.shift()?.(message));
  const ask = (message) =>
    new Promise((resolve, reject) => {
      const onExit = (code) => reject(new Error(`redis fan-out client exited with ${code}`));
      child.once('exit', onExit);
      replies.push((reply) => {
        child.off('exit', onExit);
        if (reply.ok) resolve(reply.result);
        else reject(new Error(reply.error));
      });
      if (message !== undefined) child.send(message);
    });
  await ask();
  return {
    pid: child.pid,
    ask,
    close: async () => {
      if (child.exitCode !== null) return;
      const exited = new Promise((resolve) => child.once('exit', resolve));
      await ask({ cmd: 'close' }).catch(() => child.kill());
      await exited;
    },
  };
}

// ---- one configuration: a kind of traffic and N subscribed nodes -------------------------------------

const conversationChannels = Array.from({ length: CHANNELS }, (_, i) => `parley:conv:bench-${String(i).padStart(6, '0')}`);

/** Which channels each of the N subscriber connections subscribes, and how many deliveries one publish makes. */
function layout(kind, nodes) {
  if (kind === 'inbox')
    return { channels: Array.from({ length: nodes }, () => ['parley:inbox']), published: ['parley:inbox'], perPublish: nodes };
  // Conversation c: its visitor on node c mod N, its agent on the next node.
  const channels = Array.from({ length: nodes }, () => []);
  conversationChannels.forEach((channel, c) => {
    channels[c % nodes].push(channel);
    if (nodes > 1) channels[(c + 1) % nodes].push(channel);
  });
  return { channels, published: conversationChannels, perPublish: nodes > 1 ? 2 : 1 };
}

let runCounter = 0;

async function measureStep(config, rate) {
  const { redis, publisher, subscriber, kind, plan } = config;
  runCounter += 1;
  const run = `${process.pid}_${runCounter}`;
  const startedAt = performance.now();
  const cpu = { redis: cpuMs(redis.pid), publisher: cpuMs(publisher.pid), subscriber: cpuMs(subscriber.pid) };
  await subscriber.ask({ cmd: 'count', run });
  const published = await publisher.ask({
    cmd: 'publish',
    url: redis.url,
    connections: plan.channels.length,
    channels: plan.published,
    payload: kind,
    rate,
    warmupMs: WARMUP_MS,
    measureMs: MEASURE_MS,
    run,
  });
  await sleep(GRACE_MS);
  const got = await subscriber.ask({ cmd: 'collect' });
  const used = (pid, from) => cpuMs(pid) - from;
  // The step's real length: a publisher that fell behind makes it longer than warm-up + measure + grace.
  const wallMs = performance.now() - startedAt;
  const expected = published.sent * plan.perPublish;
  const step = {
    offeredPerSecond: rate,
    sentPerSecond: published.sentPerSecond,
    deliveredPerSecond: Math.round((got.delivered / published.measuredMs) * 1000),
    delivery: expected ? +(got.delivered / expected).toFixed(4) : 0,
    p50Ms: got.p50Ms,
    p99Ms: got.p99Ms,
    generatorCpu: published.generatorCpu,
    // Warm-up and grace included, divided by everything published in them.
    redisCpuUsPerPublish: +((used(redis.pid, cpu.redis) * 1000) / published.sentWithWarmup).toFixed(2),
    redisCpuUsPerDelivery: +((used(redis.pid, cpu.redis) * 1000) / (published.sentWithWarmup * plan.perPublish)).toFixed(2),
    redisCoreShare: +(used(redis.pid, cpu.redis) / wallMs).toFixed(2),
    subscriberCoreShare: +(used(subscriber.pid, cpu.subscriber) / wallMs).toFixed(2),
    failedPublishes: published.failed,
  };
  // A publisher that could not send the offered rate measured itself, however well Redis delivered what it
  // did send: such a step never counts as holding at the offered rate.
  const behind = step.sentPerSecond < rate * 0.95;
  const holds = !behind && step.p99Ms < LIMITS.p99Ms && step.delivery >= LIMITS.delivery;
  step.verdict = holds ? 'holds' : behind || step.generatorCpu >= 0.9 ? 'generator-bound' : 'fails';
  console.log(
    `  ${kind}, ${plan.channels.length} node(s) @ ${rate}/s: delivered ${step.deliveredPerSecond}/s (${(step.delivery * 100).toFixed(2)} %), ` +
      `p99 ${step.p99Ms} ms, Redis ${step.redisCpuUsPerPublish} µs/publish ${step.redisCpuUsPerDelivery} µs/delivery ` +
      `(${Math.round(step.redisCoreShare * 100)} % of a core), publisher ${Math.round(step.generatorCpu * 100)} %, ` +
      `subscribers ${Math.round(step.subscriberCoreShare * 100)} % → ${step.verdict}`,
  );
  // Let Redis and the subscriber work off any backlog before the next step.
  await sleep(500);
  return step;
}

const loadAverage = () => readFileSync('/proc/loadavg', 'utf8').split(' ').slice(0, 3).join(' ');

export async function runRedisFanoutBench() {
  const redis = await startRedis();
  const publisher = await startClient();
  const subscriber = await startClient();
  const rows = [];
  const loadAtStart = loadAverage();
  try {
    for (const kind of KINDS) {
      for (const nodes of NODES) {
        const plan = layout(kind, nodes);
        await subscriber.ask({ cmd: 'subscribe', url: redis.url, channels: plan.channels });
        console.log(`Redis fan-out, ${kind} events, ${nodes} subscribed node(s) (load ${loadAverage()}):`);
        const config = { redis, publisher, subscriber, kind, plan };
        const found = await findCapacity(config, undefined, {
          measure: (c, _g, rate) => measureStep(c, rate),
          start: START_RATE,
          precision: QUICK ? 0.25 : 0.1,
        });
        // CPU per event from the highest step that held (Redis near its busiest while still keeping up).
        const best = found.steps.filter((s) => s.verdict === 'holds').sort((a, b) => b.offeredPerSecond - a.offeredPerSecond)[0];
        rows.push({
          kind,
          nodes,
          deliveriesPerPublish: plan.perPublish,
          maxPublishPerSecond: found.maxPerSecond,
          maxDeliveredPerSecond: found.maxPerSecond * plan.perPublish,
          limitedBy: found.limitedBy ?? null,
          redisCpuUsPerPublish: best?.redisCpuUsPerPublish ?? null,
          redisCpuUsPerDelivery: best?.redisCpuUsPerDelivery ?? null,
          redisCoreShareAtMax: best?.redisCoreShare ?? null,
          subscriberCoreShareAtMax: best?.subscriberCoreShare ?? null,
          publisherCoreShareAtMax: best?.generatorCpu ?? null,
          steps: found.steps,
        });
      }
    }
  } finally {
    await publisher.close();
    await subscriber.close();
    await redis.cleanup();
  }
  // Baseline: the same kind with one subscribed node, measured in this run.
  for (const row of rows) {
    const base = rows.find((r) => r.kind === row.kind && r.nodes === 1);
    row.maxPublishVsOneNode = base?.maxPublishPerSecond ? +(row.maxPublishPerSecond / base.maxPublishPerSecond).toFixed(2) : null;
  }
  const report = {
    measuredAt: new Date().toISOString(),
    node: process.version,
    loadAverage: { start: loadAtStart, end: loadAverage() },
    settings: {
      quick: QUICK,
      channels: CHANNELS,
      publisherConnections: 'one per subscribed node (RedisBus: one publisher and one subscriber connection per node)',
      warmupMs: WARMUP_MS,
      measureMs: MEASURE_MS,
      stepHoldsWhen: `p99 < ${LIMITS.p99Ms} ms and delivery ≥ ${LIMITS.delivery * 100} %`,
      pinned: 'no (redis-server, publisher and subscriber processes float over the machine’s cores)',
    },
    rows: rows.map(({ steps: _steps, ...row }) => row),
    steps: rows.map(({ kind, nodes, steps }) => ({ kind, nodes, steps })),
  };
  mkdirSync(new URL('./results/', import.meta.url), { recursive: true });
  writeFileSync(new URL('./results/redis-fanout.json', import.meta.url), `${JSON.stringify(report, null, 2)}\n`);
  console.table(report.rows);
  console.log(
    `load average ${report.loadAverage.start} → ${report.loadAverage.end}; a row limited by 'generator-bound' measured the publisher ` +
      "process, not Redis (its maximum is a lower bound); limitedBy null: every step held up to the search's ceiling " +
      '(the capacity search doubles up to 200,000/s); written to bench/results/redis-fanout.json',
  );
  return report;
}

if (process.argv[1] === fileURLToPath(import.meta.url)) await runRedisFanoutBench();
