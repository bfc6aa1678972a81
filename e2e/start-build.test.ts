import { spawnSync } from 'node:child_process';
import { copyFileSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';

const REPO = resolve(import.meta.dirname, '..');

/**
 * `npm start`'s build (tools/build-for-start.mjs) on a one-workspace project of its own: it skips
 * up-to-date steps and never leaves a stale output after a source changes. The project sits under the
 * repository's node_modules/.cache so that the script finds the repository's TypeScript.
 */
describe('npm start builds only what changed', () => {
  const cacheDir = join(REPO, 'node_modules', '.cache');
  mkdirSync(cacheDir, { recursive: true });
  const root = mkdtempSync(join(cacheDir, 'start-build-test-'));
  afterAll(() => rmSync(root, { recursive: true, force: true }));
  const write = (path: string, text: string): void => {
    mkdirSync(dirname(join(root, path)), { recursive: true });
    writeFileSync(join(root, path), text);
  };
  write('package.json', JSON.stringify({ name: 'fixture', private: true, type: 'module', workspaces: ['packages/a'] }));
  write('package-lock.json', '{}');
  write('tsconfig.json', JSON.stringify({ files: [], references: [{ path: 'packages/a' }] }));
  write(
    'packages/a/tsconfig.json',
    JSON.stringify({
      compilerOptions: { composite: true, rootDir: 'src', outDir: 'dist', module: 'nodenext', types: [] },
      include: ['src'],
    }),
  );
  write('packages/a/package.json', JSON.stringify({ name: '@fixture/a', type: 'module', scripts: { bundle: 'node bundle.mjs' } }));
  // The "bundle": the compiled entry copied to dist-browser, so a stale bundle shows as an old value.
  write(
    'packages/a/bundle.mjs',
    "import { cpSync, mkdirSync } from 'node:fs';\nmkdirSync('dist-browser', { recursive: true });\ncpSync('dist/index.js', 'dist-browser/a.js');\n",
  );
  write('packages/a/src/index.ts', 'export const value = 1;\n');
  write('packages/a/src/extra.ts', 'export const extra = true;\n');
  mkdirSync(join(root, 'tools'));
  copyFileSync(join(REPO, 'tools/build-for-start.mjs'), join(root, 'tools/build-for-start.mjs'));

  const build = (): { readonly ran: string[]; readonly skipped: string[] } => {
    const result = spawnSync(process.execPath, ['tools/build-for-start.mjs'], { cwd: root, encoding: 'utf8', timeout: 60_000 });
    expect(result.status, result.stdout + result.stderr).toBe(0);
    const lines = result.stdout.split('\n');
    const steps = (suffix: RegExp) => lines.filter((line) => suffix.test(line)).map((line) => (/^parley: (\S+)/.exec(line) ?? [])[1] ?? '');
    return { ran: steps(/: done in /), skipped: steps(/: up to date /) };
  };
  const bundled = (): string => readFileSync(join(root, 'packages/a/dist-browser/a.js'), 'utf8');

  it('builds every step the first time, one line each, then skips them all', () => {
    expect(build()).toEqual({ ran: ['compiling', 'bundling'], skipped: [] });
    expect(bundled()).toContain('value = 1');
    expect(build()).toEqual({ ran: [], skipped: ['compiling', 'bundling'] });
  });

  it('rebuilds after a source change, a deleted source and a deleted output', () => {
    write('packages/a/src/index.ts', 'export const value = 2;\n');
    expect(build().ran).toEqual(['compiling', 'bundling']);
    expect(bundled()).toContain('value = 2');

    rmSync(join(root, 'packages/a/src/extra.ts'));
    expect(build().ran).toEqual(['compiling', 'bundling']);

    rmSync(join(root, 'packages/a/dist-browser'), { recursive: true });
    expect(build()).toEqual({ ran: ['bundling'], skipped: ['compiling'] });
    expect(bundled()).toContain('value = 2');
  });

  it('stops with the failing step named when a step fails, and tries it again next time', () => {
    write('packages/a/src/index.ts', 'export const value: number = "not a number";\n');
    const failed = spawnSync(process.execPath, ['tools/build-for-start.mjs'], { cwd: root, encoding: 'utf8', timeout: 60_000 });
    expect(failed.status).toBe(1);
    expect(failed.stderr).toContain('compiling TypeScript (tsc -b) failed');
    write('packages/a/src/index.ts', 'export const value = 3;\n');
    expect(build().ran).toEqual(['compiling', 'bundling']);
    expect(bundled()).toContain('value = 3');
  });
});
