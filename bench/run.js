// npm run bench: measures what exists today, each beside a baseline taken in the same run
// (these machines are noisy, so only ratios are comparable between runs). Writes JSON + prints a table.
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { request } from 'node:http';
import { Agent } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { buildApp, firstRun, loadConfig } from '@parley/server';
import { runBotProxyBench } from './bot-proxy.js';
import { runGatewayBench } from './gateway.js';
import { runGatewayCapacityBench } from './gateway-capacity.js';
import { runIdleMemoryBench } from './idle-memory.js';
import { runReconnectCostBench } from './reconnect-cost.js';
import { runReconnectStormBench } from './reconnect-storm.js';
import { runMultiNodeBench } from './multi-node.js';
import { runPublicConfigBench } from './public-config.js';
import { runRedisFanoutBench } from './redis-fanout.js';
import { runReportsBench } from './reports.js';
import { runLongConversationBench } from './long-conversation.js';
import { runSqliteDurabilityBench } from './sqlite-durability.js';
import { runWidgetLoadBench } from './widget-load.js';
import { runWidgetSizeBench } from './widget-size.js';

const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 2000);
const agent = new Agent({ keepAlive: true, maxSockets: 1 });

function call(url, method = 'GET', body) {
  return new Promise((resolve, reject) => {
    const started = process.hrtime.bigint();
    const req = request(url, { method, agent, headers: body ? { 'content-type': 'application/json' } : {} }, (res) => {
      res.resume();
      res.on('end', () => resolve(Number(process.hrtime.bigint() - started) / 1e6));
    });
    req.on('error', reject);
    req.end(body);
  });
}

async function measure(name, fn, rounds) {
  for (let i = 0; i < Math.min(200, rounds); i++) await fn(); // warm-up
  const samples = [];
  const started = process.hrtime.bigint();
  for (let i = 0; i < rounds; i++) samples.push(await fn());
  const seconds = Number(process.hrtime.bigint() - started) / 1e9;
  samples.sort((a, b) => a - b);
  const pct = (p) => samples[Math.min(samples.length - 1, Math.floor((p / 100) * samples.length))];
  return { name, rounds, perSecond: Math.round(rounds / seconds), p50Ms: +pct(50).toFixed(3), p99Ms: +pct(99).toFixed(3) };
}

// Volume limits stay on (checking them is part of the measured path) but far above a benchmark's burst.
const LIMITS_ABOVE_THE_BURST = Object.fromEntries(
  ['SESSIONS', 'MESSAGES', 'BOT_TURNS'].flatMap((what) =>
    ['SESSION', 'ADDRESS', 'WIDGET'].map((per) => [`PARLEY_LIMIT_${what}_PER_${per}`, '999999999/1m']),
  ),
);
const dataDir = mkdtempSync(join(tmpdir(), 'parley-bench-'));
const { app, services } = await buildApp(loadConfig({ PARLEY_DATA_DIR: dataDir, PARLEY_LOG_LEVEL: 'silent', ...LIMITS_ABOVE_THE_BURST }), {
  logger: false,
});
const { demoWidgetId } = await firstRun(services);
const base = await app.listen({ port: 0, host: '127.0.0.1' });

// The public config is measured under load beside a bare node:http server by bench/public-config.js (below).
const results = [];
const sessionBody = JSON.stringify({ messages: [{ type: 'user', text: 'pricing?' }] });
results.push(
  await measure(
    'POST /v1/widgets/:id/sessions (durable, bot answers)',
    () => call(`${base}/v1/widgets/${demoWidgetId}/sessions`, 'POST', sessionBody),
    Math.ceil(ROUNDS / 4),
  ),
);
const [sessions] = results;

const report = {
  measuredAt: new Date().toISOString(),
  node: process.version,
  storage: 'sqlite',
  results,
  note: `session creation p50 ${sessions.p50Ms} ms includes 3 committed messages and a bot turn`,
};
mkdirSync(new URL('./results/', import.meta.url), { recursive: true });
writeFileSync(new URL('./results/server.json', import.meta.url), `${JSON.stringify(report, null, 2)}\n`);
console.table(results);
console.log('written to bench/results/server.json');

agent.destroy();
await app.close();
rmSync(dataDir, { recursive: true, force: true });

// The gateway bench runs its servers in child processes, after the in-process server bench has closed.
await runGatewayBench();
// Each side's maximum sustained rate (ramp, then bisect until p99 ≥ 100 ms or delivery < 99 %): bare relay, SQLite, PostgreSQL.
await runGatewayCapacityBench();
// N node processes (1-4) on one PostgreSQL and one Redis, pairs split across nodes: throughput against N, CPU of every
// process per message, and the SQL census per message; then Redis's own fan-out cost with N subscribed nodes.
await runMultiNodeBench();
await runRedisFanoutBench();
// Server memory per idle visitor (session + open WebSocket) beside a bare ws relay's per idle socket (target ≤ 1.2×).
await runIdleMemoryBench();
// 10,000 connected visitors, their node restarted (SIGTERM, then SIGKILL): time until all are back and caught up, and the CPU.
await runReconnectStormBench();
// What one reconnect costs the node in CPU (each visitor once, after a restart), beside a bare ws server's.
await runReconnectCostBench();
// GET /v1/widgets/:id/config (every page view) under load beside a bare node:http server answering its bytes.
await runPublicConfigBench();
// What fsyncing every SQLite commit (PARLEY_SQLITE_SYNCHRONOUS=full, the default) costs beside normal.
await runSqliteDurabilityBench();
// Time-to-first-token through the managed bot path vs the upstream directly.
await runBotProxyBench();
// Every report over a year of one million messages (100,000 conversations), on SQLite and PostgreSQL.
await runReportsBench();

// The widget's shipped size (loader, core, extras) and load time beside @n8n/chat and Bot Framework Web Chat.
runWidgetSizeBench();
await runWidgetLoadBench();
// A 1,000-message conversation opened in the widget and the console, beside a 50-message one.
await runLongConversationBench();
