// `npm run screenshots [console|widget] [state…]`: starts the built server on a fresh data directory and writes
// pictures for people to look at into ./screenshots/ (or $PARLEY_SCREENSHOTS_DIR): every console page
// (console-<page>-<width>.png) and every widget state (widget-<state>-<width>.png), at 1280 px and 375 px wide.
// A part named on the command line is the only one pictured; widget state names after it (`widget
// offline-form agent-reply`) picture only those states. `node tools/testkit/dist/screenshots.js …` skips the build.
import { mkdirSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { launchBrowser } from './browser.js';
import { CONSOLE_ADMIN_ENV } from './console-demo.js';
import { shootConsolePages } from './console-screenshots.js';
import { NO_VOLUME_LIMITS } from './volume-limits.js';
import { startWidgetEnv } from './widget-env.js';
import { shootWidgetStates, WIDGET_STATES, WIDGET_STATES_BROWSER_ARGS } from './widget-states.js';

const ROOT = resolve(import.meta.dirname, '../../..');
const PARTS = ['console', 'widget'] as const;

async function main(): Promise<void> {
  const args = process.argv.slice(2);
  const asked = args.filter((arg) => (PARTS as readonly string[]).includes(arg));
  const stateNames: readonly string[] = WIDGET_STATES.map((state) => state.name);
  const states = args.filter((arg) => !asked.includes(arg));
  const unknown = states.filter((name) => !stateNames.includes(name));
  if (unknown.length > 0) {
    throw new Error(
      `unknown part or widget state "${unknown.join('", "')}": expected ${PARTS.join(' or ')}, or widget states among ${stateNames.join(', ')}`,
    );
  }
  const parts: readonly string[] = asked.length === 0 ? (states.length > 0 ? ['widget'] : PARTS) : asked;
  const out = process.env['PARLEY_SCREENSHOTS_DIR'] ?? join(ROOT, 'screenshots');
  mkdirSync(out, { recursive: true });
  const [env, browser] = await Promise.all([
    startWidgetEnv({ ...CONSOLE_ADMIN_ENV, ...NO_VOLUME_LIMITS }),
    launchBrowser(WIDGET_STATES_BROWSER_ARGS),
  ]);
  try {
    if (parts.includes('console')) {
      const count = await shootConsolePages(env.serverUrl, browser, out);
      process.stdout.write(`screenshots: ${count} console pages written to ${out}\n`);
    }
    if (parts.includes('widget')) {
      const shots = await shootWidgetStates(env, browser, out, states.length > 0 ? states : undefined);
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
