import { existsSync } from 'node:fs';
import { resolve } from 'node:path';
import type { Browser } from 'playwright-core';
import { launchBrowser } from './browser.js';
import { SERVER_MAIN, startFreshServer, type FreshServer } from './built-server.js';
import { CONSOLE_ADMIN_ENV, seedConsoleDemo, type ConsoleDemo } from './console-demo.js';

const CONSOLE_BUILD = resolve(import.meta.dirname, '../../../packages/console/dist-browser/index.html');

/** What a console e2e file works with: the built server on a fresh data directory, seeded, and a Chromium. */
export interface ConsoleE2e {
  readonly server: FreshServer;
  readonly browser: Browser;
  readonly demo: ConsoleDemo;
  /** Closes the browser, then the server. */
  close(): Promise<void>;
}

/** Throws, saying how to make one, unless the server and the console are built (what the console e2e tests run). */
export function assertConsoleBuilt(): void {
  if (!existsSync(SERVER_MAIN) || !existsSync(CONSOLE_BUILD)) {
    throw new Error('The console e2e tests run the built server and console: run `npm run build` first (npm test does).');
  }
}

/**
 * The set-up every console e2e file shares: the built server (at its default public URL: the gateway
 * refuses console logins from any other origin) with the console demo seeded, and a Chromium. Refuses
 * to start without a build, saying how to make one.
 */
export async function startConsoleE2e(env: Readonly<Record<string, string>> = CONSOLE_ADMIN_ENV): Promise<ConsoleE2e> {
  assertConsoleBuilt();
  // One after the other: a server starting beside a Chromium on a loaded machine may miss its start timeout.
  const server = await startFreshServer(env);
  try {
    const demo = await seedConsoleDemo(server.url);
    const browser = await launchBrowser();
    return {
      server,
      browser,
      demo,
      close: async () => {
        await browser.close();
        await server.close();
      },
    };
  } catch (error) {
    await server.close();
    throw error;
  }
}
