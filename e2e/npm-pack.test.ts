import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { join, resolve } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

const REPO = resolve(import.meta.dirname, '..');
const PUBLISHED = ['protocol', 'client', 'widget'] as const;

interface Packed {
  readonly name: string;
  readonly filename: string;
  readonly files: ReadonlyArray<{ readonly path: string }>;
}

/**
 * The npm packages a site installs (`npm i @parley/widget` pulls @parley/client and @parley/protocol):
 * packed as `npm publish` would, unpacked into a project of their own, imported and type-checked from
 * there. The project sits under the repository's node_modules/.cache so that third-party dependencies
 * (preact, valibot…) resolve from the repository, while @parley/* resolve to the unpacked tarballs.
 */
describe('the published packages (@parley/widget, @parley/client, @parley/protocol)', () => {
  const cacheDir = join(REPO, 'node_modules', '.cache');
  mkdirSync(cacheDir, { recursive: true });
  const project = mkdtempSync(join(cacheDir, 'npm-pack-test-'));
  const packed = new Map<string, Packed>();
  afterAll(() => rmSync(project, { recursive: true, force: true }));
  const packedVersion = (name: string): string | undefined =>
    packed.has(name) ? JSON.parse(readFileSync(join(project, 'node_modules', name, 'package.json'), 'utf8')).version : undefined;

  beforeAll(() => {
    for (const name of PUBLISHED)
      expect(existsSync(join(REPO, `packages/${name}/dist/index.js`)), `run \`npm run build\` first (npm test does)`).toBe(true);
    const output = execFileSync(
      'npm',
      ['pack', '--json', '--pack-destination', project, ...PUBLISHED.flatMap((n) => ['-w', `packages/${n}`])],
      {
        cwd: REPO,
        encoding: 'utf8',
      },
    );
    const results: Packed[] = JSON.parse(output);
    for (const result of results) {
      packed.set(result.name, result);
      const target = join(project, 'node_modules', result.name);
      mkdirSync(target, { recursive: true });
      execFileSync('tar', ['-xzf', join(project, result.filename), '-C', target, '--strip-components=1']);
    }
    writeFileSync(join(project, 'package.json'), JSON.stringify({ name: 'a-site', private: true, type: 'module' }));
  }, 120_000);

  it('packs each package with its build, types and README, and without sources, tests or private fields', () => {
    for (const name of PUBLISHED) {
      const pack = packed.get(`@parley/${name}`);
      expect(pack, `@parley/${name} was not packed`).toBeDefined();
      const paths = (pack?.files ?? []).map((file) => file.path);
      expect(paths).toEqual(expect.arrayContaining(['package.json', 'README.md', 'dist/index.js', 'dist/index.d.ts']));
      expect(paths.filter((path) => /^src\/|\.test\.|tsbuildinfo|tsconfig/.test(path))).toEqual([]);
      const manifest = JSON.parse(readFileSync(join(project, 'node_modules', `@parley/${name}`, 'package.json'), 'utf8'));
      expect(manifest).toMatchObject({ license: 'MIT', publishConfig: { access: 'public' } });
      expect(manifest.private).toBeUndefined();
      // Their @parley dependencies are the versions packed beside them.
      for (const [dependency, version] of Object.entries(manifest.dependencies ?? {}))
        if (dependency.startsWith('@parley/')) expect(version, dependency).toBe(packedVersion(dependency));
    }
    expect(packed.get('@parley/widget')?.files.map((file) => file.path)).toContain('dist-browser/widget.js');
  });

  it('resolves every export to a file in the tarball, not in the repository', () => {
    const require = createRequire(join(project, 'index.js'));
    for (const name of PUBLISHED) {
      const resolved = require.resolve(`@parley/${name}`);
      expect(resolved.startsWith(join(project, 'node_modules', `@parley/${name}`))).toBe(true);
      expect(existsSync(resolved.replace(/\.js$/, '.d.ts'))).toBe(true);
    }
    // The headless packages run in Node straight from the tarball.
    const imported = spawnSync(
      process.execPath,
      [
        '--input-type=module',
        '-e',
        "const p = await import('@parley/protocol'); const c = await import('@parley/client'); console.log(p.PROTOCOL_VERSION, typeof c.RestClient);",
      ],
      { cwd: project, encoding: 'utf8' },
    );
    expect(imported.stderr).toBe('');
    expect(imported.stdout.trim()).toMatch(/^\d+ function$/);
  });

  it('type-checks a site that mounts the widget, and refuses a wrong option', () => {
    writeFileSync(
      join(project, 'site.ts'),
      [
        "import { mount, type WidgetHandle } from '@parley/widget';",
        "import { RestClient } from '@parley/client';",
        "import { PROTOCOL_VERSION } from '@parley/protocol';",
        "export const chat: Promise<WidgetHandle> = mount({ server: 'https://chat.example.com', widgetId: 'wgt_1', layout: 'inline' });",
        'export const version: number = PROTOCOL_VERSION;',
        'export const client: typeof RestClient = RestClient;',
        '// @ts-expect-error: the types are real, not `any`',
        "mount({ server: 'https://chat.example.com', widgetId: 'wgt_1', layout: 'sideways' });",
        '',
      ].join('\n'),
    );
    writeFileSync(
      join(project, 'tsconfig.json'),
      JSON.stringify({
        compilerOptions: {
          strict: true,
          noEmit: true,
          module: 'nodenext',
          target: 'es2022',
          lib: ['ES2023', 'DOM', 'DOM.Iterable'],
          types: [],
          skipLibCheck: false,
        },
        files: ['site.ts'],
      }),
    );
    const tsc = createRequire(import.meta.url).resolve('typescript/bin/tsc');
    const checked = spawnSync(process.execPath, [tsc, '-p', project], { cwd: project, encoding: 'utf8', timeout: 120_000 });
    expect(checked.stdout + checked.stderr).toBe('');
    expect(checked.status).toBe(0);
  }, 150_000);
});
