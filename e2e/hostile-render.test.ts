import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Browser, Page } from 'playwright-core';
import { DEMO_ADMIN, launchBrowser, openConsole, widget } from '@parley/testkit';
import { auditPage, watchPage, installPwnedHook, markdownVisible, plain, type AuditResult } from './hostile/dom-audit.js';
import { startHostileEnv, type HostileConversation, type HostileEnv, type Shown } from './hostile/hostile-env.js';

/**
 * Issue 13.5: every string of the corpus (blns + e2e/hostile/payloads.json) through every slot a
 * visitor, a bot, an agent or a site owner fills, rendered by the widget and the console in Chromium
 * with the pages' CSP switched off (so an injected script would run, not be blocked): no `__pwned`
 * call, no dialog, no element or attribute no page of ours makes (shadow roots included), and every
 * string shown as text. Many strings per conversation, one page load (or console route) each.
 */
describe('hostile strings in the widget and the console', { timeout: 600_000 }, () => {
  let hostile: HostileEnv;
  let browser: Browser;
  beforeAll(async () => {
    [hostile, browser] = await Promise.all([startHostileEnv(), launchBrowser()]);
  }, 600_000);
  afterAll(async () => {
    await browser?.close();
    await hostile?.close();
  });

  it('seeds every string through every slot without a 5xx; blank texts are refused with a 400', () => {
    expect(hostile.corpusSize).toBeGreaterThan(550);
    expect(hostile.unexpected).toEqual([]);
  });

  it('runs nothing and injects nothing in the widget, and shows every string as text', async () => {
    const findings: string[] = [];
    // Two pages at a time: each mostly waits for the server, so two lanes halve the wall time.
    const lanes = [0, 1].map((lane) => hostile.conversations.filter((_, at) => at % 2 === lane));
    await Promise.all(
      lanes.map(async (conversations) => {
        for (const conversation of conversations) findings.push(...(await inWidget(browser, hostile, conversation)));
      }),
    );
    expect(findings).toEqual([]);
  });

  it('runs nothing and injects nothing in the console (conversation, contact, meta, notes, files), and shows every string as text', async () => {
    const page = await openConsole(browser, {
      baseUrl: hostile.env.serverUrl,
      adminEmail: DEMO_ADMIN.email,
      adminPassword: DEMO_ADMIN.password,
    });
    await installPwnedHook(page.context());
    const events: string[] = [];
    watchPage(page, events);
    await page.reload();
    await page.locator('#main').waitFor();
    const findings: string[] = [];
    for (const conversation of hostile.conversations) {
      await route(page, `/console/inbox/${conversation.conversationId}`);
      await page.getByRole('log', { name: 'Messages' }).getByText(conversation.sentinel).waitFor();
      findings.push(
        ...judge(
          `console ${conversation.conversationId}`,
          await settledAudit(page, [hostile.env.serverUrl], conversation.consoleShows),
          events,
          conversation.consoleShows,
        ),
      );
    }
    for (const path of [
      '/console/inbox',
      '/console/widgets',
      '/console/bots',
      '/console/agents',
      `/console/widgets/${hostile.conversations[0]?.widgetId}`,
    ]) {
      await route(page, path);
      findings.push(...judge(`console ${path}`, await settledAudit(page, [hostile.env.serverUrl]), events, []));
    }
    expect(findings).toEqual([]);
  });
});

/** A route change inside the console, as a click in it makes: no page load per conversation. */
async function route(page: Page, path: string): Promise<void> {
  await page.evaluate((to) => {
    history.pushState(null, '', to);
    dispatchEvent(new PopStateEvent('popstate'));
  }, path);
}

/**
 * The conversation in the widget on the host page, as a returning visitor sees it: its session is in
 * the widget's storage, the window open, the whole history rendered from the server.
 */
async function inWidget(browser: Browser, hostile: HostileEnv, conversation: HostileConversation): Promise<string[]> {
  const context = await browser.newContext({ bypassCSP: true });
  try {
    await installPwnedHook(context);
    const { token, conversationId, expiresAt } = conversation;
    const stored = JSON.stringify({ session: { token, conversationId, expiresAt }, open: true });
    await context.addInitScript(([key, value]) => localStorage.setItem(key, value), [
      `parley:v1:${conversation.widgetId}`,
      stored,
    ] as const);
    const page = await context.newPage();
    const events: string[] = [];
    watchPage(page, events);
    await page.goto(`${hostile.env.hostUrl}/script-tag.html?widget=${conversation.widgetId}`);
    await widget(page)
      .log()
      .getByText(conversation.sentinel)
      .waitFor({ timeout: 60_000 })
      .catch((error: unknown) => events.push(`the last message never showed: ${String(error).slice(0, 200)}`));
    const audit = await settledAudit(page, [hostile.env.serverUrl, hostile.env.hostUrl], conversation.widgetShows);
    return judge(`widget ${conversationId}`, audit, events, conversation.widgetShows, conversation.hidden);
  } finally {
    await context.close();
  }
}

/**
 * The audit once the page's lazy parts (rich renderers, images that fail to load) had their chance
 * to act: again while some expected text is missing, for a while (a lazy renderer may still be loading).
 */
async function settledAudit(page: Page, origins: readonly string[], shows: readonly Shown[] = []): Promise<AuditResult> {
  await page.waitForLoadState('networkidle');
  for (let tries = 0; ; tries++) {
    const audit = await auditPage(page, origins);
    if (tries >= 20 || missing(audit, shows).length === 0) return audit;
    await page.waitForTimeout(500);
  }
}

/** The expected texts the page does not show. */
function missing(audit: AuditResult, shows: readonly Shown[]): Shown[] {
  const asPlain = plain(audit.text);
  const asMarkdown = markdownVisible(audit.text);
  return shows.filter((shown) =>
    shown.kind === 'plain' ? !asPlain.includes(plain(shown.text)) : !asMarkdown.includes(markdownVisible(shown.text)),
  );
}

/** Every finding of one page, each in a line naming the page, so a failure says what and where. */
function judge(where: string, audit: AuditResult, events: string[], shows: readonly Shown[], hidden: readonly string[] = []): string[] {
  const findings = [
    ...audit.pwned.map((call) => `${where}: __pwned(${call}) ran`),
    ...events.splice(0).map((event) => `${where}: ${event}`),
    ...audit.problems.map((problem) => `${where}: ${problem}`),
    ...hidden.filter((marker) => audit.text.includes(marker)).map((marker) => `${where}: a refused text shows: ${marker}`),
  ];
  for (const shown of missing(audit, shows))
    findings.push(`${where}: ${shown.slot} not shown as text: ${JSON.stringify(shown.text.slice(0, 120))}`);
  return findings;
}
