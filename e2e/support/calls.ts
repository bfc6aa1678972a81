import { createHmac } from 'node:crypto';
import { mkdirSync } from 'node:fs';
import { resolve } from 'node:path';
import { DEMO_ADMIN, freePort, WIDGET_STATES_BROWSER_ARGS } from '@parley/testkit';
import Turn from 'node-turn';
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

/**
 * Every peer connection of the page relays only (iceTransportPolicy 'relay': media must go through a TURN server).
 * While `window.__turnBroken` is set (from the start when `brokenTurnPort` is given) its ICE servers are a TURN
 * server at that port, where nothing listens: ICE then has no candidate at all and the call cannot connect.
 * Added after RECORD_PEER_CONNECTIONS, so the recorder sees these connections.
 */
export const relayOnly = (brokenTurnPort?: number): string => `(() => {
  const Recorded = window.RTCPeerConnection;
  window.__turnBroken = ${brokenTurnPort === undefined ? 'false' : 'true'};
  window.RTCPeerConnection = class extends Recorded {
    constructor(config) {
      const broken = [{ urls: 'turn:127.0.0.1:${brokenTurnPort ?? 0}?transport=udp', username: 'nobody', credential: 'nothing' }];
      super({ ...config, ...(window.__turnBroken ? { iceServers: broken } : {}), iceTransportPolicy: 'relay' });
    }
  };
})();`;

/** The local candidate type of the page's last peer connection's selected pair (relay, host, srflx, prflx), once there is one. */
export const selectedCandidateType = (page: Page): Promise<string | undefined> =>
  page.evaluate(async () => {
    const last = (window as unknown as { __pcs: RTCPeerConnection[] }).__pcs.at(-1);
    const stats = await last?.getStats();
    let type: string | undefined;
    stats?.forEach((report: { type: string; nominated?: boolean; state?: string; localCandidateId?: string }) => {
      if (report.type === 'candidate-pair' && report.nominated && report.state === 'succeeded' && report.localCandidateId) {
        type = (stats.get(report.localCandidateId) as { candidateType?: string } | undefined)?.candidateType;
      }
    });
    return type;
  });

export interface TestTurnServer {
  /** `turn:127.0.0.1:<port>?transport=udp`. */
  readonly url: string;
  /** The usernames it checked a credential of (coturn-style `<expiry>:<callId>`), valid ones only. */
  readonly accepted: string[];
  close(): void;
}

/**
 * A TURN server (node-turn, UDP on 127.0.0.1) that checks credentials as coturn's `use-auth-secret` does: the
 * username is `<expiry unix seconds>:<anything>` and its password base64(HMAC-SHA1(secret, username)), refused
 * after the expiry. node-turn knows only a table of static users, so the table computes each user's password.
 */
export async function startTurnServer(secret: string): Promise<TestTurnServer> {
  const port = await freePort();
  const accepted: string[] = [];
  const credentials = new Proxy<Record<string, string>>(
    {},
    {
      get(_table, username) {
        if (typeof username !== 'string' || !/^\d+:/.test(username)) return undefined;
        if (Number(username.split(':')[0]) * 1000 <= Date.now()) return undefined;
        if (!accepted.includes(username)) accepted.push(username);
        return createHmac('sha1', secret).update(username).digest('base64');
      },
    },
  );
  const server = new Turn({
    listeningPort: port,
    listeningIps: ['127.0.0.1'],
    relayIps: ['127.0.0.1'],
    authMech: 'long-term',
    realm: 'parley.test',
    credentials,
    debugLevel: 'OFF',
    log: () => undefined,
  });
  server.start();
  return { url: `turn:127.0.0.1:${port}?transport=udp`, accepted, close: () => server.stop() };
}

/** The demo admin in the console on the conversation, its realtime link live, its peer connections recorded. */
export async function agentOn(browser: Browser, env: DeskEnv, conversationId: string, ...initScripts: string[]): Promise<Page> {
  const agent = await consoleAs(browser, env, DEMO_ADMIN);
  await agent.context().addInitScript(RECORD_PEER_CONNECTIONS);
  for (const script of initScripts) await agent.context().addInitScript(script);
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
