import { spawnSync, type SpawnSyncReturns } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, renameSync, rmSync } from 'node:fs';
import { join } from 'node:path';

/** One published npm package version, pinned by the registry's integrity, and the files of it a caller needs. */
export interface PackedPackage {
  readonly name: string;
  readonly version: string;
  /** The registry's `dist.integrity` (`npm view <name>@<version> dist.integrity`): exactly these bytes, or none. */
  readonly integrity: string;
  /** Paths inside the tarball's `package/` folder, or folders (everything under them is kept). */
  readonly paths: readonly string[];
  /** A gitignored folder the unpacked files stay in between runs. */
  readonly cacheDir: string;
}

const PACK_TIMEOUT_MS = 180_000;

/**
 * The unpacked `package/` folder of a pinned npm package, fetched with `npm pack` on first use (the
 * registry, the npm cache and proxy settings work as for any install) and kept in `cacheDir`. For peers
 * that are not dependencies on purpose (a second version of one, a big tree): benches measure them,
 * e2e tests run them. `unavailable` says why not (offline, a changed tarball); the caller decides
 * whether that is a failure (CI) or a note.
 */
export function packedPackage(spec: PackedPackage): { dir: string } | { unavailable: string } {
  const home = join(spec.cacheDir, `${spec.name.replace('/', '+')}-${spec.version}`);
  const dir = join(home, 'package');
  const cached = (): boolean => spec.paths.every((path) => existsSync(join(dir, path)));
  if (cached()) return { dir };
  mkdirSync(spec.cacheDir, { recursive: true });
  // Unpacked into a scratch folder and renamed at the end, so an interrupted run leaves no half cache.
  const scratch = mkdtempSync(join(spec.cacheDir, 'fetch-'));
  try {
    const packed = spawnSync(
      'npm',
      ['pack', `${spec.name}@${spec.version}`, '--pack-destination', scratch, '--json', '--loglevel=error', '--fetch-retries=1'],
      { encoding: 'utf8', timeout: PACK_TIMEOUT_MS },
    );
    if (packed.error !== undefined) {
      const timedOut = 'code' in packed.error && packed.error.code === 'ETIMEDOUT';
      return { unavailable: timedOut ? `npm pack took over ${PACK_TIMEOUT_MS / 1000} s` : `npm pack: ${packed.error.message}` };
    }
    if (packed.status !== 0) return { unavailable: `npm pack failed: ${npmError(packed)}` };
    const [tarball] = JSON.parse(packed.stdout) as { filename?: string; integrity?: string }[];
    if (tarball?.integrity !== spec.integrity || tarball.filename === undefined) {
      return { unavailable: `${spec.name}@${spec.version}: tarball integrity ${tarball?.integrity} is not the pinned one` };
    }
    const members = spec.paths.map((path) => `package/${path}`);
    const unpacked = spawnSync('tar', ['-xzf', join(scratch, tarball.filename), '-C', scratch, ...members], { encoding: 'utf8' });
    if (unpacked.error !== undefined) return { unavailable: `tar: ${unpacked.error.message}` };
    if (unpacked.status !== 0) return { unavailable: `tar exited with ${unpacked.status}: ${lastLine(unpacked.stderr)}` };
    rmSync(join(scratch, tarball.filename));
    rmSync(home, { recursive: true, force: true });
    renameSync(scratch, home);
    return cached() ? { dir } : { unavailable: `the tarball has no ${members.join(' or ')}` };
  } catch (error) {
    return { unavailable: error instanceof Error ? error.message : String(error) };
  } finally {
    rmSync(scratch, { recursive: true, force: true });
  }
}

/** What went wrong, from npm's `--json` error object on stdout, else the last line it wrote to stderr. */
function npmError({ status, stdout, stderr }: SpawnSyncReturns<string>): string {
  try {
    const { error } = JSON.parse(stdout) as { error?: { code?: string; summary?: unknown } };
    if (typeof error?.summary === 'string') return `${error.code ?? `exit ${status}`} ${error.summary}`;
  } catch {
    // Not JSON (an npm too old for `--json` errors, or a crash): fall back to stderr.
  }
  return lastLine(stderr.replace(/^npm error A complete log.*$/m, ''));
}

const lastLine = (text: string): string =>
  text
    .split('\n')
    .filter((line) => line.trim() !== '')
    .pop() ?? 'no output';
