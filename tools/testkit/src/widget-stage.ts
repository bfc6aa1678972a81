import type { Browser } from 'playwright-core';
import { SCRIPTED_BOT_ASSETS, startScriptedBot, type ScriptedBot } from './scripted-bot.js';
import type { WidgetEnv } from './widget-env.js';

/** What the widget states are pictured with: their widgets, the scripted bot, a picture to upload. */
export interface WidgetStage {
  readonly widgets: {
    /** The demo widget of the first start (the built-in FAQ bot). */
    readonly demo: string;
    /** Answered by the scripted bot: carousel, form, a held stream. */
    readonly rich: string;
    /** The scripted bot with attachments on. */
    readonly files: string;
    /** Arabic only, with an Arabic FAQ bot: the right-to-left layout. */
    readonly arabic: string;
    /** The demo bot in the dark theme with the site's own colour. */
    readonly dark: string;
    /** The demo bot under a title too long for one line (the header wraps it). */
    readonly long: string;
    /** The demo bot, asking for an email before the chat (contactCollection "before", required). */
    readonly contact: string;
    /** The same in the dark theme. */
    readonly contactDark: string;
    /** Arabic, with the site's own texts left in English (bidi isolation keeps their punctuation right). */
    readonly arabicCustom: string;
    /** The scripted bot with math on (inline and display formulas). */
    readonly math: string;
    /** The scripted bot in the dark theme, math on. */
    readonly richDark: string;
    /** The scripted bot in an Arabic (right-to-left) widget. */
    readonly richRtl: string;
    /** The scripted bot with carousels and forms off: their text fallbacks. */
    readonly plain: string;
    readonly plainDark: string;
    /** The demo bot behind the consent gate, with self-service (privacy menu: download, delete, withdraw). */
    readonly privacy: string;
    readonly privacyDark: string;
    /** The same in Arabic (right to left), with the Arabic FAQ bot. */
    readonly privacyRtl: string;
    /** A page-view campaign from the agent Sam Rivera, with quick replies (docs/campaigns.md), shown as the peek. */
    readonly campaign: string;
    readonly campaignDark: string;
    /** The same in Arabic (right to left). */
    readonly campaignRtl: string;
    /** The demo bot with calls from the visitor (calls.visitor video): the header's call buttons. */
    readonly calls: string;
    /** The same in Arabic (right to left). */
    readonly callsRtl: string;
  };
  /** The console's address, and how Sam Rivera (an agent) logs into it: the other side of a call. */
  readonly serverUrl: string;
  readonly agentLogin: { readonly email: string; readonly password: string };
  /** The admin API of the stage's server (an agent's reply, a resolve). */
  readonly admin: WidgetEnv['admin'];
  /** The agent the stage's API replies answer as (`agentId`): the visitor sees a person, not the key. */
  readonly agentId: string;
  readonly bot: ScriptedBot;
  /** A screenshot-like PNG a visitor might send (for Playwright's setInputFiles). */
  readonly photo: { readonly name: string; readonly mimeType: string; readonly buffer: Buffer };
  close(): Promise<void>;
}

/** A made-up checkout page with an error, drawn by the browser: the kind of picture visitors send support. */
const PHOTO_PAGE = `<body style="margin:0;font:15px system-ui,sans-serif">
<div id="shot" style="width:640px;height:400px;background:#f4f6f9;padding:28px;box-sizing:border-box">
<div style="background:#fff;border-radius:12px;padding:22px;box-shadow:0 2px 8px rgba(0,0,0,.08)">
<div style="font-weight:700;font-size:20px;margin-bottom:14px">Checkout</div>
<div style="height:12px;width:70%;background:#e3e7ee;border-radius:6px;margin:10px 0"></div>
<div style="height:12px;width:52%;background:#e3e7ee;border-radius:6px;margin:10px 0"></div>
<div style="height:40px;border:1px solid #cfd5de;border-radius:8px;margin:16px 0"></div>
<div style="background:#fde8e8;color:#8a1c1c;border-radius:8px;padding:12px 14px;font-weight:600">Payment failed: card declined (code 402)</div>
<div style="margin-top:16px;background:#1f5fd1;color:#fff;border-radius:8px;padding:11px;text-align:center;font-weight:600">Pay $29.00</div>
</div></div></body>`;

async function drawPhoto(browser: Browser): Promise<Buffer> {
  const page = await browser.newPage({ viewport: { width: 640, height: 400 } });
  try {
    await page.setContent(PHOTO_PAGE);
    return await page.locator('#shot').screenshot();
  } finally {
    await page.close();
  }
}

/** Creates the widgets and bots the states need on `env`'s server, and serves the bot's pictures from the host origin. */
export async function prepareWidgetStage(env: WidgetEnv, browser: Browser): Promise<WidgetStage> {
  for (const [name, svg] of SCRIPTED_BOT_ASSETS) env.files.set(name, svg);
  const [bot, photo, demo] = await Promise.all([
    startScriptedBot({ assets: env.hostUrl }),
    drawPhoto(browser),
    env.admin('GET', `/v1/widgets/${env.widgetId}`),
  ]);
  try {
    const scripted = await env.admin('POST', '/v1/bots', {
      kind: 'webhook',
      name: 'Acme assistant',
      config: { url: bot.url, flavor: 'generic', stream: true, allowPrivateNetwork: true },
    });
    const arabicBot = await env.admin('POST', '/v1/bots', {
      kind: 'builtin',
      name: 'مساعد المتجر',
      config: {
        rules: [{ patterns: ['مرحبا', 'أهلا'], answer: 'أهلاً بك! كيف يمكنني مساعدتك اليوم؟', quickReplies: ['الأسعار', 'ساعات العمل'] }],
        fallback: 'عذراً، لم أفهم ذلك. جرّب «الأسعار» أو «ساعات العمل».',
      },
    });
    const create = async (settings: Record<string, unknown>) => (await env.admin('POST', '/v1/widgets', settings)).id;
    const contactBefore = { when: 'before', required: true, fields: ['email'] };
    const [rich, files, arabic, dark, long, contact, contactDark, arabicCustom] = await Promise.all([
      create({ name: 'Rich', botId: scripted.id, title: 'Acme support' }),
      create({ name: 'Files', botId: scripted.id, title: 'Acme support', attachments: true }),
      create({ name: 'Arabic', botId: arabicBot.id, language: 'ar', languages: ['ar'] }),
      create({ name: 'Dark', botId: demo['botId'], title: 'Night owl', theme: { mode: 'dark', primaryColor: '#7c3aed' } }),
      create({ name: 'Long', botId: demo['botId'], title: 'Acme Corporation Customer Support and Sales, Europe and Middle East' }),
      create({ name: 'Contact', botId: demo['botId'], title: 'Acme support', contactCollection: contactBefore }),
      create({
        name: 'Contact dark',
        botId: demo['botId'],
        title: 'Night owl',
        contactCollection: contactBefore,
        theme: { mode: 'dark', primaryColor: '#7c3aed' },
      }),
      create({
        name: 'Arabic, English texts',
        botId: arabicBot.id,
        language: 'ar',
        languages: ['ar'],
        title: 'Chat with Acme!',
        intro: 'Hi! Ask us anything (we answer in minutes).',
      }),
    ]);
    const privacySettings = { consent: true, selfService: true, consentVersion: '1', policyUrl: 'https://shop.example/privacy' };
    const scriptedDark = { botId: scripted.id, title: 'Acme support', theme: { mode: 'dark', primaryColor: '#7c3aed' } };
    const agentLogin = { email: `sam-${Date.now().toString(36)}@example.com`, password: 'a-long-enough-password' };
    const [math, richDark, richRtl, plain, plainDark, privacy, privacyDark, privacyRtl, agent] = await Promise.all([
      create({ name: 'Math', botId: scripted.id, title: 'Acme support', math: true }),
      create({ name: 'Rich dark', ...scriptedDark, math: true }),
      create({ name: 'Rich Arabic', botId: scripted.id, language: 'ar', languages: ['ar'] }),
      create({ name: 'Plain', botId: scripted.id, title: 'Acme support', carousel: false, form: false }),
      create({ name: 'Plain dark', ...scriptedDark, carousel: false, form: false }),
      create({ name: 'Privacy', botId: demo['botId'], title: 'Acme support', privacy: privacySettings }),
      create({
        name: 'Privacy dark',
        botId: demo['botId'],
        title: 'Night owl',
        theme: { mode: 'dark', primaryColor: '#7c3aed' },
        privacy: privacySettings,
      }),
      create({ name: 'Privacy Arabic', botId: arabicBot.id, language: 'ar', languages: ['ar'], privacy: privacySettings }),
      env.admin('POST', '/v1/agents', { ...agentLogin, name: 'Sam Rivera' }),
    ]);
    // Campaigns: one from Sam, shown on every page view, to every fresh browser context (a state's own).
    const [campaign, campaignDark, campaignRtl] = await Promise.all([
      create({ name: 'Campaign', botId: demo['botId'], title: 'Acme support' }),
      create({ name: 'Campaign dark', botId: demo['botId'], title: 'Night owl', theme: { mode: 'dark', primaryColor: '#7c3aed' } }),
      create({ name: 'Campaign Arabic', botId: arabicBot.id, language: 'ar', languages: ['ar'] }),
    ]);
    const [calls, callsRtl] = await Promise.all([
      create({ name: 'Calls', botId: demo['botId'], title: 'Acme support', calls: { visitor: 'video' } }),
      create({ name: 'Calls Arabic', botId: arabicBot.id, language: 'ar', languages: ['ar'], calls: { visitor: 'video' } }),
    ]);
    const sam = { kind: 'agent', agentId: String(agent['id']) };
    await Promise.all(
      [
        [campaign, 'Hi! Want a quick **tour** of the new plans?', ['Yes please', 'Just looking']],
        [campaignDark, 'Hi! Want a quick **tour** of the new plans?', ['Yes please', 'Just looking']],
        [campaignRtl, 'مرحباً! هل تريد جولة سريعة في **الخطط** الجديدة؟', ['نعم من فضلك', 'أتصفح فقط']],
      ].map(([id, text, quickReplies]) =>
        env.admin('POST', `/v1/widgets/${String(id)}/campaigns`, {
          name: 'Plans tour',
          message: { text, quickReplies },
          sender: sam,
          trigger: { kind: 'page_view' },
        }),
      ),
    );
    // A page with two script tags (examples/two-script-tags.html): its second widget.
    env.fill.set('WIDGET2', dark);
    return {
      widgets: {
        demo: env.widgetId,
        rich,
        files,
        arabic,
        dark,
        long,
        contact,
        contactDark,
        arabicCustom,
        math,
        richDark,
        richRtl,
        plain,
        plainDark,
        privacy,
        privacyDark,
        privacyRtl,
        campaign,
        campaignDark,
        campaignRtl,
        calls,
        callsRtl,
      },
      serverUrl: env.serverUrl,
      agentLogin,
      admin: (method, path, body) => env.admin(method, path, body),
      agentId: String(agent['id']),
      bot,
      photo: { name: 'checkout.png', mimeType: 'image/png', buffer: photo },
      close: () => bot.close(),
    };
  } catch (error) {
    await bot.close();
    throw error;
  }
}
