// Bundles the console SPA for the browser: src/main.tsx → dist-browser/assets/main-<hash>.{js,css},
// plus dist-browser/index.html pointing at them. File names carry a content hash, so the server can
// send them with `Cache-Control: immutable`; only index.html is revalidated. No inline script or
// style is emitted, because the server's Content-Security-Policy allows neither.
import { mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { basename, dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import process from 'node:process';
import { build } from 'esbuild';

const root = dirname(dirname(fileURLToPath(import.meta.url)));
const out = join(root, 'dist-browser');
rmSync(out, { recursive: true, force: true });
mkdirSync(join(out, 'assets'), { recursive: true });

const result = await build({
  entryPoints: [join(root, 'src/main.tsx'), join(root, 'src/styles.css')],
  bundle: true,
  format: 'esm',
  target: 'es2022',
  minify: true,
  sourcemap: 'linked',
  jsx: 'automatic',
  jsxImportSource: 'preact',
  outdir: join(out, 'assets'),
  entryNames: '[name]-[hash]',
  assetNames: '[name]-[hash]',
  metafile: true,
  legalComments: 'none',
  logLevel: 'warning',
  define: { 'process.env.NODE_ENV': '"production"' },
});

// The theme boot script is a classic (blocking) script, so it runs before the first paint; modules are deferred.
const boot = await build({
  entryPoints: [join(root, 'src/theme-boot.ts')],
  bundle: true,
  format: 'iife',
  target: 'es2022',
  minify: true,
  outdir: join(out, 'assets'),
  entryNames: '[name]-[hash]',
  metafile: true,
  legalComments: 'none',
  logLevel: 'warning',
});
const bootScript = Object.keys(boot.metafile.outputs)
  .map((file) => basename(file))
  .find((file) => file.endsWith('.js'));
if (bootScript === undefined) throw new Error('bundle is missing the theme boot script');

const outputs = Object.keys(result.metafile.outputs).map((file) => basename(file));
const script = outputs.find((file) => file.endsWith('.js'));
const style = outputs.find((file) => file.endsWith('.css'));
if (script === undefined || style === undefined) throw new Error(`bundle is missing its js or css: ${outputs.join(', ')}`);

writeFileSync(
  join(out, 'index.html'),
  `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="color-scheme" content="light dark">
<title>Parley console</title>
<link rel="icon" href="data:,">
<script src="/console/assets/${bootScript}"></script>
<link rel="stylesheet" href="/console/assets/${style}">
<script type="module" src="/console/assets/${script}"></script>
</head>
<body>
<div id="app"></div>
<noscript>The Parley console needs JavaScript.</noscript>
</body>
</html>
`,
);
process.stdout.write(`console bundle: dist-browser/assets/${script}, ${style}\n`);
