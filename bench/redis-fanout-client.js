// A child process of bench/redis-fanout.js: either the publishers (Parley nodes publishing events) or the
// subscribers (the nodes' subscriber connections). Apart, so that neither process's event loop sets the
// other's pace and each one's CPU can be read. Driven over IPC:
//   { cmd: 'subscribe', url, channels: [[...], ...] } → one connection per list, each subscribed to its channels
//   { cmd: 'count', run } → from now on, deliveries of run `run` are counted (latency from the stamp in the text)
//   { cmd: 'collect' } → { delivered, latencies p50/p99, cpu } for the run being counted
//   { cmd: 'publish', url, channels, payloadOf, rate, warmupMs, measureMs, run } → publishes, returns counts
//   { cmd: 'close' } → connections closed, then the process exits
import { performance } from 'node:perf_hooks';
import { setTimeout as sleep } from 'node:timers/promises';
import { Redis } from 'ioredis';
import { encodeEvent } from '@parley/server';

/** Wall-clock milliseconds comparable between processes (both read the same system clock). */
const now = () => performance.timeOrigin + performance.now();

let subscribers = [];
let counting = { run: '', delivered: 0, latencies: [] };
let publishers = [];

const STAMP = 'b ';

/** Finds `b <run> <flag> <ms>` in a payload without parsing it (the subscriber must outpace Redis). */
function onDelivery(_channel, message) {
  const at = message.indexOf(STAMP, message.indexOf('"text":') + 1);
  if (at < 0) return;
  const [run, flag, sentAt] = message.slice(at + STAMP.length, message.indexOf('"', at)).split(' ');
  if (run !== counting.run || flag !== 'm') return;
  counting.delivered += 1;
  counting.latencies.push(now() - Number(sentAt));
}

async function subscribe({ url, channels }) {
  await Promise.all(subscribers.map((redis) => redis.quit()));
  subscribers = [];
  for (const list of channels) {
    const redis = new Redis(url, { enableOfflineQueue: true });
    redis.on('message', onDelivery);
    // Parley's RedisBus resubscribes in slices of 500 channels; the same here.
    for (let i = 0; i < list.length; i += 500) await redis.subscribe(...list.slice(i, i + 500));
    subscribers.push(redis);
  }
}

const percentile = (sorted, p) => (sorted.length ? sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))] : NaN);

function collect() {
  const latencies = counting.latencies.sort((a, b) => a - b);
  const result = {
    delivered: counting.delivered,
    p50Ms: +percentile(latencies, 50).toFixed(2),
    p99Ms: +percentile(latencies, 99).toFixed(2),
  };
  counting = { run: '', delivered: 0, latencies: [] };
  return result;
}

/** The payload a Parley node publishes for a visitor's message (engine's encodeEvent, node id in front), stamped. */
function conversationPayload(nodeId, conversationId, seq, stamp) {
  const message = {
    id: `01JF${String(seq).padStart(22, '0')}`,
    conversationId,
    seq,
    author: { role: 'visitor', id: '01JFVISITOR00000000000000000' },
    type: 'text',
    text: `${stamp} Hello, is the blue one still in stock in size 42?`,
    payload: null,
    clientId: `c${String(seq).padStart(20, '0')}`,
    createdAt: new Date().toISOString(),
  };
  return `${nodeId}|${encodeEvent({ type: 'message', message }, `visitor:${message.author.id}`)}`;
}

/** The inbox feed's event for the same message (engine/inbox-feed.ts), stamped in a `text` field so it can be counted. */
function inboxPayload(nodeId, conversationId, _seq, stamp) {
  return `${nodeId}|${JSON.stringify({ conversationId, reason: 'message', text: stamp })}`;
}

const PAYLOADS = { conversation: conversationPayload, inbox: inboxPayload };

/**
 * Publishes `rate` events/s round-robin over `channels`, every 5 ms the ones due, over `connections`
 * connections (one per simulated node), configured as RedisBus's publisher is: no auto-pipelining, so
 * Redis reads each PUBLISH as the node would send it.
 */
async function publish({ url, connections, channels, payload, rate, warmupMs, measureMs, run }) {
  while (publishers.length < connections) publishers.push(new Redis(url));
  const using = publishers.slice(0, connections);
  await Promise.all(using.map((redis) => redis.ping()));
  const payloadOf = PAYLOADS[payload];
  const nodeId = `bench-${process.pid}`;
  const started = now();
  let due = 0;
  let measured = 0;
  let total = 0;
  let failed = 0;
  let next = 0;
  const tick = () => {
    const at = now();
    const flag = at - started >= warmupMs ? 'm' : 'w';
    const target = Math.floor(((at - started) / 1000) * rate);
    for (; due < target; due++) {
      const channel = channels[next % channels.length];
      const redis = using[next % using.length];
      next += 1;
      total += 1;
      if (flag === 'm') measured += 1;
      redis.publish(channel, payloadOf(nodeId, channel, total, `${STAMP}${run} ${flag} ${now()}`)).catch(() => (failed += 1));
    }
  };
  const timer = setInterval(tick, 5);
  await sleep(warmupMs);
  const measuredFrom = now();
  const cpuFrom = process.cpuUsage();
  await sleep(measureMs);
  const { user, system } = process.cpuUsage(cpuFrom);
  clearInterval(timer);
  const measuredMs = now() - measuredFrom;
  return {
    measuredMs,
    sent: measured,
    sentWithWarmup: total,
    sentPerSecond: Math.round((measured / measuredMs) * 1000),
    failed,
    generatorCpu: +((user + system) / 1000 / measuredMs).toFixed(2),
  };
}

process.on('message', async (message) => {
  try {
    let result;
    if (message.cmd === 'subscribe') result = await subscribe(message);
    else if (message.cmd === 'count') {
      counting = { run: message.run, delivered: 0, latencies: [] };
      result = { cpuMs: cpuNowMs() };
    } else if (message.cmd === 'collect') result = { ...collect(), cpuMs: cpuNowMs() };
    else if (message.cmd === 'publish') result = await publish(message);
    else if (message.cmd === 'close') {
      await Promise.all([...subscribers, ...publishers].map((redis) => redis.quit().catch(() => redis.disconnect())));
      process.send({ ok: true }, () => process.exit(0));
      return;
    }
    process.send({ ok: true, result });
  } catch (error) {
    process.send({ ok: false, error: String(error?.stack ?? error) });
  }
});

function cpuNowMs() {
  const { user, system } = process.cpuUsage();
  return (user + system) / 1000;
}

process.send({ ok: true, ready: true });
