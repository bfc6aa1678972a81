// `npm run screenshots [console|widget]`: starts the built server on a fresh data directory and writes
// pictures for people to look at into ./screenshots/: every console page (console-<page>-<width>.png) and every
// widget state (widget-<state>-<width>.png), at 1280 px and 375 px wide. A part named on the command line
// is the only one pictured.
import { mkdirSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { launchBrowser } from './browser.js';
import { CONSOLE_ADMIN_ENV } from './console-demo.js';
import { shootConsolePages } from './console-screenshots.js';
import { NO_VOLUME_LIMITS } from './volume-limits.js';
import { startWidgetEnv } from './widget-env.js';
import { shootWidgetStates } from './widget-states.js';

const ROOT = resolve(import.meta.dirname, '../../..');
const PARTS = ['console', 'widget'] as const;

async function main(): Promise<void> {
  const asked = process.argv.slice(2);
  const unknown = asked.filter((part) => !(PARTS as readonly string[]).includes(part));
  if (unknown.length > 0) throw new Error(`unknown part "${unknown.join('", "')}": expected ${PARTS.join(' or ')} (or nothing for both)`);
  const parts = asked.length === 0 ? PARTS : PARTS.filter((part) => asked.includes(part));
  const out = join(ROOT, 'screenshots');
  mkdirSync(out, { recursive: true });
  const [env, browser] = await Promise.all([startWidgetEnv({ ...CONSOLE_ADMIN_ENV, ...NO_VOLUME_LIMITS }), launchBrowser()]);
  try {
    if (parts.includes('console')) {
      const count = await shootConsolePages(env.serverUrl, browser, out);
      process.stdout.write(`screenshots: ${count} console pages written to ${out}\n`);
    }
    if (parts.includes('widget')) {
      const shots = await shootWidgetStates(env, browser, out);
      process.stdout.write(`screenshots: ${shots.length} widget states written to ${out}\n`);
    }
  } finally {
    await browser.close();
    await env.close();
  }
}

main().catch((error: unknown) => {
  process.stderr.write(`screenshots failed: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`);
  process.exit(1);
});
