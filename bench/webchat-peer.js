// Microsoft Bot Framework Web Chat as a bench peer. It is not a dependency of any workspace on purpose:
// it would bring React and its dependency tree (24 direct dependencies: Adaptive Cards, the speech SDK,
// ...) into every `npm ci`. Instead the benches fetch the one pinned tarball with `npm pack` (the
// registry, the npm cache and proxy settings work as for any install), check its integrity, keep only
// its standalone bundles in bench/.cache/ (gitignored) and reuse them on the next run. When that fails
// the caller prints "unavailable: <reason>" and goes on.
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, renameSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

export const WEBCHAT_PACKAGE = 'botframework-webchat';
export const WEBCHAT_VERSION = '4.18.1';
// The registry's integrity for 4.18.1: the bench measures exactly these bytes, or none.
const INTEGRITY = 'sha512-7jpEUJ7olT62Xm+8eh7BhhIcXVfU2xD4pZDaeBt8K4XcNy6K/83UGIxE9BFkXmHMZ4hDEVOzs5cre07GWuaXzg==';
/** The standalone UMD bundles a page loads with one `<script src>` (they set `window.WebChat`). */
export const WEBCHAT_BUNDLES = /** @type {const} */ ({ full: 'webchat.js', minimal: 'webchat-minimal.js' });

const CACHE = fileURLToPath(new URL('./.cache/', import.meta.url));
const PACK_TIMEOUT_MS = 180_000;

/** @type {{ version: string, dist: string } | { version: string, unavailable: string } | undefined} */
let found;

/**
 * The cached dist folder holding WEBCHAT_BUNDLES, fetching it first if needed. Asked once per process:
 * `npm run bench` measures sizes and load times in one run, and a failed fetch (up to PACK_TIMEOUT_MS)
 * is not worth waiting for twice.
 * @returns {{ version: string, dist: string } | { version: string, unavailable: string }}
 */
export function webChatPeer() {
  found ??= { version: WEBCHAT_VERSION, ...cachedOrFetched() };
  return found;
}

/** @returns {{ dist: string } | { unavailable: string }} */
function cachedOrFetched() {
  const home = join(CACHE, `${WEBCHAT_PACKAGE}-${WEBCHAT_VERSION}`);
  const dist = join(home, 'package', 'dist');
  const cached = () => Object.values(WEBCHAT_BUNDLES).every((file) => existsSync(join(dist, file)));
  if (cached()) return { dist };
  mkdirSync(CACHE, { recursive: true });
  // Unpacked into a scratch folder and renamed at the end, so an interrupted run leaves no half cache.
  const scratch = mkdtempSync(join(CACHE, 'fetch-'));
  try {
    const packed = spawnSync(
      'npm',
      ['pack', `${WEBCHAT_PACKAGE}@${WEBCHAT_VERSION}`, '--pack-destination', scratch, '--json', '--loglevel=error', '--fetch-retries=1'],
      { encoding: 'utf8', timeout: PACK_TIMEOUT_MS },
    );
    if (packed.error !== undefined) {
      const timedOut = packed.error.code === 'ETIMEDOUT';
      return { unavailable: timedOut ? `npm pack took over ${PACK_TIMEOUT_MS / 1000} s` : `npm pack: ${packed.error.message}` };
    }
    if (packed.status !== 0) return { unavailable: `npm pack failed: ${npmError(packed)}` };
    const [tarball] = JSON.parse(packed.stdout);
    if (tarball?.integrity !== INTEGRITY) return { unavailable: `tarball integrity ${tarball?.integrity} is not the pinned one` };
    const paths = Object.values(WEBCHAT_BUNDLES).map((file) => `package/dist/${file}`);
    const unpacked = spawnSync('tar', ['-xzf', join(scratch, tarball.filename), '-C', scratch, ...paths], {
      encoding: 'utf8',
    });
    if (unpacked.error !== undefined) return { unavailable: `tar: ${unpacked.error.message}` };
    if (unpacked.status !== 0) return { unavailable: `tar exited with ${unpacked.status}: ${lastLine(unpacked.stderr)}` };
    rmSync(join(scratch, tarball.filename));
    rmSync(home, { recursive: true, force: true });
    renameSync(scratch, home);
    return cached() ? { dist } : { unavailable: `the tarball has no ${paths.join(' or ')}` };
  } catch (error) {
    return { unavailable: error instanceof Error ? error.message : String(error) };
  } finally {
    rmSync(scratch, { recursive: true, force: true });
  }
}

/** What went wrong, from npm's `--json` error object on stdout, else the last line it wrote to stderr. */
function npmError({ status, stdout, stderr }) {
  try {
    const { error } = JSON.parse(stdout);
    if (typeof error?.summary === 'string') return `${error.code ?? `exit ${status}`} ${error.summary}`;
  } catch {
    // Not JSON (an npm too old for `--json` errors, or a crash): fall back to stderr.
  }
  return lastLine(stderr.replace(/^npm error A complete log.*$/m, ''));
}

const lastLine = (text) =>
  text
    .split('\n')
    .filter((line) => line.trim() !== '')
    .pop() ?? 'no output';
