// Time from navigation to a visible chat bubble, and to the first message shown after opening it, for
// Parley's widget and @n8n/chat on the same kind of page, in the same Chromium, in the same run (only
// the ratio is comparable between machines). Medians of several runs; prints a table, writes JSON.
import { spawn } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:http';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { launchBrowser } from '@parley/testkit';

const RUNS = Number(process.env.BENCH_WIDGET_RUNS ?? 5);
const SERVER_MAIN = fileURLToPath(new URL('../packages/server/dist/main.js', import.meta.url));

const listen = (server) => new Promise((done) => server.listen(0, '127.0.0.1', () => done(server.address().port)));

function startParley() {
  const dataDir = mkdtempSync(join(tmpdir(), 'parley-bench-widget-'));
  return new Promise((done, fail) => {
    const probe = createServer().listen(0, '127.0.0.1', () => {
      const port = probe.address().port;
      probe.close(() => {
        const child = spawn(process.execPath, [SERVER_MAIN], {
          env: { ...process.env, PARLEY_DATA_DIR: dataDir, PARLEY_PORT: String(port), PARLEY_LOG_LEVEL: 'warn' },
          stdio: ['ignore', 'pipe', 'pipe'],
        });
        let output = '';
        const onData = (chunk) => {
          output += chunk;
          const widgetId = /Demo widget: (wgt_\w+)/.exec(output)?.[1];
          if (output.includes('API reference:') && widgetId !== undefined) {
            done({
              url: `http://localhost:${port}`,
              widgetId,
              stop: () => (child.kill('SIGTERM'), rmSync(dataDir, { recursive: true, force: true })),
            });
          }
        };
        child.stdout.on('data', onData);
        child.stderr.on('data', onData);
        child.on('exit', (code) => fail(new Error(`server exited with ${code}: ${output}`)));
      });
    });
  });
}

const median = (values) => {
  const sorted = [...values].sort((a, b) => a - b);
  return +sorted[Math.floor(sorted.length / 2)].toFixed(1);
};

export async function runWidgetLoadBench() {
  const parley = await startParley();
  const n8nDir = createRequire(fileURLToPath(new URL('../e2e/package.json', import.meta.url)))
    .resolve('@n8n/chat/package.json')
    .replace(/package\.json$/, 'dist/');
  const pages = {
    '/parley.html': `<!doctype html><meta charset="utf-8"><title>bench</title><h1>Shop</h1><script async src="${parley.url}/widget.js" data-parley-widget="${parley.widgetId}"></script>`,
    '/n8n.html': `<!doctype html><meta charset="utf-8"><title>bench</title><link rel="stylesheet" href="/n8n/style.css"><h1>Shop</h1><script type="module">import { createChat } from '/n8n/chat.bundle.es.js'; createChat({ webhookUrl: '/webhook', initialMessages: ['Hello! How can I help you today?'], loadPreviousSession: false });</script>`,
  };
  const host = createServer((request, response) => {
    const path = request.url ?? '/';
    if (pages[path] !== undefined) return response.writeHead(200, { 'content-type': 'text/html' }).end(pages[path]);
    if (path.startsWith('/n8n/')) {
      const type = path.endsWith('.css') ? 'text/css' : 'text/javascript';
      return response.writeHead(200, { 'content-type': type }).end(readFileSync(join(n8nDir, path.slice(5))));
    }
    response.writeHead(200, { 'content-type': 'application/json' }).end('{"data":[]}');
  });
  const base = `http://127.0.0.1:${await listen(host)}`;
  const browser = await launchBrowser();
  const subjects = [
    { name: 'Parley widget', page: '/parley.html', bubble: '.launcher', message: '.bub' },
    { name: '@n8n/chat (peer)', page: '/n8n.html', bubble: '.chat-window-toggle', message: '.chat-message-from-bot' },
  ];
  const rows = [];
  for (const subject of subjects) {
    const bubble = [];
    const message = [];
    for (let run = 0; run < RUNS; run++) {
      const context = await browser.newContext();
      const page = await context.newPage();
      await page.goto(`${base}${subject.page}`, { waitUntil: 'commit' });
      await page.locator(subject.bubble).first().waitFor();
      bubble.push(await page.evaluate(() => performance.now()));
      await page.locator(subject.bubble).first().click();
      await page.locator(subject.message).first().waitFor();
      message.push(await page.evaluate(() => performance.now()));
      await context.close();
    }
    rows.push({ name: subject.name, runs: RUNS, bubbleVisibleMs: median(bubble), firstMessageMs: median(message) });
  }
  await browser.close();
  host.close();
  parley.stop();
  const [ours, peer] = rows;
  const report = {
    measuredAt: new Date().toISOString(),
    note: 'milliseconds from navigation start, medians; Parley loads its app when the browser is idle after load, on purpose',
    rows,
    ratios: {
      bubbleVsN8n: +(ours.bubbleVisibleMs / peer.bubbleVisibleMs).toFixed(2),
      firstMessageVsN8n: +(ours.firstMessageMs / peer.firstMessageMs).toFixed(2),
    },
  };
  mkdirSync(new URL('./results/', import.meta.url), { recursive: true });
  writeFileSync(new URL('./results/widget-load.json', import.meta.url), `${JSON.stringify(report, null, 2)}\n`);
  console.table(rows);
  console.log(
    `bubble visible ×${report.ratios.bubbleVsN8n}, first message ×${report.ratios.firstMessageVsN8n} of @n8n/chat; written to bench/results/widget-load.json`,
  );
  return report;
}

if (process.argv[1] === fileURLToPath(import.meta.url)) await runWidgetLoadBench();
