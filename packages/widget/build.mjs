// Browser build: esbuild → dist-browser/. The app (Preact UI, client, lazy extras) is built first as
// ES modules in one directory named for the build's content hash, then the loader (widget.js, an IIFE) with
// the app's path baked in.
// Minified, for browsers of the last few years; debug code is dropped (`DEBUG` is false).
import { build } from 'esbuild';
import { createHash } from 'node:crypto';
import { mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import process from 'node:process';
import { basename, dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const here = dirname(fileURLToPath(import.meta.url));
const out = join(here, 'dist-browser');
// The same layout as the URLs: /widget.js and /widget/<build hash>/<chunk>.
const chunks = join(out, 'widget');
const target = ['chrome100', 'firefox100', 'safari15.4', 'edge100'];
rmSync(out, { recursive: true, force: true });
mkdirSync(chunks, { recursive: true });

const common = {
  bundle: true,
  minify: true,
  target,
  legalComments: 'none',
  define: { DEBUG: 'false', 'process.env.NODE_ENV': '"production"' },
  drop: ['debugger'],
  pure: ['console.debug', 'console.log'],
  // The widget's tsconfig, the one vitest reads too: its class field semantics (useDefineForClassFields false,
  // see there) are what ships and what the tests run.
  tsconfig: join(here, 'tsconfig.json'),
  jsx: 'automatic',
  jsxImportSource: 'preact',
  logLevel: 'warning',
  // Our workspace packages are plain ES modules without top-level effects worth keeping: let unused parts go.
  plugins: [
    {
      name: 'parley-side-effect-free',
      setup(b) {
        // Protocol schemas are valibot calls at module level; the widget never validates with most of them, so each
        // call is marked pure and an unused schema is dropped (`v.x(...)` through a namespace import is not seen as pure).
        b.onLoad({ filter: /packages[\\/]protocol[\\/]dist[\\/].*\.js$/ }, async (args) => ({
          contents: (await readFile(args.path, 'utf8')).replace(/(?<![\w.])(v\.\w+|keysOf)\(/g, '/* @__PURE__ */ $1('),
          loader: 'js',
        }));
        // The stylesheets are template literals of one rule a line: the line breaks after `}` are dropped (the
        // minifier keeps a template's text as written), about 30 B brotli off the core.
        b.onLoad({ filter: /packages[\\/]widget[\\/]src[\\/].*\.tsx?$/ }, async (args) => {
          const source = await readFile(args.path, 'utf8');
          if (!/CSS = `/.test(source) || /math\.ts$/.test(args.path)) return undefined;
          return {
            contents: source.replace(/(CSS = `)([^`]*)`/g, (_, start, css) => `${start}${css.trim().replace(/\}\n/g, '}')}\``),
            loader: args.path.endsWith('x') ? 'tsx' : 'ts',
          };
        });
        b.onResolve({ filter: /^(@parley\/|\.)/ }, async (args) => {
          if (args.pluginData === 'inner' || (!/^@parley\//.test(args.path) && !/packages[\\/](protocol|client)[\\/]/.test(args.importer)))
            return undefined;
          const resolved = await b.resolve(args.path, {
            kind: args.kind,
            resolveDir: args.resolveDir,
            importer: args.importer,
            pluginData: 'inner',
          });
          return resolved.errors.length > 0 ? resolved : { ...resolved, sideEffects: false };
        });
      },
    },
  ],
};

// File names carry no hash: the build's one content hash names their directory instead (widget/<build>/app.js,
// widget/<build>/privacy.js, …), so the core names each lazy extra as `./privacy.js`, resolved by the browser
// against the app's own URL, rather than 8 incompressible hash characters an extra apiece that moved the core
// whenever any extra changed. Only widget.js (revalidated every few minutes) names the directory. The builds are
// kept in memory (write: false) until that hash is known.
const outputs = [];
/** The files an esbuild run made, as { file: basename, contents, entry, imports } (imports by basename). */
const collect = (result) =>
  result.outputFiles.map((output) => {
    const [path, meta] = Object.entries(result.metafile.outputs).find(([key]) => resolve(key) === output.path);
    return {
      file: basename(path),
      contents: output.text,
      entry: meta.entryPoint ?? null,
      imports: meta.imports.filter((i) => i.kind === 'import-statement').map((i) => basename(i.path)),
    };
  });

// SSE and long polling, which the client imports only when WebSocket fails, are a file of their own with
// their own copies of the few client helpers they share with the core: left to code splitting, those helpers
// would become a shared chunk, one more file on the core's path, and cost more than the fallbacks save.
const fallbackFile = 'fallback.js';
/** Points the client's `import('./sse-transport.js')` and `import('./poll-transport.js')` at that file. */
const fallbackExternal = {
  name: 'parley-fallback-external',
  setup(b) {
    b.onResolve({ filter: /^\.\/(sse|poll)-transport\.js$/ }, (args) =>
      /create-transport\.js$/.test(args.importer) ? { path: `./${fallbackFile}`, external: true } : undefined,
    );
  },
};
// Direct mode is its own file with its own copies of the few helpers it shares with the app, so the
// managed app stays one chunk (one download, better compression) and never carries direct-mode code.
const directFile = 'direct.js';

const [fallback, direct, app] = await Promise.all([
  build({
    ...common,
    stdin: {
      contents: "export { SseTransport } from './sse-transport.js'; export { PollTransport } from './poll-transport.js';",
      resolveDir: join(here, '../client/dist/realtime'),
      sourcefile: 'fallback-transports.js',
    },
    outdir: chunks,
    format: 'esm',
    entryNames: 'fallback',
    metafile: true,
    write: false,
  }),
  build({
    ...common,
    plugins: [...common.plugins, fallbackExternal],
    entryPoints: { direct: join(here, 'src/api/direct-entry.ts') },
    outdir: chunks,
    format: 'esm',
    entryNames: '[name]',
    metafile: true,
    write: false,
  }),
  build({
    ...common,
    plugins: [
      ...common.plugins,
      fallbackExternal,
      {
        name: 'parley-direct-external',
        setup(b) {
          b.onResolve({ filter: /direct-entry\.js$/ }, () => ({ path: `./${directFile}`, external: true }));
        },
      },
    ],
    // The console's preview bridge: widget.js imports it beside the app on the preview page (the core never names it).
    entryPoints: { app: join(here, 'src/app.ts'), 'preview-bridge': join(here, 'src/embed/preview-bridge.ts') },
    outdir: chunks,
    format: 'esm',
    splitting: true,
    // Entries are named as given. Extras (the targets of import()) are chunks to esbuild, named for their source file
    // (extras/privacy.tsx → privacy), and shared chunks are all named "chunk": hashed here to tell them apart, then
    // renamed below.
    entryNames: '[name]',
    chunkNames: '[name]-[hash]',
    metafile: true,
    write: false,
  }),
]);
outputs.push(...collect(fallback), ...collect(direct), ...collect(app));
if (outputs.some((output) => output.file === fallbackFile) === false || outputs.some((output) => output.file === directFile) === false)
  throw new Error(`${fallbackFile} or ${directFile} missing from the esbuild output`);

// Extras lose their hash (privacy-AB12CD34.js → privacy.js); shared chunks are numbered in the order of their esbuild
// hashes (chunk-1.js, …: deterministic for a given source), the app's own first: the core names its chunk, so an edit
// to an extra's shared chunk that reordered the hashes moved the core's brotli size (±44 B for "chunk-1" → "chunk-2").
// Every file importing one is rewritten to the new name (an 8-character hashed name cannot occur in a file by chance).
// Two extras of one name would be one file: refused.
const hashed = outputs.map((output) => output.file).filter((file) => /-[A-Z0-9]{8}\.js$/.test(file));
const coreChunks = new Set(outputs.find((output) => output.entry?.endsWith('src/app.ts'))?.imports ?? []);
const shared = hashed
  .filter((file) => file.startsWith('chunk-'))
  .sort((a, b) => Number(coreChunks.has(b)) - Number(coreChunks.has(a)) || (a < b ? -1 : a > b ? 1 : 0));
const renamed = new Map(
  hashed.map((file) => [
    file,
    file.startsWith('chunk-') ? `chunk-${shared.indexOf(file) + 1}.js` : file.replace(/-[A-Z0-9]{8}\.js$/, '.js'),
  ]),
);
for (const output of outputs) {
  for (const [from, to] of renamed) output.contents = output.contents.replaceAll(`./${from}`, `./${to}`);
  output.file = renamed.get(output.file) ?? output.file;
  output.imports = output.imports.map((file) => renamed.get(file) ?? file);
}
const names = outputs.map((output) => output.file);
const twice = names.filter((file, index) => names.indexOf(file) !== index);
if (twice.length > 0) throw new Error(`two widget chunks would both be named ${twice.join(', ')}: rename one of their source files`);

// The build's hash: over every file's name and contents, so any change anywhere is a new directory.
const hash = createHash('sha256');
for (const { file, contents } of [...outputs].sort((a, b) => (a.file < b.file ? -1 : 1))) hash.update(`${file}\0${contents}\0`);
const dir = `widget/${hash.digest('hex').slice(0, 16)}`;
mkdirSync(join(out, dir), { recursive: true });
for (const { file, contents } of outputs) writeFileSync(join(out, dir, file), contents);

const appFile = outputs.find((output) => output.entry?.endsWith('src/app.ts'))?.file;
if (appFile === undefined) throw new Error('app chunk missing from the esbuild metafile');
const previewFile = outputs.find((output) => output.entry?.endsWith('src/embed/preview-bridge.ts'))?.file;
if (previewFile === undefined) throw new Error('preview bridge chunk missing from the esbuild metafile');
/** A chunk's static imports (the files it needs before it runs), as URL paths. */
const staticImports = (output) => output.imports.map((file) => `${dir}/${file}`);

await build({
  ...common,
  entryPoints: [join(here, 'src/loader.ts')],
  outfile: join(out, 'widget.js'),
  format: 'iife',
  define: {
    ...common.define,
    PARLEY_APP: JSON.stringify(`${dir}/${appFile}`),
    PARLEY_PREVIEW: JSON.stringify(`${dir}/${previewFile}`),
    // The app's own static imports, fetched in parallel with it instead of after it.
    PARLEY_PRELOAD: JSON.stringify(staticImports(outputs.find((output) => output.file === appFile))),
  },
});

// What the size bench reads: which file is what. An extra's role is its name, but for these three and shared chunks.
const ROLES = { app: 'app', 'frame-bridge': 'iframe', 'preview-bridge': 'preview' };
const role = (file) => {
  const name = file.replace(/\.js$/, '');
  return /^chunk-\d+$/.test(name) ? 'chunk' : (ROLES[name] ?? name);
};
const manifest = {
  loader: 'widget.js',
  app: `${dir}/${appFile}`,
  files: outputs.map((output) => ({ file: `${dir}/${output.file}`, role: role(output.file), static: staticImports(output) })),
};
writeFileSync(join(out, 'manifest.json'), `${JSON.stringify(manifest, null, 2)}\n`);
process.stdout.write(`widget: built ${manifest.files.length + 1} files into ${join(out, dir)}\n`);
