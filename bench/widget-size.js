// Size of the widget as shipped (the minified browser build), beside its peers' bundles (@n8n/chat, and
// Microsoft Bot Framework Web Chat's full and minimal standalone bundles): min, gzip and brotli for the
// loader, the core (app chunk + what it imports statically: everything needed to show the bubble and
// chat) and each lazy extra. Budgets from DESIGN.md; prints a table, writes JSON.
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { brotliCompressSync, constants, gzipSync } from 'node:zlib';
import { N8N_FILES, N8N_PACKAGE, n8nChatPeer } from './n8n-peer.js';
import { WEBCHAT_BUNDLES, WEBCHAT_PACKAGE, webChatPeer } from './webchat-peer.js';

const DIST = fileURLToPath(new URL('../packages/widget/dist-browser/', import.meta.url));
/**
 * Brotli budgets in bytes (DESIGN.md, Budgets: the loader ≤ 2 KB, the core ≤ 25 KB), the one place they are
 * written: this bench prints them, and e2e/widget-size.test.ts fails a build whose core or loader is past them.
 */
export const WIDGET_BUDGETS = Object.freeze({ loader: 2048, core: 25_600 });
const BUDGETS = WIDGET_BUDGETS;

const sizes = (buffers) => {
  const all = Buffer.concat(buffers);
  // Each file travels compressed on its own: sum per file, not one stream over all of them.
  const sum = (fn) => buffers.reduce((total, buffer) => total + fn(buffer).length, 0);
  return {
    minBytes: all.length,
    gzipBytes: sum((b) => gzipSync(b, { level: 9 })),
    brotliBytes: sum((b) => brotliCompressSync(b, { params: { [constants.BROTLI_PARAM_QUALITY]: 11 } })),
  };
};
const read = (file) => readFileSync(`${DIST}${file}`);
const ratio = (ours, theirs) => +(ours / theirs).toFixed(3);

/** Each peer's bundle a page downloads to show its chat, or why it could not be measured. */
function peerBundles() {
  const n8n = n8nChatPeer();
  const webChat = webChatPeer();
  const bundle = (peer, name, file, what) => {
    const label = `peer: ${name}${peer.version === undefined ? '' : ` ${peer.version}`}`;
    return 'unavailable' in peer
      ? { name: `${label} (${file})`, unavailable: peer.unavailable }
      : { name: `${label} (${file}, ${what})`, path: join(peer.dist, file) };
  };
  return [
    bundle(n8n, N8N_PACKAGE, N8N_FILES.bundle, 'Vue included, no CSS'),
    bundle(webChat, WEBCHAT_PACKAGE, WEBCHAT_BUNDLES.full, 'React and styles included'),
    bundle(webChat, WEBCHAT_PACKAGE, WEBCHAT_BUNDLES.minimal, 'no Adaptive Cards, speech or Markdown-It'),
  ];
}

/** The built widget's manifest, and its core: the app chunk and what it imports statically. */
function builtWidget() {
  if (!existsSync(`${DIST}manifest.json`)) throw new Error(`${DIST}manifest.json is missing: run \`npm run build\` first`);
  const manifest = JSON.parse(readFileSync(`${DIST}manifest.json`, 'utf8'));
  const app = manifest.files.find((file) => file.file === manifest.app);
  return { manifest, app, coreFiles: [app.file, ...app.static] };
}

/** The loader's and the core's sizes as shipped (min, gzip, brotli), each file compressed on its own. */
export function widgetBundleSizes() {
  const { manifest, coreFiles } = builtWidget();
  return { loader: sizes([manifest.loader].map(read)), core: sizes(coreFiles.map(read)) };
}

export function runWidgetSizeBench() {
  const { manifest, app } = builtWidget();
  const core = new Set([app.file, ...app.static]);
  const rows = [
    { name: 'loader (widget.js)', files: [manifest.loader], budget: BUDGETS.loader },
    { name: 'core (bubble + chat)', files: [app.file, ...app.static], budget: BUDGETS.core },
    ...manifest.files
      .filter((file) => !['app', 'chunk'].includes(file.role))
      // What opening an extra downloads on top of the core (chunks it shares with the core are already there).
      .map((file) => ({ name: `extra: ${file.role} (lazy)`, files: [file.file, ...file.static].filter((name) => !core.has(name)) })),
  ].map(({ name, files, budget }) => {
    const measured = sizes(files.map(read));
    return {
      name,
      ...measured,
      budgetBrotli: budget ?? null,
      verdict: budget === undefined ? '-' : measured.brotliBytes <= budget ? 'PASS' : 'MISS',
    };
  });
  const firstOpen = sizes([manifest.loader, app.file, ...app.static].map(read));
  rows.push({ name: 'first open chat (loader + core)', ...firstOpen, budgetBrotli: null, verdict: '-' });

  const peers = peerBundles().map((peer) =>
    'unavailable' in peer
      ? {
          name: peer.name,
          minBytes: null,
          gzipBytes: null,
          brotliBytes: null,
          budgetBrotli: null,
          verdict: `unavailable: ${peer.unavailable}`,
        }
      : { name: peer.name, ...sizes([readFileSync(peer.path)]), budgetBrotli: null, verdict: '-' },
  );
  rows.push(...peers);
  const report = {
    measuredAt: new Date().toISOString(),
    budgets: { loaderBrotliBytes: BUDGETS.loader, coreBrotliBytes: BUDGETS.core },
    rows,
    // Ours (loader + core, what opening the chat the first time downloads) over each measured peer bundle.
    ratios: {
      firstOpenVsPeers: peers
        .filter((peer) => peer.brotliBytes !== null)
        .map((peer) => ({
          peer: peer.name,
          min: ratio(firstOpen.minBytes, peer.minBytes),
          gzip: ratio(firstOpen.gzipBytes, peer.gzipBytes),
          brotli: ratio(firstOpen.brotliBytes, peer.brotliBytes),
        })),
    },
  };
  mkdirSync(new URL('./results/', import.meta.url), { recursive: true });
  writeFileSync(new URL('./results/widget-size.json', import.meta.url), `${JSON.stringify(report, null, 2)}\n`);
  console.table(
    rows.map(({ name, minBytes, gzipBytes, brotliBytes, budgetBrotli, verdict }) => ({
      name,
      minBytes,
      gzipBytes,
      brotliBytes,
      budgetBrotli,
      verdict,
    })),
  );
  for (const { peer, min, gzip, brotli } of report.ratios.firstOpenVsPeers) {
    console.log(`first open chat (loader + core) ÷ ${peer.replace(/^peer: /, '')}: min ×${min}, gzip ×${gzip}, brotli ×${brotli}`);
  }
  console.log('written to bench/results/widget-size.json');
  return report;
}

if (process.argv[1] === fileURLToPath(import.meta.url)) runWidgetSizeBench();
