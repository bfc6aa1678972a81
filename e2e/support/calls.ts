import { mkdirSync } from 'node:fs';
import { resolve } from 'node:path';
import { DEMO_ADMIN, WIDGET_STATES_BROWSER_ARGS } from '@parley/testkit';
import type { Browser, Page } from 'playwright-core';
import type { DeskEnv } from './desk-env.js';
import { consoleAs } from './desk-people.js';

// What the call e2e files (calls: the console against a minimal visitor peer; calls-widget: against the widget's
// call extra) share.

/** Fake camera, microphone and screen, granted without a prompt (what `npm run screenshots` launches with too). */
export const FAKE_MEDIA = WIDGET_STATES_BROWSER_ARGS;

/** Every page's peer connections in window.__pcs, for getStats: an init script, run before the page's own scripts. */
export const RECORD_PEER_CONNECTIONS = `(() => {
  const Native = window.RTCPeerConnection;
  window.__pcs = [];
  window.RTCPeerConnection = class extends Native { constructor(config) { super(config); window.__pcs.push(this); } };
})();`;

/** Reads the bytes received so far by the page's last peer connection (recorded by RECORD_PEER_CONNECTIONS). */
export const bytesReceived = (page: Page) => (): Promise<number> =>
  page.evaluate(async () => {
    const last = (window as unknown as { __pcs: RTCPeerConnection[] }).__pcs.at(-1);
    let total = 0;
    (await last?.getStats())?.forEach((report: { type: string; bytesReceived?: number }) => {
      if (report.type === 'inbound-rtp') total += report.bytesReceived ?? 0;
    });
    return total;
  });

/** Bytes received grow: media is flowing. `read` answers the bytes received so far. */
export async function expectMediaFlowing(read: () => Promise<number>, what: string): Promise<void> {
  const first = await read();
  for (let i = 0; i < 100; i++) {
    await new Promise((done) => setTimeout(done, 200));
    const now = await read();
    if (now > first && now > 1000) return;
  }
  throw new Error(`${what}: bytesReceived did not grow past ${first}`);
}

/** The console's call panel reaches `state` (calling, active, ended, failed). */
export const callState = (agent: Page, state: string): Promise<void> => agent.locator(`.call-panel[data-call-state="${state}"]`).waitFor();

/** The demo admin in the console on the conversation, its realtime link live, its peer connections recorded. */
export async function agentOn(browser: Browser, env: DeskEnv, conversationId: string): Promise<Page> {
  const agent = await consoleAs(browser, env, DEMO_ADMIN);
  await agent.context().addInitScript(RECORD_PEER_CONNECTIONS);
  await agent.goto(`${env.serverUrl}/console/inbox/${conversationId}`);
  await agent.getByText('live (ws)').waitFor();
  return agent;
}

/** Pictures of the page at each width and colour scheme, to look at (PARLEY_SCREENSHOTS=dir): `<name>-<width>-<scheme>.png`. */
export async function shootCall(page: Page, name: string, ways: readonly (readonly [number, 'light' | 'dark'])[]): Promise<void> {
  const shots = process.env['PARLEY_SCREENSHOTS'];
  if (shots === undefined) return;
  mkdirSync(shots, { recursive: true });
  for (const [width, scheme] of ways) {
    await page.emulateMedia({ colorScheme: scheme });
    await page.setViewportSize({ width, height: width === 375 ? 812 : 800 });
    await page.screenshot({ path: resolve(shots, `${name}-${width}-${scheme}.png`) });
  }
  await page.emulateMedia({ colorScheme: 'light' });
  await page.setViewportSize({ width: 1280, height: 800 });
}
