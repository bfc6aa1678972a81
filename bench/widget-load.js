// Time from navigation to a visible chat bubble, and to the first message shown after opening it, for
// Parley's widget and its peers (@n8n/chat; Microsoft Bot Framework Web Chat, full and minimal bundles)
// on the same kind of page, in the same Chromium, in the same run (only the ratios are comparable between
// machines). Medians of several runs; prints a table, writes JSON.
//
// Web Chat has no bubble: it is a panel the page renders inline, open from the start. Its "bubble
// visible" is its send box (`[data-id="webchat-sendbox-input"]`, Web Chat's own test hook): like a
// launcher it is the first thing a visitor can act on to start chatting, and it is drawn in the same
// render as the (still empty) transcript, so it is neither earlier nor later than "the chat is there".
// Nothing needs opening, so its first message is timed without a click. Its bot talks through a fake
// Direct Line in the page (bench/fake-direct-line.js) that greets at once, as the others' first
// messages cost no round trip either.
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:http';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { launchBrowser, startFreshServer } from '@parley/testkit';
import { fakeDirectLine } from './fake-direct-line.js';
import { N8N_FILES, N8N_PACKAGE, n8nChatPeer } from './n8n-peer.js';
import { WEBCHAT_BUNDLES, WEBCHAT_PACKAGE, webChatPeer } from './webchat-peer.js';

const RUNS = Number(process.env.BENCH_WIDGET_RUNS ?? 5);
const GREETING = 'Hello! How can I help you today?';

const listen = (server) => new Promise((done) => server.listen(0, '127.0.0.1', () => done(server.address().port)));

const median = (values) => {
  const sorted = [...values].sort((a, b) => a - b);
  return +sorted[Math.floor(sorted.length / 2)].toFixed(1);
};

/** The page that shows one Web Chat bundle as its docs embed it: a sized element, the script, one call. */
const webChatPage = (bundle) =>
  `<!doctype html><meta charset="utf-8"><title>bench</title><h1>Shop</h1>` +
  `<div id="webchat" style="position:fixed;right:20px;bottom:20px;width:380px;height:560px"></div>` +
  `<script src="/webchat/${bundle}"></script>` +
  `<script>window.WebChat.renderWebChat({ directLine: (${fakeDirectLine})(${JSON.stringify(GREETING)}) }, document.getElementById('webchat'));</script>`;

/** Times one subject RUNS times, each in a fresh browser context (nothing cached, nothing stored). */
async function measure(browser, base, subject) {
  const bubble = [];
  const message = [];
  for (let run = 0; run < RUNS; run++) {
    const context = await browser.newContext();
    try {
      const page = await context.newPage();
      await page.goto(`${base}${subject.page}`, { waitUntil: 'commit' });
      await page.locator(subject.bubble).first().waitFor();
      bubble.push(await page.evaluate(() => performance.now()));
      if (subject.open) await page.locator(subject.bubble).first().click();
      await page.locator(subject.message).first().waitFor();
      message.push(await page.evaluate(() => performance.now()));
    } finally {
      await context.close();
    }
  }
  return { bubbleVisibleMs: median(bubble), firstMessageMs: median(message) };
}

export async function runWidgetLoadBench() {
  // The built server on a fresh data directory, with the demo widget of its first start.
  const parley = await startFreshServer();
  const n8n = n8nChatPeer();
  const webChat = webChatPeer();
  const pages = {
    '/parley.html': `<!doctype html><meta charset="utf-8"><title>bench</title><h1>Shop</h1><script async src="${parley.url}/widget.js" data-parley-widget="${parley.demoWidgetId}"></script>`,
    '/n8n.html': `<!doctype html><meta charset="utf-8"><title>bench</title><link rel="stylesheet" href="/n8n/${N8N_FILES.style}"><h1>Shop</h1><script type="module">import { createChat } from '/n8n/${N8N_FILES.bundle}'; createChat({ webhookUrl: '/webhook', initialMessages: [${JSON.stringify(GREETING)}], loadPreviousSession: false });</script>`,
    '/webchat.html': webChatPage(WEBCHAT_BUNDLES.full),
    '/webchat-minimal.html': webChatPage(WEBCHAT_BUNDLES.minimal),
  };
  const assets = { '/n8n/': n8n.dist, '/webchat/': webChat.dist };
  const host = createServer((request, response) => {
    const path = request.url ?? '/';
    if (pages[path] !== undefined) return response.writeHead(200, { 'content-type': 'text/html' }).end(pages[path]);
    const [prefix, dir] = Object.entries(assets).find(([prefix]) => path.startsWith(prefix)) ?? [];
    if (dir !== undefined) {
      const type = path.endsWith('.css') ? 'text/css' : 'text/javascript';
      return response.writeHead(200, { 'content-type': type }).end(readFileSync(join(dir, path.slice(prefix.length))));
    }
    response.writeHead(200, { 'content-type': 'application/json' }).end('{"data":[]}');
  });
  const base = `http://127.0.0.1:${await listen(host)}`;
  const browser = await launchBrowser();
  const peerName = (peer, name, file) => `${name}${peer.version === undefined ? '' : ` ${peer.version}`} (${file}, peer)`;
  const subjects = [
    { name: 'Parley widget (widget.js + core)', page: '/parley.html', bubble: '.launcher', open: true, message: '.bub' },
    {
      name: peerName(n8n, N8N_PACKAGE, `${N8N_FILES.bundle} + ${N8N_FILES.style}`),
      unavailable: n8n.unavailable,
      page: '/n8n.html',
      bubble: '.chat-window-toggle',
      open: true,
      message: '.chat-message-from-bot',
    },
    ...Object.values(WEBCHAT_BUNDLES).map((bundle) => ({
      name: peerName(webChat, WEBCHAT_PACKAGE, `${bundle}, inline panel`),
      unavailable: webChat.unavailable,
      page: bundle === WEBCHAT_BUNDLES.full ? '/webchat.html' : '/webchat-minimal.html',
      bubble: '[data-id="webchat-sendbox-input"]',
      open: false,
      message: '.webchat__bubble:not(.webchat__bubble--from-user)',
    })),
  ];
  const rows = [];
  const missing = (name, note) => ({ name, runs: 0, bubbleVisibleMs: null, firstMessageMs: null, note });
  for (const [index, subject] of subjects.entries()) {
    if (subject.unavailable !== undefined) {
      rows.push(missing(subject.name, `unavailable: ${subject.unavailable}`));
      continue;
    }
    try {
      rows.push({ name: subject.name, runs: RUNS, ...(await measure(browser, base, subject)), note: '-' });
    } catch (error) {
      // Ours failing is a regression and stops the bench; a peer that no longer renders on our page says so in its row.
      if (index === 0) throw error;
      rows.push(missing(subject.name, `failed: ${String(error.message).split('\n')[0]}`));
    }
  }
  await browser.close();
  host.close();
  await parley.close();
  const [ours, ...peers] = rows;
  const ratio = (value, of) => +(value / of).toFixed(2);
  const report = {
    measuredAt: new Date().toISOString(),
    note:
      'milliseconds from navigation start, medians; Parley loads its app when the browser is idle after load, on purpose; ' +
      'Web Chat is an inline panel, open from the start: its "bubble" is its send box and its first message needs no click',
    rows,
    // Ours over each measured peer: below 1 is sooner than the peer.
    ratios: peers
      .filter((peer) => peer.runs > 0)
      .map((peer) => ({
        peer: peer.name,
        bubbleVisible: ratio(ours.bubbleVisibleMs, peer.bubbleVisibleMs),
        firstMessage: ratio(ours.firstMessageMs, peer.firstMessageMs),
      })),
  };
  mkdirSync(new URL('./results/', import.meta.url), { recursive: true });
  writeFileSync(new URL('./results/widget-load.json', import.meta.url), `${JSON.stringify(report, null, 2)}\n`);
  console.table(rows);
  for (const { peer, bubbleVisible, firstMessage } of report.ratios) {
    console.log(`Parley ÷ ${peer}: bubble visible ×${bubbleVisible}, first message ×${firstMessage}`);
  }
  console.log('written to bench/results/widget-load.json');
  return report;
}

if (process.argv[1] === fileURLToPath(import.meta.url)) await runWidgetLoadBench();
