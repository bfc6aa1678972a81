import { readdirSync, readFileSync } from 'node:fs';
import { builtinModules } from 'node:module';
import { join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

const SRC = fileURLToPath(new URL('.', import.meta.url));
const manifest = (path: string) =>
  JSON.parse(readFileSync(fileURLToPath(new URL(path, import.meta.url)), 'utf8')) as {
    dependencies?: Record<string, string>;
    devDependencies?: Record<string, string>;
  };
const server = manifest('../package.json');
const root = manifest('../../../package.json');
const names = (deps: Record<string, string> | undefined) => new Set(Object.keys(deps ?? {}));
const runtime = names(server.dependencies);
const dev = names(server.devDependencies);
const rootDev = new Set([...names(root.dependencies), ...names(root.devDependencies)]);

function sources(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) return sources(path);
    return entry.name.endsWith('.ts') && !entry.name.endsWith('.d.ts') ? [path] : [];
  });
}

/** Each bare import of a file: its package name and whether the import is erased from the build (type-only). */
function imports(text: string): { pkg: string; typeOnly: boolean }[] {
  const found: { pkg: string; typeOnly: boolean }[] = [];
  const pattern = /(?:^|\n)\s*(import|export)\s+(type\s+)?(?:[^'";]*?\sfrom\s+)?'([^']+)'|import\(\s*'([^']+)'\s*\)/g;
  for (const match of text.matchAll(pattern)) {
    const specifier = match[3] ?? match[4] ?? '';
    if (specifier.startsWith('.') || specifier.startsWith('node:') || builtinModules.includes(specifier)) continue;
    const parts = specifier.split('/');
    const pkg = specifier.startsWith('@') ? parts.slice(0, 2).join('/') : (parts[0] ?? specifier);
    found.push({ pkg, typeOnly: match[2] !== undefined });
  }
  return found;
}

describe('packages/server/package.json', () => {
  it('declares every package the server imports: the build output needs in dependencies, types and tests in devDependencies', () => {
    const missing: string[] = [];
    for (const file of sources(SRC)) {
      const name = relative(SRC, file);
      const testOnly = /\.test\.ts$/.test(name) || name.split('/').includes('testing');
      for (const { pkg, typeOnly } of imports(readFileSync(file, 'utf8'))) {
        if (runtime.has(pkg)) continue;
        if ((typeOnly || testOnly) && dev.has(pkg)) continue;
        // Test tooling (vitest, playwright) is the workspace root's.
        if (testOnly && rootDev.has(pkg)) continue;
        missing.push(`${name}: ${pkg}${typeOnly ? ' (types)' : ''}`);
      }
    }
    expect(missing).toEqual([]);
  });
});
