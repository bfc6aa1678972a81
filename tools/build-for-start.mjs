// `npm start`'s build: the same steps as `npm run build` (tsc -b, then each workspace's `bundle`), one line
// per step, and a step is skipped when none of its inputs changed since it last succeeded.
//
// Why: a cold build takes a minute or more on a small machine, and a second start used to repeat every step
// (about 5 s, silently). The check is by modification time against a stamp written when a step succeeds;
// the stamp holds the time the step *started*, so a file saved during a build counts as changed next time.
// A digest of the input paths catches a deleted or renamed file (folder times would not do: every build
// changes them). A step whose outputs are missing always runs. Stamps live in node_modules/.cache, so
// `npm ci` starts from a clean slate.
import { spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, readdirSync, statSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = dirname(dirname(fileURLToPath(import.meta.url)));
const stampDir = join(root, 'node_modules', '.cache', 'parley-start');
const SKIPPED_DIRS = new Set(['node_modules', 'dist', 'dist-browser', '.git', 'coverage']);
const rootPackage = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8'));
const workspaces = rootPackage.workspaces;
// Shared by every step: dependencies and compiler settings.
const COMMON_INPUTS = ['package.json', 'package-lock.json', 'tsconfig.json', 'tsconfig.base.json'];
// The browser bundles import only these workspaces (DESIGN.md's import table, enforced by ESLint).
const BUNDLE_IMPORTS = ['packages/protocol', 'packages/client'];

/** The newest modification time among the inputs, and a digest of their paths (a deleted or renamed file changes it). */
function scanInputs(paths) {
  let newest = 0;
  const files = [];
  const visit = (path) => {
    let stat;
    try {
      stat = statSync(path);
    } catch {
      return; // an optional input (tsconfig.base.json) that does not exist changes nothing
    }
    if (!stat.isDirectory()) {
      newest = Math.max(newest, stat.mtimeMs);
      files.push(path);
      return;
    }
    for (const entry of readdirSync(path)) if (!SKIPPED_DIRS.has(entry) && !entry.endsWith('.tsbuildinfo')) visit(join(path, entry));
  };
  for (const path of paths) visit(join(root, path));
  return { newest, files: createHash('sha256').update(files.sort().join('\n')).digest('hex') };
}

function readStamp(name) {
  try {
    return JSON.parse(readFileSync(join(stampDir, `${name}.json`), 'utf8'));
  } catch {
    return null;
  }
}

function step({ name, label, note, inputs, outputs, command, cwd = root }) {
  const checked = performance.now();
  const before = scanInputs(inputs);
  const stamp = readStamp(name);
  const built = outputs.every((path) => existsSync(join(root, path)));
  const upToDate = stamp !== null && built && before.newest < stamp.startedAt && before.files === stamp.files;
  if (upToDate) {
    console.log(`parley: ${label}: up to date (checked in ${Math.round(performance.now() - checked)} ms)`);
    return;
  }
  const startedAt = Date.now();
  console.log(`parley: ${label}…${!built && note !== undefined ? ` (${note})` : ''}`);
  const [program, ...args] = command;
  const result = spawnSync(program, args, { cwd, stdio: 'inherit' });
  if (result.status !== 0) {
    console.error(`parley: ${label} failed (exit ${result.status ?? result.signal}); fix the error above and run npm start again.`);
    process.exit(1);
  }
  mkdirSync(stampDir, { recursive: true });
  // The file set seen before the step: a file added while it ran is newer than startedAt anyway.
  writeFileSync(join(stampDir, `${name}.json`), JSON.stringify({ startedAt, files: before.files }));
  console.log(`parley: ${label}: done in ${((Date.now() - startedAt) / 1000).toFixed(1)} s`);
}

const tsc = createRequire(import.meta.url).resolve('typescript/bin/tsc');
const referenced = JSON.parse(readFileSync(join(root, 'tsconfig.json'), 'utf8')).references.map((reference) => reference.path);
step({
  name: 'tsc',
  label: 'compiling TypeScript (tsc -b)',
  note: 'the first build takes a minute or two',
  inputs: [...COMMON_INPUTS, ...referenced],
  outputs: referenced.map((path) => join(path, 'dist')),
  command: [process.execPath, tsc, '-b'],
});

for (const workspace of workspaces) {
  const manifest = JSON.parse(readFileSync(join(root, workspace, 'package.json'), 'utf8'));
  if (manifest.scripts?.bundle === undefined) continue;
  step({
    name: `bundle-${manifest.name.replace(/\W+/g, '-')}`,
    label: `bundling ${manifest.name} for the browser`,
    // Compiled dist of the imported workspaces is rebuilt from their sources, so their sources are the inputs.
    inputs: [...COMMON_INPUTS, workspace, ...BUNDLE_IMPORTS],
    outputs: [join(workspace, 'dist-browser')],
    // Through npm, as `npm run build` runs it; npm_execpath is the npm that runs `npm start`.
    command:
      process.env.npm_execpath === undefined
        ? ['npm', 'run', 'bundle', '--silent']
        : [process.execPath, process.env.npm_execpath, 'run', 'bundle', '--silent'],
    cwd: join(root, workspace),
  });
}
