import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { ERROR_CATALOG, keysOf } from '@parley/protocol';
import { errorsMarkdown, openApiJson } from './generated-docs.js';

const read = (path: string): string => readFileSync(new URL(`../../../${path}`, import.meta.url), 'utf8');

describe('generated documents', () => {
  it('docs/errors.md matches the error catalog (run `npm run docs:generate` after changing errors.ts)', () => {
    expect(read('docs/errors.md')).toBe(errorsMarkdown());
  });

  it('docs/openapi.json matches the routes (run `npm run docs:generate` after changing a route)', async () => {
    expect(read('docs/openapi.json')).toBe(await openApiJson());
  });

  it('every catalog code follows PARLEY_ERR_<AREA>_<WHAT>, has a fix, and an error status', () => {
    for (const code of keysOf(ERROR_CATALOG)) {
      expect(code).toMatch(/^PARLEY_ERR_[A-Z]+_[A-Z_]+$/);
      expect(ERROR_CATALOG[code].fix.length).toBeGreaterThan(10);
      expect(ERROR_CATALOG[code].status).toBeGreaterThanOrEqual(400);
    }
  });

  it('every error code the server can throw is in the catalog', () => {
    const sources = [
      'packages/server/src/engine/session-service.ts',
      'packages/server/src/widgets/widget-service.ts',
      'packages/server/src/http/error-handler.ts',
      'packages/server/src/auth/session-tokens.ts',
    ].map(read);
    const used = new Set(sources.flatMap((text) => [...text.matchAll(/'(PARLEY_ERR_[A-Z_]+)'/g)].map((m) => m[1])));
    for (const code of used) expect(Object.keys(ERROR_CATALOG)).toContain(code);
  });
});
