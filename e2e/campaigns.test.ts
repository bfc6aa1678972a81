import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { axeViolations, launchBrowser, openConsole, startWidgetEnv, widget, type WidgetEnv } from '@parley/testkit';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { widgetBundleSizes } from '../bench/widget-size.js';
import { conversationOf } from './support/desk-people.js';

const DIST = fileURLToPath(new URL('../packages/widget/dist-browser/', import.meta.url));
const SHOTS = process.env['PARLEY_CAMPAIGN_SHOTS'];

type Body = Record<string, unknown>;

/** The text the widget's shadow root shows (peek, window, launcher), for checks that must not wait. */
const widgetText = (page: Page): Promise<string> =>
  page.evaluate(() => document.querySelector('[data-parley]')?.shadowRoot?.textContent ?? '');

/** The page's own clock (ms since navigation) once `text` shows in the widget. */
const shownAt = async (page: Page, text: string): Promise<number> => {
  const handle = await page.waitForFunction(
    (wanted) => (document.querySelector('[data-parley]')?.shadowRoot?.textContent ?? '').includes(wanted) && performance.now(),
    text,
    { timeout: 30_000, polling: 50 },
  );
  return Number(await handle.jsonValue());
};

/** The widget is up and its campaigns extra ran: what it would show on load is there now. */
async function settled(page: Page): Promise<void> {
  await widget(page).launcher().waitFor({ timeout: 30_000 });
  await page.waitForFunction(
    () => performance.getEntriesByType('resource').some((entry) => /\/campaigns\.js$/.test(entry.name)),
    undefined,
    {
      timeout: 30_000,
    },
  );
  // The extra evaluates page-view campaigns as it starts: a moment after its script arrived.
  await page.waitForTimeout(700);
}

/** axe on the page: with a peek, the launcher's unread badge is part of its name (no label-content-name-mismatch). */
const axeClean = (page: Page) => axeViolations(page);

const track = (page: Page, name: string, data?: unknown) =>
  page.evaluate(([n, d]) => (window as unknown as { Parley: (...args: unknown[]) => void }).Parley('track', n, d), [name, data] as const);

// Real Chromium against the built server, host pages on another origin under a strict CSP; never a timed upper bound
// except where the trigger itself is about time (and then with seconds of slack).
describe('proactive messages (campaigns, issue 20)', { timeout: 120_000 }, () => {
  let env: WidgetEnv;
  let browser: Browser;
  let botId: unknown;
  const contexts: BrowserContext[] = [];

  const newWidget = async (settings: Body = {}): Promise<string> =>
    (await env.admin('POST', '/v1/widgets', { name: 'Campaigns', botId, ...settings })).id;
  const campaign = (widgetId: string, body: Body) =>
    env.admin('POST', `/v1/widgets/${widgetId}/campaigns`, { name: String(body['name'] ?? 'Campaign'), ...body });
  const message = (text: string): Body => ({ message: { text } });
  const page = (widgetId: string, query = '') => `${env.hostUrl}/script-tag.html?widget=${widgetId}${query}`;
  const context = async (options: Parameters<Browser['newContext']>[0] = {}): Promise<BrowserContext> => {
    const made = await browser.newContext({ viewport: { width: 1280, height: 800 }, bypassCSP: true, ...options });
    contexts.push(made);
    return made;
  };
  const visit = async (ctx: BrowserContext, url: string): Promise<Page> => {
    const opened = await ctx.newPage();
    await opened.goto(url);
    return opened;
  };
  const notShown = async (p: Page, text: string) => expect(await widgetText(p)).not.toContain(text);

  beforeAll(async () => {
    [env, browser] = await Promise.all([startWidgetEnv(), launchBrowser()]);
    botId = (await env.admin('GET', `/v1/widgets/${env.widgetId}`))['botId'];
  });
  afterAll(async () => {
    for (const ctx of contexts) await ctx.close().catch(() => undefined);
    await browser?.close();
    await env?.close();
  });

  it('shows a page-view campaign from a named agent as the peek, opens it with its quick replies, and counts shown, opened, replied', async () => {
    const grace = { email: 'grace@example.com', password: 'grace-password-1' };
    const agent = await env.admin('POST', '/v1/agents', { ...grace, name: 'Grace Hopper', role: 'admin' });
    const widgetId = await newWidget();
    const created = await campaign(widgetId, {
      name: 'Welcome',
      message: { text: 'Hi! Want a **tour** of the new plans?', quickReplies: ['Yes please'] },
      sender: { kind: 'agent', agentId: agent.id },
      trigger: { kind: 'page_view' },
    });
    const ctx = await context();
    const p = await visit(ctx, page(widgetId));
    const peek = p.getByRole('status').filter({ hasText: 'Want a tour' });
    await peek.waitFor({ timeout: 30_000 });
    await expect(peek.innerText()).resolves.toContain('Grace Hopper');
    // The launcher's name holds its badge's count (the badge itself is hidden from assistive technology).
    await expect(widget(p).launcher().getAttribute('aria-label')).resolves.toBe('Open chat, 1 unread messages');
    expect(await axeClean(p)).toEqual([]);
    if (SHOTS !== undefined) await p.screenshot({ path: `${SHOTS}/campaign-peek-1280.png` });

    await peek.getByRole('button', { name: /Want a tour/ }).click();
    const log = widget(p).log();
    await log.getByText('Want a').waitFor();
    expect(await log.innerText()).toContain('Grace Hopper');
    expect(await axeClean(p)).toEqual([]);
    if (SHOTS !== undefined) await p.screenshot({ path: `${SHOTS}/campaign-window-1280.png` });
    await log.getByRole('button', { name: 'Yes please' }).click();
    await expect.poll(() => log.innerText(), { timeout: 30_000 }).toMatch(/Yes please[\s\S]*\S/);
    // The conversation starts with the campaign's message, once: the stored copy replaced the one the view held.
    expect((await log.innerText()).match(/Want a/g)).toHaveLength(1);

    // The agent's console shows what the visitor answered: the campaign's message, from Grace, above the reply.
    // The widget stores its session a moment after the reply shows: wait for it rather than read it once.
    await expect.poll(() => conversationOf(p, widgetId), { timeout: 15_000 }).toMatch(/^conv_/);
    const conversationId = await conversationOf(p, widgetId);
    const desk = await openConsole(browser, { baseUrl: env.serverUrl, adminEmail: grace.email, adminPassword: grace.password });
    contexts.push(desk.context());
    await desk.goto(`${env.serverUrl}/console/inbox/${conversationId}`);
    const thread = desk.locator('#main');
    await thread.getByText('Yes please').first().waitFor({ timeout: 30_000 });
    const order = await thread.innerText();
    expect(order.indexOf('Want a')).toBeGreaterThan(-1);
    expect(order.indexOf('Want a')).toBeLessThan(order.lastIndexOf('Yes please'));
    // The agent is told the visitor answered a proactive message, and which.
    expect(await thread.locator('.bubble-row').filter({ hasText: 'Want a' }).locator('.bubble-head').innerText()).toContain(
      'Campaign: Welcome',
    );
    expect(await axeClean(desk), 'console with the campaign message and its quick replies').toEqual([]);
    if (SHOTS !== undefined) await desk.screenshot({ path: `${SHOTS}/campaign-console-1280.png` });

    const today = new Date().toISOString().slice(0, 10);
    await expect
      .poll(async () => (await env.admin('GET', `/v1/reports/campaigns?from=${today}&to=${today}&widgetId=${widgetId}`))['items'], {
        timeout: 15_000,
      })
      .toEqual([{ campaignId: created.id, widgetId, name: 'Welcome', shown: 1, opened: 1, replied: 1, replyRate: 1 }]);
  });

  it('looks right at 375 px and in dark mode (axe clean)', async () => {
    const widgetId = await newWidget({ theme: { mode: 'dark' } });
    await campaign(widgetId, { ...message('Need help choosing a size?'), trigger: { kind: 'page_view' }, display: 'both' });
    const ctx = await context({ viewport: { width: 375, height: 740 } });
    const p = await visit(ctx, page(widgetId));
    // `both` on a narrow screen: the peek only (an opened window would cover the page).
    await p.getByRole('status').filter({ hasText: 'Need help choosing' }).waitFor({ timeout: 30_000 });
    expect(await p.getByRole('dialog').count()).toBe(0);
    expect(await axeClean(p)).toEqual([]);
    if (SHOTS !== undefined) await p.screenshot({ path: `${SHOTS}/campaign-peek-dark-375.png` });
    // On a wide screen `both` opens the window.
    const wide = await visit(await context(), page(widgetId));
    await widget(wide).log().getByText('Need help choosing').waitFor({ timeout: 30_000 });
  });

  it('shows a right-to-left message right to left, in an Arabic widget (axe clean)', async () => {
    const widgetId = await newWidget({ language: 'ar' });
    await campaign(widgetId, { ...message('هل تحتاج إلى مساعدة في اختيار الخطة؟'), trigger: { kind: 'page_view' }, display: 'window' });
    const p = await visit(await context(), page(widgetId));
    const bubble = widget(p).log().getByText('هل تحتاج إلى مساعدة');
    await bubble.waitFor({ timeout: 30_000 });
    expect(await bubble.evaluate((element) => getComputedStyle(element).direction)).toBe('rtl');
    expect(await axeClean(p)).toEqual([]);
    if (SHOTS !== undefined) await p.screenshot({ path: `${SHOTS}/campaign-window-rtl-1280.png` });
  });

  it('time on page: waits its seconds on this page', async () => {
    const widgetId = await newWidget();
    await campaign(widgetId, { ...message('Still deciding?'), trigger: { kind: 'time_on_page', seconds: 6 }, display: 'window' });
    const p = await visit(await context(), page(widgetId));
    await settled(p);
    const early = await p.evaluate(() => performance.now());
    if (early < 5500) await notShown(p, 'Still deciding?');
    expect(await shownAt(p, 'Still deciding?')).toBeGreaterThanOrEqual(6000);
    await widget(p).log().getByText('Still deciding?').waitFor();
  });

  it('follows a single-page site: a route change by history.pushState is a page view, and time on page counts from it', async () => {
    const pricing = await newWidget();
    await campaign(pricing, {
      ...message('Questions about pricing?'),
      trigger: { kind: 'page_view' },
      pages: { include: [{ match: 'wildcard', value: '*route=pricing*' }] },
    });
    const p = await visit(await context(), page(pricing));
    await settled(p);
    await notShown(p, 'Questions about pricing?');
    // A router moves to the pricing route without loading a page.
    await p.evaluate(() => history.pushState({}, '', `${location.pathname}${location.search}&route=pricing`));
    await p.getByRole('status').filter({ hasText: 'Questions about pricing?' }).waitFor({ timeout: 30_000 });

    const help = await newWidget();
    await campaign(help, {
      ...message('Stuck? We can help.'),
      trigger: { kind: 'time_on_page', seconds: 2 },
      pages: { include: [{ match: 'wildcard', value: '*route=help*' }] },
      display: 'window',
    });
    const q = await visit(await context(), page(help));
    await settled(q);
    // Past the 2 s on the first route (which the campaign's pages leave out), then to the help route: 2 s from there.
    await q.waitForFunction(() => performance.now() > 2500);
    await notShown(q, 'Stuck?');
    const moved = await q.evaluate(() => {
      history.pushState({}, '', `${location.pathname}${location.search}&route=help`);
      return performance.now();
    });
    expect((await shownAt(q, 'Stuck? We can help.')) - moved).toBeGreaterThanOrEqual(1900);
  });

  it('time on site: counts the time spent on earlier pages of the visit', async () => {
    const widgetId = await newWidget();
    await campaign(widgetId, {
      ...message('Thanks for browsing!'),
      trigger: { kind: 'time_on_site', seconds: 8 },
      pages: { include: [{ match: 'wildcard', value: '*page=b*' }] },
    });
    const p = await visit(await context(), page(widgetId, '&page=a'));
    await settled(p);
    await p.waitForFunction(() => performance.now() > 8500, undefined, { timeout: 30_000 });
    await notShown(p, 'Thanks for browsing!');
    await p.goto(page(widgetId, '&page=b'));
    // Shown on page b before page b alone reached 8 s: the visit's earlier seconds counted.
    expect(await shownAt(p, 'Thanks for browsing!')).toBeLessThan(8000);
  });

  it('URL rules: exact, regex and wildcard includes, and an exclusion that wins', async () => {
    const widgetId = await newWidget();
    await campaign(widgetId, {
      ...message('Plans compared'),
      trigger: { kind: 'page_view' },
      cap: { kind: 'once_per_session' },
      pages: {
        include: [
          { match: 'regex', value: '[?&]section=(pricing|plans)(&|$)' },
          { match: 'exact', value: `/script-tag.html?widget=${widgetId}&section=home` },
        ],
        exclude: [{ match: 'wildcard', value: '*draft=1*' }],
      },
    });
    const ctx = await context();
    for (const [query, shown] of [
      ['&section=about', false],
      ['&section=pricing&draft=1', false],
      ['&section=homepage', false],
      ['&section=plans', true],
      ['&section=home', true],
    ] as const) {
      const p = await visit(ctx, page(widgetId, query));
      await settled(p);
      if (shown) await p.getByRole('status').filter({ hasText: 'Plans compared' }).waitFor();
      else await notShown(p, 'Plans compared');
      await p.close();
    }
  });

  it('exit intent: the pointer leaving through the top of the viewport on a desktop, never on a touch screen', async () => {
    const widgetId = await newWidget();
    await campaign(widgetId, { ...message('Before you go: 10% off'), trigger: { kind: 'exit_intent' }, cap: { kind: 'once_per_session' } });
    const p = await visit(await context(), page(widgetId));
    await settled(p);
    await p.mouse.move(640, 400);
    await p.mouse.move(640, 200);
    await notShown(p, 'Before you go');
    await p.mouse.move(640, 5);
    await p.mouse.move(640, -20);
    await p.getByRole('status').filter({ hasText: 'Before you go' }).waitFor({ timeout: 15_000 });

    const phone = await visit(await context({ viewport: { width: 375, height: 740 }, hasTouch: true, isMobile: true }), page(widgetId));
    await settled(phone);
    await phone.mouse.move(200, 300);
    await phone.mouse.move(200, -20);
    await phone.waitForTimeout(500);
    await notShown(phone, 'Before you go');
  });

  it('scroll depth: shows once the visitor scrolled that far down the page', async () => {
    const widgetId = await newWidget();
    await campaign(widgetId, { ...message('Found what you need?'), trigger: { kind: 'scroll_depth', percent: 60 } });
    const p = await visit(await context(), page(widgetId));
    await p.evaluate(() => {
      document.body.style.height = '4000px';
    });
    await settled(p);
    await p.mouse.wheel(0, 800);
    await p.waitForTimeout(500);
    await notShown(p, 'Found what you need?');
    await p.mouse.wheel(0, 2400);
    await p.getByRole('status').filter({ hasText: 'Found what you need?' }).waitFor({ timeout: 15_000 });
  });

  it('custom event: Parley("track", name, data), queued before the widget loaded or called after', async () => {
    const widgetId = await newWidget();
    await campaign(widgetId, {
      ...message('Checkout help'),
      trigger: { kind: 'event', name: 'checkout_started' },
      cap: { kind: 'once_per_session' },
    });
    const ctx = await context();
    // The queue snippet's call, made before widget.js even ran: the loader's queue carries it to the app.
    const queued = await ctx.newPage();
    await queued.addInitScript(() => {
      const stub = Object.assign((...args: unknown[]) => void (stub.q ??= []).push(args), { q: undefined as unknown[][] | undefined });
      Object.assign(window, { Parley: stub });
      stub('track', 'checkout_started', { total: 42 });
    });
    await queued.goto(page(widgetId));
    await queued.getByRole('status').filter({ hasText: 'Checkout help' }).waitFor({ timeout: 30_000 });
    await queued.close();

    const later = await visit(ctx, page(widgetId));
    await settled(later);
    await track(later, 'cart_viewed');
    await later.waitForTimeout(500);
    await notShown(later, 'Checkout help');
    await track(later, 'checkout_started');
    await later.getByRole('status').filter({ hasText: 'Checkout help' }).waitFor({ timeout: 15_000 });
  });

  it('audience: new visitors, then returning ones (a later visit of the same browser), the higher priority first', async () => {
    const widgetId = await newWidget();
    await campaign(widgetId, {
      ...message('Welcome, new friend'),
      trigger: { kind: 'event', name: 'go' },
      audience: { visitor: 'new' },
      priority: 1,
    });
    await campaign(widgetId, {
      ...message('Welcome back'),
      trigger: { kind: 'event', name: 'go' },
      audience: { visitor: 'returning' },
      priority: 2,
    });
    const ctx = await context();
    const first = await visit(ctx, page(widgetId));
    await settled(first);
    await track(first, 'go');
    await first.getByRole('status').filter({ hasText: 'Welcome, new friend' }).waitFor({ timeout: 15_000 });
    const again = await visit(ctx, page(widgetId));
    await settled(again);
    await track(again, 'go');
    await again.getByRole('status').filter({ hasText: 'Welcome back' }).waitFor({ timeout: 15_000 });
    expect(await widgetText(again)).not.toContain('new friend');
  });

  it('audience: identified visitors with a contact attribute the page gave', async () => {
    const widgetId = await newWidget();
    await campaign(widgetId, {
      ...message('Your Pro onboarding call'),
      trigger: { kind: 'event', name: 'go' },
      audience: { identified: 'yes', attributes: [{ key: 'plan', op: 'equals', value: 'pro' }] },
    });
    const p = await visit(await context(), page(widgetId));
    await settled(p);
    const call = (...args: unknown[]) => p.evaluate((a) => (window as unknown as { Parley: (...x: unknown[]) => void }).Parley(...a), args);
    await track(p, 'go');
    await p.waitForTimeout(300);
    await notShown(p, 'Pro onboarding');
    await call('setAttributes', { plan: 'pro' });
    await track(p, 'go');
    await p.waitForTimeout(300);
    await notShown(p, 'Pro onboarding'); // not identified
    await call('identify', { userId: 'user-7', userHash: 'a'.repeat(64) });
    await call('setAttributes', { plan: 'free' });
    await track(p, 'go');
    await p.waitForTimeout(300);
    await notShown(p, 'Pro onboarding'); // identified, other plan
    await call('setAttributes', { plan: 'pro' });
    await track(p, 'go');
    await p.getByRole('status').filter({ hasText: 'Pro onboarding' }).waitFor({ timeout: 15_000 });
  });

  it('audience: the widget’s language for this visitor', async () => {
    const widgetId = await newWidget({ languages: ['en', 'fr'] });
    await campaign(widgetId, { ...message('Bonjour !'), trigger: { kind: 'event', name: 'go' }, audience: { languages: ['fr'] } });
    const p = await visit(await context({ locale: 'en-US' }), page(widgetId));
    await settled(p);
    await track(p, 'go');
    await p.waitForTimeout(300);
    await notShown(p, 'Bonjour');
    await p.evaluate(() => (window as unknown as { Parley: (...x: unknown[]) => void }).Parley('setLocale', 'fr'));
    await p.waitForFunction(
      () => document.querySelector('[data-parley]')?.shadowRoot?.querySelector('.root')?.getAttribute('lang') === 'fr',
    );
    await track(p, 'go');
    await p.getByRole('status').filter({ hasText: 'Bonjour' }).waitFor({ timeout: 15_000 });
  });

  it('audience: business hours open or closed', async () => {
    const everyDay = ['mon', 'tue', 'wed', 'thu', 'fri', 'sat', 'sun'];
    const twoCampaigns = async (widgetId: string) => {
      await campaign(widgetId, {
        ...message('We are closed, leave a note'),
        trigger: { kind: 'event', name: 'go' },
        audience: { businessHours: 'closed' },
        priority: 5,
      });
      await campaign(widgetId, {
        ...message('We are online now'),
        trigger: { kind: 'event', name: 'go' },
        audience: { businessHours: 'open' },
        priority: 1,
      });
    };
    const open = await newWidget({ businessHours: { timezone: 'UTC', hours: [{ days: everyDay, from: '00:00', to: '23:59' }] } });
    const closed = await newWidget({ businessHours: { timezone: 'UTC', hours: [{ days: ['mon'], from: '03:00', to: '03:01' }] } });
    await twoCampaigns(open);
    await twoCampaigns(closed);
    for (const [widgetId, expected, other] of [
      [open, 'We are online now', 'leave a note'],
      [closed, 'We are closed, leave a note', 'online now'],
    ] as const) {
      const p = await visit(await context(), page(widgetId));
      await settled(p);
      await track(p, 'go');
      await p.getByRole('status').filter({ hasText: expected }).waitFor({ timeout: 15_000 });
      expect(await widgetText(p)).not.toContain(other);
    }
  });

  describe('frequency caps: reload, then a fresh page of the same browser', () => {
    const check = async (cap: Body, text: string, afterReload: boolean, freshPage: boolean, rewindDays = 0) => {
      const widgetId = await newWidget();
      const created = await campaign(widgetId, { ...message(text), trigger: { kind: 'page_view' }, cap });
      const ctx = await context();
      const p = await visit(ctx, page(widgetId));
      await p.getByRole('status').filter({ hasText: text }).waitFor({ timeout: 30_000 });
      await p.reload();
      await settled(p);
      if (afterReload) await p.getByRole('status').filter({ hasText: text }).waitFor();
      else await notShown(p, text);
      const fresh = await visit(ctx, page(widgetId));
      await settled(fresh);
      if (freshPage) await fresh.getByRole('status').filter({ hasText: text }).waitFor();
      else await notShown(fresh, text);
      if (rewindDays === 0) return;
      // Its last showing, moved back in the widget's own storage: the cap lets it show again.
      await fresh.evaluate(
        ([key, id, days]) => {
          const stored = JSON.parse(localStorage.getItem(key) ?? '{}') as { campaigns: Record<string, number> };
          stored.campaigns[id] = (stored.campaigns[id] ?? 0) - days * 86_400_000;
          localStorage.setItem(key, JSON.stringify(stored));
        },
        [`parley:v1:${widgetId}`, created.id, rewindDays] as const,
      );
      const later = await visit(ctx, page(widgetId));
      await later.getByRole('status').filter({ hasText: text }).waitFor({ timeout: 30_000 });
    };
    it('once per visitor: never again in this browser', () => check({ kind: 'once_per_visitor' }, 'Once ever', false, false));
    it('once per session: not on reload, again in a new tab', () => check({ kind: 'once_per_session' }, 'Once a session', false, true));
    it('every 2 days: not before, again after', () => check({ kind: 'every_days', days: 2 }, 'Every other day', false, false, 2));
  });

  it('stops a campaign at its end on a page that loaded it before', async () => {
    const widgetId = await newWidget();
    const endsAt = new Date(Date.now() + 12_000).toISOString();
    await campaign(widgetId, { ...message('Flash sale, today only'), trigger: { kind: 'event', name: 'go' }, endsAt });
    const p = await visit(await context(), page(widgetId));
    await settled(p);
    await p.waitForFunction((end) => Date.now() > Date.parse(end) + 500, endsAt, { timeout: 30_000 });
    await track(p, 'go');
    await p.waitForTimeout(500);
    await notShown(p, 'Flash sale');
  });

  it('greets a returning visitor with greeting.returning, a new one with the greeting', async () => {
    const widgetId = await newWidget({ initial: 'Hello there!', greeting: { returning: 'Good to see you again!' } });
    const ctx = await context();
    const first = await visit(ctx, page(widgetId));
    await settled(first);
    const open = (p: Page) => p.evaluate(() => (window as unknown as { Parley: (...x: unknown[]) => void }).Parley('open'));
    await open(first);
    await widget(first).log().getByText('Hello there!').waitFor();
    expect(await widget(first).log().innerText()).not.toContain('Good to see you');
    const again = await visit(ctx, page(widgetId));
    await settled(again);
    // (The window may be open already: the first page's opening is remembered.)
    await open(again);
    await widget(again).log().getByText('Good to see you again!').waitFor();
    expect(await widget(again).log().innerText()).not.toContain('Hello there!');
  });

  it('behind the consent gate: shows nothing and stores nothing before the visitor accepted', async () => {
    const widgetId = await newWidget({ privacy: { consent: true } });
    await campaign(widgetId, { ...message('Psst, a discount'), trigger: { kind: 'page_view' } });
    const p = await visit(await context(), page(widgetId));
    await settled(p);
    await notShown(p, 'Psst');
    expect(await p.evaluate(() => [Object.keys(localStorage), Object.keys(sessionStorage)])).toEqual([[], []]);
  });

  it('a widget without campaigns loads the core alone, byte for byte what the size bench measures', async () => {
    const widgetId = await newWidget();
    const p = await visit(await context(), page(widgetId));
    await widget(p).launcher().waitFor({ timeout: 30_000 });
    await widget(p).launcher().click();
    await widget(p).composer().waitFor();
    const scripts = await p.evaluate(() =>
      performance
        .getEntriesByType('resource')
        .map((entry) => entry.name)
        .filter((name) => name.endsWith('.js')),
    );
    expect(scripts.some((name) => name.endsWith('/campaigns.js'))).toBe(false);
    const manifest = JSON.parse(readFileSync(`${DIST}manifest.json`, 'utf8')) as {
      app: string;
      files: { file: string; role: string; static: string[] }[];
    };
    const app = manifest.files.find((file) => file.file === manifest.app);
    const campaignsFile = manifest.files.find((file) => file.role === 'campaigns');
    expect(campaignsFile, 'the build has the campaigns extra').toBeDefined();
    expect([manifest.app, ...(app?.static ?? [])]).not.toContain(campaignsFile?.file);
    // What the page fetched for the bubble and chat is the core the bench measures (and budgets), nothing more.
    const core = [manifest.app, ...(app?.static ?? [])];
    const fetched = scripts.map((url) => new URL(url).pathname.replace(/^\//, '')).filter((path) => path.startsWith('widget/'));
    expect(new Set(fetched.filter((path) => core.includes(path)))).toEqual(new Set(core));
    const bytes = core.reduce((total, file) => total + readFileSync(`${DIST}${file}`).length, 0);
    expect(bytes).toBe(widgetBundleSizes().core.minBytes);
  });
});
