import { availableParallelism } from 'node:os';
import { fileURLToPath } from 'node:url';
import { defineConfig } from 'vitest/config';
import { BaseSequencer, type Reporter, type TestModule, type TestSpecification } from 'vitest/node';

const src = (path: string): string => fileURLToPath(new URL(path, import.meta.url));

/**
 * The files that take longest (half a minute to three minutes each on a 2-core machine), slowest first:
 * they start first, so that no worker is left alone with one of them at the end of the run. A clean
 * clone has no timing cache, and vitest then starts the largest files first, which are not the slowest
 * (the screenshot test is short to read and the longest to run). Measured by the SlowestFiles table below at the
 * end of a whole run; a file that is gone is ignored.
 */
const SLOW_FIRST = [
  // Own time in a clean-clone run on 2026-12-07 (load 1-12, vitest 1,007 s in all), slowest first.
  'e2e/widget-screenshots.test.ts', // 181 s
  'e2e/console-admin.test.ts', // 125 s
  'e2e/campaigns.test.ts', // 94 s
  'e2e/hostile-render.test.ts', // 93 s
  'e2e/two-nodes-nginx.test.ts', // 82 s
  'e2e/webhooks-crash.test.ts', // 69 s
  'e2e/calls-widget.test.ts', // 60 s
  'e2e/console-inbox.test.ts', // 54 s
  'e2e/widget-privacy.test.ts', // 51 s
  'e2e/desk-acceptance.test.ts', // 48 s
  'e2e/console-versions.test.ts', // 40 s
  'e2e/multi-conversation.test.ts', // 36 s
  'e2e/console-reports.test.ts', // 32 s
  'e2e/calls.test.ts', // 25 s
  'e2e/cli.test.ts', // 24 s
  'e2e/crash-restart.test.ts', // 22 s
  'packages/server/src/realtime/calls/calls.case.test.ts', // 21 s
  'e2e/widget-behaviour.test.ts', // 21 s
  'e2e/postgres-drop.test.ts', // 20 s
  'e2e/docs-csp.test.ts', // 19 s
  'e2e/widget-embed.test.ts', // 19 s
  'e2e/npm-pack.test.ts', // 18 s
];

class SlowFilesFirst extends BaseSequencer {
  override async sort(files: TestSpecification[]): Promise<TestSpecification[]> {
    const rank = (spec: TestSpecification): number => {
      const at = SLOW_FIRST.findIndex((path) => spec.moduleId.endsWith(path));
      return at === -1 ? SLOW_FIRST.length : at;
    };
    // Array.prototype.sort is stable: the other files keep vitest's order (its timing cache when there is one).
    return (await super.sort(files)).sort((a, b) => rank(a) - rank(b));
  }
}

/**
 * After the run, the slowest files and the sum of every file's own time (its tests and hooks): the last lines of a CI
 * log then say where the suite's minutes went (CI keeps only the end of its output), to keep SLOW_FIRST and the
 * suite's 25 minutes honest.
 */
class SlowestFiles implements Reporter {
  onTestRunEnd(modules: ReadonlyArray<TestModule>): void {
    // A few files run by hand need no table.
    if (modules.length < 20) return;
    const root = fileURLToPath(new URL('.', import.meta.url));
    const timed = modules
      .map((module) => ({ file: module.moduleId.replace(root, ''), seconds: module.diagnostic().duration / 1000 }))
      .sort((a, b) => b.seconds - a.seconds);
    const total = timed.reduce((sum, { seconds }) => sum + seconds, 0);
    const lines = timed.slice(0, 30).map(({ file, seconds }) => `${seconds.toFixed(1).padStart(8)} s  ${file}`);
    process.stdout.write(`\nSlowest files (own time; ${timed.length} files, ${total.toFixed(0)} s in all):\n${lines.join('\n')}\n`);
  }
}

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
    // Vitest's default (cores - 1) runs one file at a time on 2 cores; most e2e time waits on child
    // processes (servers, Chromium, nginx, npm), so a second file fits beside it there: 492 s -> 385 s
    // on a mixed subset of e2e and API files. Bigger machines keep the default.
    maxWorkers: Math.max(2, availableParallelism() - 1),
    sequence: { sequencer: SlowFilesFirst },
    reporters: ['default', new SlowestFiles()],
  },
});
