import { fileURLToPath } from 'node:url';
import { defineConfig } from 'vitest/config';

const src = (path: string): string => fileURLToPath(new URL(path, import.meta.url));

// Tests run against the TypeScript sources of every package, so no build is needed between edits.
export default defineConfig({
  resolve: {
    alias: {
      '@parley/protocol': src('./packages/protocol/src/index.ts'),
      // Before '@parley/client', which as a prefix would turn this entry point into index.ts/challenge.
      '@parley/client/challenge': src('./packages/client/src/challenge-solver.ts'),
      '@parley/client': src('./packages/client/src/index.ts'),
      '@parley/server': src('./packages/server/src/index.ts'),
      '@parley/testkit': src('./tools/testkit/src/index.ts'),
    },
  },
  test: {
    include: ['packages/*/src/**/*.test.ts', 'tools/*/src/**/*.test.ts', 'e2e/**/*.test.ts'],
    testTimeout: 20_000,
    hookTimeout: 60_000,
    pool: 'forks',
  },
});
