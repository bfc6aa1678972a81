// Size of the widget as shipped (the minified browser build), beside @n8n/chat's bundle: min, gzip and
// brotli for the loader, the core (app chunk + what it imports statically: everything needed to show the
// bubble and chat) and each lazy extra. Budgets from DESIGN.md; prints a table, writes JSON.
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { fileURLToPath } from 'node:url';
import { brotliCompressSync, constants, gzipSync } from 'node:zlib';

const DIST = fileURLToPath(new URL('../packages/widget/dist-browser/', import.meta.url));
const BUDGETS = { loader: 2048, core: 25_600 };

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

export function runWidgetSizeBench() {
  if (!existsSync(`${DIST}manifest.json`)) throw new Error(`${DIST}manifest.json is missing: run \`npm run build\` first`);
  const manifest = JSON.parse(readFileSync(`${DIST}manifest.json`, 'utf8'));
  const app = manifest.files.find((file) => file.file === manifest.app);
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

  let peer = null;
  try {
    const path = createRequire(fileURLToPath(new URL('../e2e/package.json', import.meta.url))).resolve('@n8n/chat/package.json');
    const bundle = path.replace(/package\.json$/, 'dist/chat.bundle.es.js');
    const version = JSON.parse(readFileSync(path, 'utf8')).version;
    peer = {
      name: `peer: @n8n/chat ${version} (chat.bundle.es.js, no CSS)`,
      ...sizes([readFileSync(bundle)]),
      budgetBrotli: null,
      verdict: '-',
    };
    rows.push(peer);
  } catch {
    // The peer is a dev dependency of e2e; without it the table shows ours only.
  }
  const report = {
    measuredAt: new Date().toISOString(),
    budgets: { loaderBrotliBytes: BUDGETS.loader, coreBrotliBytes: BUDGETS.core },
    rows,
    ratios: peer === null ? null : { firstOpenBrotliVsN8nChat: +(firstOpen.brotliBytes / peer.brotliBytes).toFixed(3) },
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
  if (report.ratios !== null) console.log(`first open chat vs @n8n/chat (brotli): ×${report.ratios.firstOpenBrotliVsN8nChat}`);
  console.log('written to bench/results/widget-size.json');
  return report;
}

if (process.argv[1] === fileURLToPath(import.meta.url)) runWidgetSizeBench();
