// Browser build: esbuild → dist-browser/. The app (Preact UI, client, lazy extras) is built first as
// ES modules with hashed names, then the loader (widget.js, an IIFE) with the app's file name baked in.
// Minified, for browsers of the last few years; debug code is dropped (`DEBUG` is false).
import { build } from 'esbuild';
import { mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import process from 'node:process';
import { basename, dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const here = dirname(fileURLToPath(import.meta.url));
const out = join(here, 'dist-browser');
// The same layout as the URLs: /widget.js and /widget/<hashed chunk>.
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

// SSE and long polling, which the client imports only when WebSocket fails, are a file of their own with
// their own copies of the few client helpers they share with the core: left to code splitting, those helpers
// would become a shared chunk, one more file on the core's path, and cost more than the fallbacks save.
const fallback = await build({
  ...common,
  stdin: {
    contents: "export { SseTransport } from './sse-transport.js'; export { PollTransport } from './poll-transport.js';",
    resolveDir: join(here, '../client/dist/realtime'),
    sourcefile: 'fallback-transports.js',
  },
  outdir: chunks,
  format: 'esm',
  entryNames: 'fallback-[hash]',
  metafile: true,
});
const fallbackFile = basename(Object.keys(fallback.metafile.outputs)[0]);
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
const direct = await build({
  ...common,
  plugins: [...common.plugins, fallbackExternal],
  entryPoints: { direct: join(here, 'src/api/direct-entry.ts') },
  outdir: chunks,
  format: 'esm',
  entryNames: '[name]-[hash]',
  metafile: true,
});
const directFile = basename(Object.keys(direct.metafile.outputs)[0]);

const app = await build({
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
  entryNames: '[name]-[hash]',
  chunkNames: '[name]-[hash]',
  metafile: true,
});
/** A chunk's static imports (the files it needs before it runs), as URL paths. */
const staticImports = (imports) => imports.filter((i) => i.kind === 'import-statement').map((i) => `widget/${basename(i.path)}`);
const files = Object.entries(app.metafile.outputs).map(([path, meta]) => ({
  file: basename(path),
  entry: meta.entryPoint ?? null,
  imports: meta.imports,
}));
const appFile = files.find((file) => file.entry?.endsWith('src/app.ts'))?.file;
if (appFile === undefined) throw new Error('app chunk missing from the esbuild metafile');
const previewFile = files.find((file) => file.entry?.endsWith('src/embed/preview-bridge.ts'))?.file;
if (previewFile === undefined) throw new Error('preview bridge chunk missing from the esbuild metafile');

await build({
  ...common,
  entryPoints: [join(here, 'src/loader.ts')],
  outfile: join(out, 'widget.js'),
  format: 'iife',
  define: {
    ...common.define,
    PARLEY_APP: JSON.stringify(`widget/${appFile}`),
    PARLEY_PREVIEW: JSON.stringify(`widget/${previewFile}`),
    // The app's own static imports, fetched in parallel with it instead of after it.
    PARLEY_PRELOAD: JSON.stringify(staticImports(files.find((file) => file.file === appFile).imports)),
  },
});

// What the server and the size bench read: which file is what (the chunk names carry content hashes).
const ROLES = [
  [/math|katex/, 'math'],
  [/emoji/, 'emoji'],
  [/voice/, 'voice'],
  [/fallback/, 'fallback'],
  [/direct/, 'direct'],
  [/desk/, 'desk'],
  [/upload/, 'upload'],
  [/history/, 'history'],
  [/transcript/, 'transcript'],
  [/unfurl/, 'unfurl'],
  [/rich/, 'rich'],
  [/chrome/, 'chrome'],
  [/chime/, 'chime'],
  [/frame-bridge/, 'iframe'],
  [/preview-bridge/, 'preview'],
  [/verbose/, 'verbose'],
  [/privacy/, 'privacy'],
];
const role = (file) => (file.entry?.endsWith('src/app.ts') ? 'app' : (ROLES.find(([name]) => name.test(file.file))?.[1] ?? 'chunk'));
files.push({ file: directFile, entry: 'src/api/direct-entry.ts', imports: [] });
files.push({ file: fallbackFile, entry: 'fallback-transports.js', imports: [] });
const manifest = {
  loader: 'widget.js',
  app: `widget/${appFile}`,
  files: files.map((file) => ({
    file: `widget/${file.file}`,
    role: role(file),
    static: staticImports(file.imports),
  })),
};
writeFileSync(join(out, 'manifest.json'), `${JSON.stringify(manifest, null, 2)}\n`);
process.stdout.write(`widget: built ${manifest.files.length + 1} files into ${out}\n`);
