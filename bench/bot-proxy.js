// Bot proxy bench: time-to-first-token (TTFT) of a streamed LLM answer, called directly vs through Parley's
// managed path (visitor `send` over the realtime WebSocket → stored → bot turn → OpenAI-compatible upstream →
// first `stream_delta` frame). The fake upstream answers its first token at once, so the difference is what
// Parley adds. Target: ≤ 5 ms added at p50. Writes bench/results/bot-proxy.json and prints a table.
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import WebSocket from 'ws';
import { buildApp, loadConfig } from '@parley/server';

// Volume limits stay on (checking them is part of the measured path) but far above a benchmark's burst.
const LIMITS_ABOVE_THE_BURST = Object.fromEntries(
  ['SESSIONS', 'MESSAGES', 'BOT_TURNS'].flatMap((what) =>
    ['SESSION', 'ADDRESS', 'WIDGET'].map((per) => [`PARLEY_LIMIT_${what}_PER_${per}`, '999999999/1m']),
  ),
);
const ROUNDS = Number(process.env.BENCH_BOT_ROUNDS ?? 300);
const WARMUP = 30;
const PACE_PER_SECOND = 15;
const TARGET_ADDED_P50_MS = 5;
const ADMIN_KEY = 'bench-bot-admin-key-0123456789abcdef';

const chunk = (delta, finish = null) =>
  `data: ${JSON.stringify({ id: 'c', object: 'chat.completion.chunk', created: 0, model: 'bench', choices: [{ index: 0, delta, finish_reason: finish }] })}\n\n`;

/** An OpenAI-compatible SSE upstream: first token at once, the rest a few ms later, like a fast model. */
function startUpstream() {
  const server = createServer((req, res) => {
    req.resume();
    req.on('end', () => {
      res.writeHead(200, { 'content-type': 'text/event-stream', 'cache-control': 'no-cache' });
      res.write(chunk({ role: 'assistant', content: 'Hello' }));
      setTimeout(() => {
        res.write(chunk({ content: ' there!' }));
        res.write(chunk({}, 'stop'));
        res.end('data: [DONE]\n\n');
      }, 5);
    });
  });
  return new Promise((resolve) => server.listen(0, '127.0.0.1', () => resolve(server)));
}

function stats(name, samples) {
  const sorted = [...samples].sort((a, b) => a - b);
  const pct = (p) => sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))];
  return { name, rounds: sorted.length, p50Ms: +pct(50).toFixed(3), p90Ms: +pct(90).toFixed(3), p99Ms: +pct(99).toFixed(3) };
}

/** Direct: POST to the upstream, time until the first content chunk arrives. */
async function directTtft(url) {
  const started = performance.now();
  const response = await fetch(url, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ model: 'bench', stream: true, messages: [{ role: 'user', content: 'hi' }] }),
  });
  const reader = response.body.getReader();
  const decoder = new TextDecoder();
  let text = '';
  let first;
  for (;;) {
    const { value, done } = await reader.read();
    if (done) break;
    text += decoder.decode(value, { stream: true });
    if (first === undefined && text.includes('"content"')) first = performance.now() - started;
  }
  return first;
}

/** Managed: one visitor WebSocket; each round sends a message and times the first stream_delta, then waits for the turn to end. */
async function managedClient(base, token) {
  const ws = new WebSocket(`${base.replace(/^http/, 'ws')}/v1/realtime/ws?token=${token}`);
  const waiters = [];
  ws.on('message', (data) => {
    const frame = JSON.parse(data.toString());
    for (const waiter of [...waiters]) {
      if (!waiter.match(frame)) continue;
      waiters.splice(waiters.indexOf(waiter), 1);
      waiter.resolve(frame);
    }
  });
  const next = (match) =>
    new Promise((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error('no answer from Parley within 10 s')), 10_000);
      waiters.push({
        match,
        resolve: (frame) => {
          clearTimeout(timer);
          resolve(frame);
        },
      });
    });
  ws.on('close', (code) => {
    for (const waiter of waiters.splice(0)) waiter.resolve({ type: 'closed', code });
  });
  await new Promise((resolve, reject) => {
    ws.once('open', resolve);
    ws.once('error', reject);
  });
  const welcome = next((f) => f.type === 'welcome');
  ws.send(JSON.stringify({ type: 'hello', v: 1, lastSeq: 0 }));
  await welcome;
  let n = 0;
  return {
    async ttft() {
      n += 1;
      const delta = next((f) => f.type === 'stream_delta');
      const end = next((f) => f.type === 'stream_end');
      const started = performance.now();
      ws.send(JSON.stringify({ type: 'send', clientId: `bench-${String(n).padStart(8, '0')}`, text: `hi ${n}` }));
      const frame = await delta;
      if (frame.type !== 'stream_delta') throw new Error(`the realtime link closed (${frame.code}) instead of streaming`);
      const first = performance.now() - started;
      await end;
      return first;
    },
    close: () => ws.close(),
  };
}

export async function runBotProxyBench() {
  const upstream = await startUpstream();
  const upstreamUrl = `http://127.0.0.1:${upstream.address().port}/v1`;
  const dataDir = mkdtempSync(join(tmpdir(), 'parley-bot-bench-'));
  const { app } = await buildApp(
    loadConfig({ PARLEY_DATA_DIR: dataDir, PARLEY_ADMIN_KEY: ADMIN_KEY, PARLEY_LOG_LEVEL: 'silent', ...LIMITS_ABOVE_THE_BURST }),
    {
      logger: false,
    },
  );
  const base = await app.listen({ port: 0, host: '127.0.0.1' });
  const admin = async (path, body) => {
    const response = await fetch(`${base}${path}`, {
      method: 'POST',
      headers: { authorization: `Bearer ${ADMIN_KEY}`, 'content-type': 'application/json' },
      body: JSON.stringify(body),
    });
    if (!response.ok) throw new Error(`${path}: ${response.status} ${await response.text()}`);
    return response.json();
  };
  const bot = await admin('/v1/bots', {
    kind: 'openai',
    name: 'Bench LLM',
    config: { baseUrl: upstreamUrl, model: 'bench', allowPrivateNetwork: true },
  });
  const widget = await admin('/v1/widgets', { name: 'Bench', botId: bot.id });
  const session = await (
    await fetch(`${base}/v1/widgets/${widget.id}/sessions`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{}' })
  ).json();
  const client = await managedClient(base, session.token);

  const direct = [];
  const managed = [];
  // Interleaved, so both paths see the same machine noise; paced under the per-connection frame limit (20/s).
  for (let i = 0; i < WARMUP + ROUNDS; i++) {
    const round = performance.now();
    const d = await directTtft(`${upstreamUrl}/chat/completions`);
    const m = await client.ttft();
    await new Promise((resolve) => setTimeout(resolve, Math.max(0, 1000 / PACE_PER_SECOND - (performance.now() - round))));
    if (i >= WARMUP) {
      direct.push(d);
      managed.push(m);
    }
  }
  const results = [
    stats('direct: fetch → upstream SSE, first token', direct),
    stats('managed: ws send → Parley → upstream, first stream_delta', managed),
  ];
  const addedP50 = +(results[1].p50Ms - results[0].p50Ms).toFixed(3);
  const report = {
    measuredAt: new Date().toISOString(),
    node: process.version,
    storage: 'sqlite',
    results,
    addedP50Ms: addedP50,
    addedP99Ms: +(results[1].p99Ms - results[0].p99Ms).toFixed(3),
    target: { addedP50Ms: TARGET_ADDED_P50_MS },
    pass: addedP50 <= TARGET_ADDED_P50_MS,
    note: 'managed includes committing the visitor message, the ack, loading bot + history, the upstream call and the bus fan-out',
  };
  mkdirSync(new URL('./results/', import.meta.url), { recursive: true });
  writeFileSync(new URL('./results/bot-proxy.json', import.meta.url), `${JSON.stringify(report, null, 2)}\n`);
  console.table(results);
  console.log(
    `bot proxy: Parley adds ${addedP50} ms to time-to-first-token at p50 (target ≤ ${TARGET_ADDED_P50_MS} ms) — ${report.pass ? 'PASS' : 'MISS'}`,
  );
  console.log('written to bench/results/bot-proxy.json');
  client.close();
  await app.close();
  upstream.close();
  rmSync(dataDir, { recursive: true, force: true });
  return report;
}

if (import.meta.url === `file://${process.argv[1]}`) await runBotProxyBench();
