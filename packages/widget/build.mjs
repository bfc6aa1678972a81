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

// Direct mode is its own file with its own copies of the few helpers it shares with the app, so the
// managed app stays one chunk (one download, better compression) and never carries direct-mode code.
const direct = await build({
  ...common,
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
    {
      name: 'parley-direct-external',
      setup(b) {
        b.onResolve({ filter: /direct-entry\.js$/ }, () => ({ path: `./${directFile}`, external: true }));
      },
    },
  ],
  entryPoints: { app: join(here, 'src/app.ts') },
  outdir: chunks,
  format: 'esm',
  splitting: true,
  entryNames: '[name]-[hash]',
  chunkNames: '[name]-[hash]',
  metafile: true,
});
const files = Object.entries(app.metafile.outputs).map(([path, meta]) => ({
  file: basename(path),
  entry: meta.entryPoint ?? null,
  imports: meta.imports,
}));
const appFile = files.find((file) => file.entry?.endsWith('src/app.ts'))?.file;
if (appFile === undefined) throw new Error('app chunk missing from the esbuild metafile');

await build({
  ...common,
  entryPoints: [join(here, 'src/loader.ts')],
  outfile: join(out, 'widget.js'),
  format: 'iife',
  define: {
    ...common.define,
    PARLEY_APP: JSON.stringify(`widget/${appFile}`),
    // The app's own static imports, fetched in parallel with it instead of after it.
    PARLEY_PRELOAD: JSON.stringify(
      files
        .find((file) => file.file === appFile)
        .imports.filter((i) => i.kind === 'import-statement')
        .map((i) => `widget/${basename(i.path)}`),
    ),
  },
});

// What the server and the size bench read: which file is what (the chunk names carry content hashes).
const role = (file) =>
  file.entry?.endsWith('src/app.ts')
    ? 'app'
    : /math|katex/.test(file.file)
      ? 'math'
      : /emoji/.test(file.file)
        ? 'emoji'
        : /voice/.test(file.file)
          ? 'voice'
          : /direct/.test(file.file)
            ? 'direct'
            : /desk/.test(file.file)
              ? 'desk'
              : /upload/.test(file.file)
                ? 'upload'
                : /history/.test(file.file)
                  ? 'history'
                  : /transcript/.test(file.file)
                    ? 'transcript'
                    : /unfurl/.test(file.file)
                      ? 'unfurl'
                      : /rich/.test(file.file)
                        ? 'rich'
                        : /frame-bridge/.test(file.file)
                          ? 'iframe'
                          : /verbose/.test(file.file)
                            ? 'verbose'
                            : 'chunk';
files.push({ file: directFile, entry: 'src/api/direct-entry.ts', imports: [] });
const manifest = {
  loader: 'widget.js',
  app: `widget/${appFile}`,
  files: files.map((file) => ({
    file: `widget/${file.file}`,
    role: role(file),
    static: file.imports.filter((i) => i.kind === 'import-statement').map((i) => `widget/${basename(i.path)}`),
  })),
};
writeFileSync(join(out, 'manifest.json'), `${JSON.stringify(manifest, null, 2)}\n`);
process.stdout.write(`widget: built ${manifest.files.length + 1} files into ${out}\n`);
