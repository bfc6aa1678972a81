import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Browser } from 'playwright-core';
import { solveChallenge } from '@parley/client/challenge';
import type { Challenge } from '@parley/protocol';
import { launchBrowser, startWidgetEnv, widget, type WidgetEnv } from '@parley/testkit';

const METRICS_TOKEN = 'challenge-e2e-metrics-token-0123456789';
/** The demo widget's thresholds for this run: new sessions per address in ten minutes, and those without a page load. */
const THRESHOLD = 5;
const WITHOUT_PAGE_LOAD = 3;
const BURST = 10;
/**
 * The one public address the script and the person share (an office behind one NAT). A loopback peer is never
 * asked for proof of work, so the server trusts its loopback "proxy" (this test) to say the address.
 */
const OFFICE = { 'x-forwarded-for': '203.0.113.50' };

// Real Chromium against a real server on a shared machine: work is counted (solved challenges), never timed.
describe('proof of work for a burst of new sessions from one address', { timeout: 120_000 }, () => {
  let env: WidgetEnv;
  let browser: Browser;
  beforeAll(async () => {
    [env, browser] = await Promise.all([
      startWidgetEnv({ PARLEY_METRICS_TOKEN: METRICS_TOKEN, PARLEY_TRUST_PROXY: 'loopback' }),
      // parley.test is the server on a plain-http origin that is not localhost: no secure context, no crypto.subtle.
      launchBrowser(['--host-resolver-rules=MAP parley.test 127.0.0.1']),
    ]);
    await env.admin('PATCH', `/v1/widgets/${env.widgetId}`, { challenge: { threshold: THRESHOLD, withoutPageLoad: WITHOUT_PAGE_LOAD } });
  });
  afterAll(async () => {
    await browser?.close();
    await env?.close();
  });

  /** `parley_challenges_total{outcome="solved"}` of the server. */
  async function solvedOnServer(): Promise<number> {
    const text = await (await fetch(`${env.serverUrl}/metrics`, { headers: { authorization: `Bearer ${METRICS_TOKEN}` } })).text();
    return Number(/^parley_challenges_total\{outcome="solved"\} (\d+)$/m.exec(text)?.[1] ?? 0);
  }

  it('makes a script that opens sessions without loading the widget solve a challenge for each one past the threshold, harder as it goes on', async () => {
    const create = (body: Record<string, unknown>) =>
      fetch(`${env.serverUrl}/v1/widgets/${env.widgetId}/sessions`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', origin: env.serverUrl, ...OFFICE },
        body: JSON.stringify(body),
      });
    const paid: Challenge[] = [];
    for (let i = 0; i < BURST; i += 1) {
      let response = await create({});
      if (response.status === 428) {
        const { error } = (await response.json()) as { error: { code: string; challenge: Challenge } };
        expect(error.code).toBe('PARLEY_ERR_CHALLENGE_REQUIRED');
        paid.push(error.challenge);
        response = await create({ challenge: await solveChallenge(error.challenge) });
      }
      expect(response.status).toBe(201);
    }
    // No page load from this address: from the fourth session on, each one cost a solved challenge.
    expect(paid).toHaveLength(BURST - WITHOUT_PAGE_LOAD);
    expect(paid[0]?.maxnumber).toBe(10_000);
    expect(paid.at(-1)?.maxnumber).toBeGreaterThan(10_000);
    expect(await solvedOnServer()).toBe(BURST - WITHOUT_PAGE_LOAD);
  });

  it('lets a person on the same address chat as usual: the widget solves its challenge unseen and the bot answers', async () => {
    const before = await solvedOnServer();
    const page = await browser.newPage();
    await page.setExtraHTTPHeaders(OFFICE);
    const problems: string[] = [];
    const sessionAnswers: number[] = [];
    const scripts: string[] = [];
    page.on('pageerror', (error) => problems.push(error.message));
    page.on('console', (message) => {
      // Chromium logs every 4xx it loads; the one 428 is the challenge being asked for, the favicon the demo's own.
      if (message.type() === 'error' && !/favicon|status of (404|428)/.test(message.text())) problems.push(message.text());
    });
    page.on('response', (response) => {
      if (response.url().endsWith(`/v1/widgets/${env.widgetId}/sessions`)) sessionAnswers.push(response.status());
    });
    page.on('request', (request) => {
      if (request.resourceType() === 'script') scripts.push(new URL(request.url()).pathname);
    });
    await page.goto(`${env.serverUrl}/`);
    const ui = widget(page);
    await ui.launcher().click();
    await ui.send('pricing?');
    await ui.log().getByText('free to self-host').waitFor();
    // The address is far over its threshold (BURST sessions already): asked, solved in the page, asked again.
    expect(sessionAnswers).toEqual([428, 201]);
    expect(scripts.some((path) => /^\/widget\/[0-9a-f]{16}\/challenge\.js$/.test(path))).toBe(true);
    expect(await solvedOnServer()).toBe(before + 1);
    await expect(ui.log().getByText('Not sent.').count()).resolves.toBe(0);
    expect(problems).toEqual([]);
    await page.close();
  });

  it('lets a person on a plain-http page (no secure context, so no crypto.subtle) solve it with the pure-JS SHA-256 and chat', async () => {
    const before = await solvedOnServer();
    const page = await browser.newPage();
    await page.setExtraHTTPHeaders(OFFICE);
    const sessionAnswers: number[] = [];
    const problems: string[] = [];
    page.on('pageerror', (error) => problems.push(error.message));
    page.on('response', (response) => {
      if (response.url().endsWith(`/v1/widgets/${env.widgetId}/sessions`)) sessionAnswers.push(response.status());
    });
    await page.goto(env.serverUrl.replace('localhost', 'parley.test'));
    expect(await page.evaluate(() => ({ secure: isSecureContext, subtle: typeof globalThis.crypto?.subtle }))).toEqual({
      secure: false,
      subtle: 'undefined',
    });
    const ui = widget(page);
    await ui.launcher().click();
    await ui.send('pricing?');
    await ui.log().getByText('free to self-host').waitFor();
    expect(sessionAnswers).toEqual([428, 201]);
    expect(await solvedOnServer()).toBe(before + 1);
    expect(problems).toEqual([]);
    await page.close();
  });
});
