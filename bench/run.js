// npm run bench: measures what exists today, each beside a baseline taken in the same run
// (these machines are noisy, so only ratios are comparable between runs). Writes JSON + prints a table.
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, request } from 'node:http';
import { Agent } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { buildApp, firstRun, loadConfig } from '@parley/server';
import { runBotProxyBench } from './bot-proxy.js';
import { runGatewayBench } from './gateway.js';
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

const dataDir = mkdtempSync(join(tmpdir(), 'parley-bench-'));
const { app, services } = await buildApp(loadConfig({ PARLEY_DATA_DIR: dataDir, PARLEY_LOG_LEVEL: 'silent' }), { logger: false });
const { demoWidgetId } = await firstRun(services);
const base = await app.listen({ port: 0, host: '127.0.0.1' });
const configUrl = `${base}/v1/widgets/${demoWidgetId}/config?lang=fr`;

// Baseline: a bare node:http server answering the very same bytes.
const configBody = await (await fetch(configUrl)).text();
const bare = createServer((_req, res) => res.writeHead(200, { 'content-type': 'application/json' }).end(configBody));
await new Promise((resolve) => bare.listen(0, '127.0.0.1', resolve));
const bareUrl = `http://127.0.0.1:${bare.address().port}/`;

const results = [];
results.push(await measure('baseline: bare node:http, same config bytes', () => call(bareUrl), ROUNDS));
results.push(await measure('GET /v1/widgets/:id/config (from storage, merged)', () => call(configUrl), ROUNDS));
const sessionBody = JSON.stringify({ messages: [{ type: 'user', text: 'pricing?' }] });
results.push(
  await measure(
    'POST /v1/widgets/:id/sessions (durable, bot answers)',
    () => call(`${base}/v1/widgets/${demoWidgetId}/sessions`, 'POST', sessionBody),
    Math.ceil(ROUNDS / 4),
  ),
);
const [baseline, config, sessions] = results;

const report = {
  measuredAt: new Date().toISOString(),
  node: process.version,
  storage: 'sqlite',
  results,
  ratios: {
    configP50VsBare: +(config.p50Ms / baseline.p50Ms).toFixed(2),
    configThroughputVsBare: +(config.perSecond / baseline.perSecond).toFixed(2),
  },
  note: `session creation p50 ${sessions.p50Ms} ms includes 3 committed messages and a bot turn`,
};
mkdirSync(new URL('./results/', import.meta.url), { recursive: true });
writeFileSync(new URL('./results/server.json', import.meta.url), `${JSON.stringify(report, null, 2)}\n`);
console.table(results);
console.log(`config vs bare node:http — p50 ×${report.ratios.configP50VsBare}, throughput ×${report.ratios.configThroughputVsBare}`);
console.log('written to bench/results/server.json');

agent.destroy();
bare.close();
await app.close();
rmSync(dataDir, { recursive: true, force: true });

// The gateway bench runs its servers in child processes, after the in-process server bench has closed.
await runGatewayBench();
// What fsyncing every SQLite commit (PARLEY_SQLITE_SYNCHRONOUS=full, the default) costs beside normal.
await runSqliteDurabilityBench();
// Time-to-first-token through the managed bot path vs the upstream directly.
await runBotProxyBench();

// The widget's shipped size (loader, core, extras) and load time beside @n8n/chat and Bot Framework Web Chat.
runWidgetSizeBench();
await runWidgetLoadBench();
