import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { prepareWidgetStage, type WidgetStage } from './widget-stage.js';
import type { WidgetEnv } from './widget-env.js';
import { openConsole } from './console-demo.js';
import { addAfterWelcome, widget } from './widget-page.js';

/**
 * Every state of the widget a person should look at after changing it, driven in real Chromium
 * against the built server and widget: written by `npm run screenshots` (./screenshots/widget-*.png)
 * and by e2e/widget-screenshots.test.ts, which checks that each one was written.
 */
interface WidgetState {
  /** The picture's name: widget-<name>-<width>.png. */
  readonly name: string;
  /** Which of the stage's widgets the host page embeds. */
  readonly widget: keyof WidgetStage['widgets'];
  /** The host page in examples/ (the floating bubble unless said otherwise). */
  readonly hostPage?: string;
  /** Brings a freshly loaded host page to the state; returns what to do once it is pictured. */
  readonly reach: (page: Page, stage: WidgetStage) => Promise<(() => Promise<void>) | void>;
}

export interface WidgetShot {
  readonly state: string;
  readonly width: number;
  readonly file: string;
}

/** Desktop, and a phone (pictured at its device pixel ratio, so the phone pictures are sharp). */
const WIDGET_VIEWPORTS = [
  { width: 1280, height: 800, deviceScaleFactor: 1 },
  { width: 375, height: 812, deviceScaleFactor: 2 },
] as const;

// The launcher and the composer by their elements: their names are in the widget's language.
const open = (page: Page) => page.locator('[data-parley] button.launcher').click();
async function say(page: Page, text: string): Promise<void> {
  const box = page.locator('[data-parley] textarea');
  await box.fill(text);
  await box.press('Enter');
}

/** Two questions to the demo bot, each answered, in a window already open. */
async function chat(page: Page): Promise<void> {
  await say(page, 'hello');
  await widget(page).log().getByText('Ask me about pricing').waitFor();
  await say(page, 'How much does it cost?');
  await widget(page).log().getByText('free to self-host').waitFor();
}

async function converse(page: Page): Promise<void> {
  await open(page);
  await chat(page);
}

/** Waits until every picture in the conversation is decoded (a card's, an uploaded image). */
async function picturesShown(page: Page): Promise<void> {
  for (const image of await widget(page).log().locator('img').all()) {
    await image.evaluate((element: unknown) => (element as { decode(): Promise<void> }).decode());
  }
}

/**
 * A message written while the server cannot create the visitor's session (a node restarting, its storage away):
 * every creation is answered 503, so the widget keeps retrying and the message stays pending ("Sending…").
 */
function sendingWhileRefused(text: string): WidgetState['reach'] {
  return async (page) => {
    await page.route(/\/v1\/widgets\/[^/]+\/sessions$/, (route) =>
      route.request().method() === 'POST'
        ? route.fulfill({
            status: 503,
            contentType: 'application/json',
            body: '{"error":{"code":"PARLEY_ERR_STORAGE_UNAVAILABLE","message":"try again"}}',
          })
        : route.continue(),
    );
    await open(page);
    await say(page, text);
    await page.locator('[data-parley] .row.me.pending').waitFor();
    // From the second refusal the header says it is reconnecting.
    await page.locator('[data-parley] .conn').waitFor();
  };
}

/**
 * A message past the session's rate limit: the visitor's send is answered with the error frame a volume limit
 * answers with, in place of the gateway (a fresh server's limits are far from any screenshot), so the bubble says to slow down.
 */
function sentTooFast(text: string): WidgetState['reach'] {
  return async (page) => {
    await page.routeWebSocket(/\/v1\/realtime\/ws/, (socket) => {
      const server = socket.connectToServer();
      server.onMessage((message) => socket.send(message));
      socket.onMessage((message) => {
        const frame: unknown = typeof message === 'string' ? JSON.parse(message) : null;
        if (typeof frame !== 'object' || frame === null || !('type' in frame) || frame.type !== 'send' || !('clientId' in frame)) {
          server.send(message);
          return;
        }
        const clientId = String(frame.clientId);
        socket.send(
          JSON.stringify({ type: 'error', code: 'PARLEY_ERR_RATE_LIMITED', message: 'slow down', clientId, retryAfterMs: 42_000 }),
        );
      });
    });
    await open(page);
    await say(page, text);
    await page.locator('[data-parley] .row.me.failed').waitFor();
  };
}

/** A presence frame as the gateway sends it: one agent online, who typically answers within the hour. */
const REPLIES_IN_AN_HOUR = { type: 'presence', agentsOnline: 1, typicalReplyMs: 3_600_000, offline: false, offlineMessage: '' };

/** Adds `frame` after the gateway's welcome (see addAfterWelcome), then reaches the state with `reach`. */
function withPresence(frame: object, reach: WidgetState['reach']): WidgetState['reach'] {
  return async (page, stage) => {
    await addAfterWelcome(page, frame);
    return reach(page, stage);
  };
}

function openAndGreet(text: string): WidgetState['reach'] {
  return async (page) => {
    await open(page);
    await say(page, text);
    await page.locator('[data-parley] .row:not(.me) .bub').nth(1).waitFor();
  };
}

/**
 * "Email me this conversation" after a first answer: its dialog, or (`sent`) where the mail went. The stage's
 * server has no SMTP, so its config says so and the mail request is answered here, as a server that mails answers.
 */
function mailDialog(greeting: string, sent: boolean): WidgetState['reach'] {
  return async (page) => {
    await page.route(/\/v1\/widgets\/[^/]+\/config/, async (route) => {
      const response = await route.fetch();
      const config = (await response.json()) as Record<string, unknown>;
      await route.fulfill({ response, json: { ...config, services: { transcripts: true } } });
    });
    await page.route(/\/transcript\/email$/, (route) =>
      route.fulfill({ status: 202, contentType: 'application/json', body: JSON.stringify({ to: 'a•••@example.com' }) }),
    );
    // The widget may have read its config before the route: read again.
    await page.reload();
    await open(page);
    await say(page, greeting);
    await page.locator('[data-parley] .row:not(.me) .bub').nth(1).waitFor();
    await page.locator('[data-parley] .head button[aria-haspopup=dialog]').click();
    const dialog = page.locator('[data-parley] .mail');
    await dialog.locator('input').fill('ada@example.com');
    if (!sent) return;
    await dialog.locator('button[type=submit]').click();
    await dialog.locator('[role=status]').waitFor();
  };
}

/**
 * The consent gate and the privacy menu (issue 18), by their elements (the texts are in the widget's language):
 * `gate` the gate before Accept; `menu` the privacy menu after a first answer; `delete` the question before deleting the
 * conversation; `deleted` the word that it was (the server erases it: self-service is on).
 */
function privacyState(greeting: string, step: 'gate' | 'menu' | 'delete' | 'deleted'): WidgetState['reach'] {
  return async (page) => {
    await open(page);
    const gate = page.locator('[data-parley] .gate');
    await gate.locator('button.btn').waitFor();
    if (step === 'gate') return;
    await gate.locator('button.btn').click();
    await say(page, greeting);
    await page.locator('[data-parley] .row:not(.me) .bub').nth(1).waitFor();
    await page.locator('[data-parley] .head button[aria-haspopup=menu]').click();
    await page.locator('[data-parley] .pmenu').waitFor();
    if (step === 'menu') return;
    await page.locator('[data-parley] .pmenu button.danger').first().click();
    const dialog = page.locator('[data-parley] .dialog.privacy');
    await dialog.locator('button.danger').waitFor();
    if (step === 'delete') return;
    await dialog.locator('button.danger').click();
    await dialog.locator('button.danger').waitFor({ state: 'detached' });
  };
}

/** Asks the bot for a person while nobody is online: offline mode's email form. */
function offlineForm(text: string): WidgetState['reach'] {
  return async (page) => {
    await open(page);
    await say(page, text);
    await page.locator('[data-parley] form.off input').waitFor();
  };
}

async function maximized(page: Page): Promise<void> {
  await converse(page);
  // On a phone the window fills the screen already: there is no maximize button to press.
  const button = page.locator('[data-parley] .max-btn');
  if (await button.isVisible()) await button.click();
}

async function contactFirst(page: Page): Promise<void> {
  await open(page);
  await page.locator('[data-parley] .compose .hint').waitFor();
  await page.locator('[data-parley] form.form input').waitFor();
}

async function twoWidgets(page: Page): Promise<void> {
  const launchers = page.locator('[data-parley] button.launcher');
  await launchers.nth(1).waitFor();
  await launchers.nth(1).click();
  await page.getByRole('dialog').waitFor();
}

/** The visitor's conversation id, from what the widget stores for its widget id. */
async function conversationOf(page: Page, widgetId: string): Promise<string> {
  // The testkit compiles without the DOM library: the page's storage is reached through its global object.
  const stored = await page.evaluate(
    (key) => (globalThis as unknown as { localStorage: { getItem(name: string): string | null } }).localStorage.getItem(key) ?? '{}',
    `parley:v1:${widgetId}`,
  );
  return (JSON.parse(stored) as { session: { conversationId: string } }).session.conversationId;
}

/**
 * A person answers: the visitor talks to the bot (and asks for a human when `handoff` says how: "Waiting for a
 * human to join." stays in view above offline mode's form), then an agent replies twice in a row (one run: avatar,
 * name and time once).
 */
function agentReplies(greeting: string, handoff?: string): WidgetState['reach'] {
  return async (page, stage) => {
    await open(page);
    await say(page, greeting);
    await page.locator('[data-parley] .row:not(.me) .bub').nth(1).waitFor();
    if (handoff !== undefined) {
      await say(page, handoff);
      await page.locator('[data-parley] .sys').first().waitFor();
    }
    const widgetId = new URL(page.url()).searchParams.get('widget') ?? '';
    const id = await conversationOf(page, widgetId);
    // As an agent (agentId), as the console would: their name on the replies and "You are chatting with …".
    await stage.admin('POST', `/v1/inbox/${id}/messages`, { text: 'Hi, I am here to help.', agentId: stage.agentId });
    await stage.admin('POST', `/v1/inbox/${id}/messages`, { text: 'What is your **order number**?', agentId: stage.agentId });
    await widget(page).log().getByText('order number').waitFor();
  };
}

/**
 * The conversation link's dialog (docs/async-mode.md), offered while a human is in the conversation: the link
 * made, its field and Copy. By its elements (the texts are in the widget's language).
 */
function conversationLink(greeting: string): WidgetState['reach'] {
  return async (page, stage) => {
    await agentReplies(greeting)(page, stage);
    await page.locator('[data-parley] .head button[aria-haspopup=dialog]').click();
    await page.locator('[data-parley] [role=dialog] input[type=url]').waitFor();
  };
}

/** The conversation resolved by an agent: four stars chosen and a comment typed, not sent yet. */
function rating(greeting: string, comment: string): WidgetState['reach'] {
  return async (page, stage) => {
    await agentReplies(greeting)(page, stage);
    const id = await conversationOf(page, new URL(page.url()).searchParams.get('widget') ?? '');
    await stage.admin('POST', `/v1/inbox/${id}/resolve`, {});
    await page.locator('[data-parley] .stars button').nth(3).click();
    await page.locator('[data-parley] .rating textarea').fill(comment);
  };
}

/** A carousel scrolled to its second card: both arrows, the fade and "2 / 3". */
function carouselAt(question: string): WidgetState['reach'] {
  return async (page) => {
    await open(page);
    await say(page, question);
    await widget(page).log().getByText('Free forever').waitFor();
    await picturesShown(page);
    await page.locator('[data-parley] .nav.next').click();
    await page.locator('[data-parley] .nav.prev').waitFor();
  };
}

function askScripted(question: string, shown: string): WidgetState['reach'] {
  return async (page) => {
    await open(page);
    await say(page, question);
    await widget(page).log().getByText(shown).first().waitFor();
    await picturesShown(page);
  };
}

/**
 * The chrome extra (header and composer tools) never arrives (a redeploy removed it): after its retries (1 s, 3 s)
 * each of its parts is a Retry chip named "Something didn't load. Retry". A greeting gives the header its tools
 * (restart, export) where the composer has none. The chunk is served again afterwards.
 */
function chunkFails(greeting?: string): WidgetState['reach'] {
  return async (page) => {
    const chunk = /\/widget\/[0-9a-f]{16}\/chrome\.js$/;
    await page.route(chunk, (route) => route.abort('connectionreset'));
    await open(page);
    if (greeting !== undefined) await say(page, greeting);
    await page.locator('[data-parley] [role=alert] button').first().waitFor();
    return () => page.unroute(chunk);
  };
}

/** A campaign's peek (from the agent Sam Rivera), shown on page view by the campaigns extra. */
const campaignPeek = async (page: Page): Promise<void> => {
  await page.locator('[data-parley] button.launcher').waitFor();
  await page.getByRole('status').getByText('Sam Rivera').waitFor();
};

/** The campaign's peek opened: the window with its message and quick replies. */
const campaignWindow = async (page: Page): Promise<void> => {
  await campaignPeek(page);
  await page.getByRole('status').getByRole('button').first().click();
  await widget(page).log().getByRole('button').first().waitFor();
};

/**
 * Switches for the screenshot browser: Chromium's fake camera, microphone and screen, granted without asking, for
 * the call states (the other states are unaffected).
 */
export const WIDGET_STATES_BROWSER_ARGS = [
  '--use-fake-ui-for-media-stream',
  '--use-fake-device-for-media-stream',
  '--auto-select-desktop-capture-source=Entire screen',
] as const;

/** The console beside a call state's widget: pictured too (console-call-<state>-<width>.png), the agent's call panel. */
const agentOf = new WeakMap<Page, Page>();

/** Sam Rivera in the console, in a browser context of their own, on the visitor's conversation (live). */
async function agentOn(page: Page, stage: WidgetStage, conversationId: string): Promise<Page> {
  const browser = page.context().browser();
  if (browser === null) throw new Error('the page has no browser to open the console in');
  const { serverUrl, agentLogin } = stage;
  const login = { baseUrl: serverUrl, adminEmail: agentLogin.email, adminPassword: agentLogin.password };
  // Under load (two lanes of calls, other suites) a login form once took past its minute to show: one more try.
  const agent = await openConsole(browser, login).catch(() => openConsole(browser, login));
  await agent.setViewportSize(page.viewportSize() ?? { width: 1280, height: 800 });
  await agent.goto(`${serverUrl}/console/inbox/${conversationId}`);
  // Two lanes of calls on two shared cores: a console that has not gone live in 30 s is loaded once more.
  await agent
    .getByText('live (ws)')
    .waitFor({ timeout: 30_000 })
    .catch(async () => {
      await agent.reload();
      await agent.getByText('live (ws)').waitFor();
    });
  agentOf.set(page, agent);
  return agent;
}

/** The visitor's (English) widget has a conversation with a person asked for; Sam has it open in the console. */
async function callReady(page: Page, stage: WidgetStage): Promise<Page> {
  await open(page);
  await say(page, 'hello');
  await page.locator('[data-parley] .row:not(.me) .bub').nth(1).waitFor();
  const widgetId = new URL(page.url()).searchParams.get('widget') ?? '';
  return agentOn(page, stage, await conversationOf(page, widgetId));
}

/** Until the widget's remote video shows frames (the fake camera's), so the picture is not of a black box. */
async function remoteVideoPlaying(page: Page): Promise<void> {
  await page.waitForFunction(() => {
    const host = (
      globalThis as unknown as { document: { querySelector(s: string): { shadowRoot: unknown } | null } }
    ).document.querySelector('[data-parley]');
    const root = (host?.shadowRoot ?? null) as { querySelectorAll(s: string): ArrayLike<{ videoWidth: number }> } | null;
    return root !== null && Array.from(root.querySelectorAll('video')).some((video) => video.videoWidth > 0);
  });
}

/**
 * The widget's call extra (issue 22) against Sam in the console, both in this browser with fake media:
 * `incoming` Sam's video call asking; `active` answered, video flowing; `ended` ended by the visitor; `screen-ask` Sam
 * asks to see the screen; `sharing` the visitor shares it.
 */
function agentCall(step: 'incoming' | 'active' | 'ended' | 'screen-ask' | 'sharing'): WidgetState['reach'] {
  return async (page, stage) => {
    const agent = await callReady(page, stage);
    const closeAgent = () => agent.context().close();
    try {
      if (step === 'screen-ask' || step === 'sharing') {
        await agent.getByRole('button', { name: 'Ask to share screen' }).click();
        const ask = page.getByRole('alertdialog', { name: /asks to see your screen/ });
        await ask.waitFor();
        if (step === 'screen-ask') return closeAgent;
        await ask.getByRole('button', { name: 'Share screen' }).click();
        await page.getByText('You are sharing your screen').waitFor();
        await agent.locator('.call-panel[data-call-state="active"]').waitFor();
        return closeAgent;
      }
      await agent.getByRole('button', { name: 'Video call' }).click();
      const prompt = page.getByRole('alertdialog', { name: /is calling you/ });
      await prompt.waitFor();
      if (step === 'incoming') return closeAgent;
      await prompt.getByRole('button', { name: 'Accept' }).click();
      await page.getByRole('region', { name: 'Video call' }).getByText('In call').waitFor();
      await remoteVideoPlaying(page);
      if (step === 'active') return closeAgent;
      await page.getByRole('button', { name: 'End call' }).click();
      await page.getByText('Call ended').waitFor();
      return closeAgent;
    } catch (error) {
      await closeAgent();
      throw error;
    }
  };
}

/** The visitor calls from the header (calls.visitor video) with Sam online in the console: "Calling…". */
async function visitorRinging(page: Page, stage: WidgetStage): Promise<() => Promise<void>> {
  const agent = await callReady(page, stage);
  try {
    await page.locator('[data-parley] .head').getByRole('button', { name: 'Video call' }).click();
    await page.getByText('Calling…').waitFor();
    await agent.getByRole('alertdialog', { name: /is calling/ }).waitFor();
  } catch (error) {
    await agent.context().close();
    throw error;
  }
  return () => agent.context().close();
}

/**
 * An Arabic widget whose browser refuses the camera: getUserMedia rejects as a browser does when the visitor (or a
 * policy) said no, and the call panel says so, right to left.
 */
async function callDeniedRtl(page: Page): Promise<void> {
  await page.addInitScript(() => {
    const media = (globalThis as unknown as { navigator: { mediaDevices: { getUserMedia: unknown } } }).navigator.mediaDevices;
    media.getUserMedia = () => Promise.reject(new DOMException('Permission denied', 'NotAllowedError'));
  });
  await page.reload();
  await open(page);
  await page.locator('[data-parley] .head').getByRole('button', { name: 'مكالمة فيديو' }).click();
  await page.getByText('تم رفض الوصول إلى الكاميرا أو الميكروفون', { exact: false }).waitFor();
}

export const WIDGET_STATES: readonly WidgetState[] = [
  {
    name: 'closed',
    widget: 'demo',
    reach: async (page) => {
      await widget(page).launcher().waitFor();
    },
  },
  {
    // A bot answer that arrived while the window was closed: its peek above the launcher, and the unread badge.
    name: 'teaser',
    widget: 'demo',
    reach: async (page) => {
      await widget(page).launcher().waitFor();
      await page.evaluate("window.Parley.send('What are your opening hours?'); window.Parley.close();");
      await page.getByRole('status').getByText('Monday to Friday').waitFor();
    },
  },
  {
    name: 'open-empty',
    widget: 'demo',
    reach: async (page) => {
      await open(page);
      await widget(page).log().getByText('How can I help').waitFor();
    },
  },
  { name: 'open-conversation', widget: 'demo', reach: converse },
  {
    name: 'streaming',
    widget: 'rich',
    reach: async (page, stage) => {
      await open(page);
      await say(page, 'How do I install it?');
      await widget(page).log().locator('.stream').getByText('The first start creates a demo widget').waitFor();
      return async () => {
        stage.bot.release();
        await widget(page).log().getByText('you are live').waitFor();
      };
    },
  },
  {
    name: 'carousel',
    widget: 'rich',
    reach: async (page) => {
      await open(page);
      await say(page, 'Which plans do you have?');
      await widget(page).log().getByText('Free forever').waitFor();
      await picturesShown(page);
    },
  },
  {
    // The form as a visitor meets it after a first try: one answer refused, with the reason under it.
    name: 'form',
    widget: 'rich',
    reach: async (page) => {
      await open(page);
      await say(page, 'I would like to sign up');
      const form = widget(page).log().locator('form').last();
      await form.getByLabel('Email').fill('ada@example');
      await form.getByRole('button', { name: 'Sign up' }).click();
      await form.getByText('Please enter a valid email address.').waitFor();
    },
  },
  {
    // Upload bandwidth held low (DevTools network emulation), so the file is still on its way when pictured.
    name: 'upload-progress',
    widget: 'files',
    reach: async (page, stage) => {
      await open(page);
      const cdp = await page.context().newCDPSession(page);
      await cdp.send('Network.enable');
      await cdp.send('Network.emulateNetworkConditions', {
        offline: false,
        latency: 0,
        downloadThroughput: -1,
        uploadThroughput: stage.photo.buffer.length / 60,
      });
      await widget(page).fileInput().setInputFiles(stage.photo);
      await widget(page).log().locator('progress').waitFor();
    },
  },
  {
    name: 'upload-done',
    widget: 'files',
    reach: async (page, stage) => {
      await open(page);
      await say(page, 'The checkout page looks broken for me');
      await widget(page).log().getByText('got: The checkout page').waitFor();
      await widget(page).fileInput().setInputFiles(stage.photo);
      await widget(page).log().getByText('Thanks, I got').waitFor();
      await picturesShown(page);
    },
  },
  {
    name: 'offline',
    widget: 'demo',
    reach: async (page) => {
      await open(page);
      await say(page, 'hello');
      await widget(page).log().getByText('Ask me about pricing').waitFor();
      await page.context().setOffline(true);
      await say(page, 'Are you there?');
      await page.getByText('You are offline').waitFor();
    },
  },
  {
    name: 'restart-dialog',
    widget: 'demo',
    reach: async (page) => {
      await converse(page);
      await page.getByRole('button', { name: 'Restart' }).click();
      await page.getByRole('alertdialog').waitFor();
    },
  },
  // A campaign (issue 20) from Sam Rivera: its peek, and the window it opens, light, dark and right to left.
  { name: 'campaign-peek', widget: 'campaign', reach: campaignPeek },
  { name: 'campaign-peek-dark', widget: 'campaignDark', reach: campaignPeek },
  { name: 'campaign-peek-rtl', widget: 'campaignRtl', reach: campaignPeek },
  { name: 'campaign-window', widget: 'campaign', reach: campaignWindow },
  { name: 'campaign-window-dark', widget: 'campaignDark', reach: campaignWindow },
  { name: 'campaign-window-rtl', widget: 'campaignRtl', reach: campaignWindow },
  // "Email me this conversation": the dialog and where the mail went, light, dark and right to left.
  { name: 'mail-dialog', widget: 'demo', reach: mailDialog('hello', false) },
  { name: 'mail-dialog-dark', widget: 'dark', reach: mailDialog('hello', false) },
  { name: 'mail-dialog-rtl', widget: 'arabic', reach: mailDialog('مرحبا', false) },
  { name: 'mail-sent', widget: 'demo', reach: mailDialog('hello', true) },
  { name: 'mail-sent-dark', widget: 'dark', reach: mailDialog('hello', true) },
  { name: 'mail-sent-rtl', widget: 'arabic', reach: mailDialog('مرحبا', true) },
  // The consent gate and the privacy menu (issue 18): light, dark and right to left.
  ...(['gate', 'menu', 'delete', 'deleted'] as const).flatMap((step): WidgetState[] => [
    { name: `privacy-${step}`, widget: 'privacy', reach: privacyState('hello', step) },
    { name: `privacy-${step}-dark`, widget: 'privacyDark', reach: privacyState('hello', step) },
    { name: `privacy-${step}-rtl`, widget: 'privacyRtl', reach: privacyState('مرحبا', step) },
  ]),
  {
    name: 'rtl-arabic',
    widget: 'arabic',
    reach: async (page) => {
      await open(page);
      await say(page, 'مرحبا');
      await widget(page).log().getByText('كيف يمكنني مساعدتك').last().waitFor();
    },
  },
  { name: 'dark', widget: 'dark', reach: converse },
  { name: 'load-failed', widget: 'files', reach: chunkFails() },
  { name: 'load-failed-dark', widget: 'dark', reach: chunkFails('hello') },
  { name: 'load-failed-rtl', widget: 'arabic', reach: chunkFails('مرحبا') },
  { name: 'sending-retry', widget: 'demo', reach: sendingWhileRefused('Is my order on its way?') },
  { name: 'sending-retry-dark', widget: 'dark', reach: sendingWhileRefused('Is my order on its way?') },
  { name: 'sending-retry-rtl', widget: 'arabic', reach: sendingWhileRefused('هل طلبي في الطريق؟') },
  { name: 'sent-too-fast', widget: 'demo', reach: sentTooFast('Is my order on its way?') },
  { name: 'sent-too-fast-dark', widget: 'dark', reach: sentTooFast('Is my order on its way?') },
  { name: 'sent-too-fast-rtl', widget: 'arabic', reach: sentTooFast('هل طلبي في الطريق؟') },
  {
    name: 'inline',
    widget: 'demo',
    hostPage: 'inline.html',
    reach: chat,
  },
  // The header: a title too long for one line, and the reply time the server reports (wrapped, never cut).
  { name: 'header-long', widget: 'long', reach: withPresence(REPLIES_IN_AN_HOUR, converse) },
  { name: 'header-long-rtl', widget: 'arabicCustom', reach: withPresence(REPLIES_IN_AN_HOUR, openAndGreet('مرحبا')) },
  // Offline mode (nobody online on a fresh server): the email form, styled, and the header saying so.
  { name: 'offline-form', widget: 'demo', reach: offlineForm('Can I talk to a human?') },
  { name: 'offline-form-dark', widget: 'dark', reach: offlineForm('Can I talk to a human?') },
  { name: 'offline-form-rtl', widget: 'arabic', reach: offlineForm('أريد التحدث إلى human') },
  { name: 'fullscreen-wide', widget: 'demo', hostPage: 'fullscreen.html', reach: chat },
  { name: 'fullscreen-wide-dark', widget: 'dark', hostPage: 'fullscreen.html', reach: chat },
  { name: 'maximized', widget: 'demo', reach: maximized },
  { name: 'maximized-dark', widget: 'dark', reach: maximized },
  // contactCollection "before", required: the composer says why it waits and leads to the form.
  { name: 'contact-before', widget: 'contact', reach: contactFirst },
  { name: 'contact-before-dark', widget: 'contactDark', reach: contactFirst },
  { name: 'rtl-custom-texts', widget: 'arabicCustom', reach: openAndGreet('مرحبا') },
  { name: 'two-widgets', widget: 'demo', hostPage: 'two-script-tags.html', reach: twoWidgets },
  // Who is answering: a human agent's replies, grouped, under the handoff line.
  { name: 'agent-reply', widget: 'demo', reach: agentReplies('hello', 'I want to talk to a human') },
  { name: 'agent-reply-dark', widget: 'dark', reach: agentReplies('hello') },
  { name: 'agent-reply-rtl', widget: 'arabic', reach: agentReplies('مرحبا') },
  { name: 'carousel-arrows', widget: 'rich', reach: carouselAt('Which plans do you have?') },
  { name: 'carousel-arrows-dark', widget: 'richDark', reach: carouselAt('Which plans do you have?') },
  { name: 'carousel-arrows-rtl', widget: 'richRtl', reach: carouselAt('plans') },
  { name: 'conversation-link', widget: 'demo', reach: conversationLink('hello') },
  { name: 'conversation-link-dark', widget: 'dark', reach: conversationLink('hello') },
  { name: 'conversation-link-rtl', widget: 'arabic', reach: conversationLink('مرحبا') },
  { name: 'rating-comment', widget: 'demo', reach: rating('hello', 'Quick and friendly, thank you!') },
  { name: 'rating-comment-dark', widget: 'dark', reach: rating('hello', 'Quick and friendly, thank you!') },
  { name: 'rating-comment-rtl', widget: 'arabic', reach: rating('مرحبا', 'خدمة سريعة، شكرًا لكم!') },
  { name: 'math-inline', widget: 'math', reach: askScripted('Show me some math', 'prices stay text') },
  { name: 'math-inline-dark', widget: 'richDark', reach: askScripted('Show me some math', 'prices stay text') },
  // carousel and form off: the bot's cards and form as text, their choices as quick replies and links.
  { name: 'carousel-off', widget: 'plain', reach: askScripted('Which plans do you have?', 'Free forever') },
  { name: 'carousel-off-dark', widget: 'plainDark', reach: askScripted('Which plans do you have?', 'Free forever') },
  { name: 'form-off', widget: 'plain', reach: askScripted('I would like to sign up', 'Team size') },
  { name: 'form-off-dark', widget: 'plainDark', reach: askScripted('I would like to sign up', 'Team size') },
  // Calls (issue 22): Sam Rivera in the console and the visitor's widget, both with Chromium's fake media.
  { name: 'call-incoming', widget: 'demo', reach: agentCall('incoming') },
  { name: 'call-incoming-dark', widget: 'dark', reach: agentCall('incoming') },
  { name: 'call-active', widget: 'demo', reach: agentCall('active') },
  { name: 'call-active-dark', widget: 'dark', reach: agentCall('active') },
  { name: 'call-ended', widget: 'demo', reach: agentCall('ended') },
  { name: 'call-screen-ask', widget: 'demo', reach: agentCall('screen-ask') },
  { name: 'call-sharing', widget: 'demo', reach: agentCall('sharing') },
  { name: 'call-ringing', widget: 'calls', reach: visitorRinging },
  { name: 'call-denied-rtl', widget: 'callsRtl', reach: callDeniedRtl },
  // Not here: link previews, which need a page the previewer may fetch (PARLEY_UNFURL_ALLOW_PRIVATE); e2e/widget-unfurl.test.ts pictures them.
];

/**
 * Pictures every state at every viewport into `out` (widget-<state>-<width>.png), each from a fresh
 * browser context (no conversation left over from the last), and returns what it wrote.
 *
 * Two states at a time: a page mostly waits for the server and the bot, so two lanes nearly halve the
 * wall time. A state's viewports stay in one lane, one after the other: the held stream of "streaming"
 * is released for every page at once, so no other page may hold one meanwhile.
 */
export async function shootWidgetStates(
  env: WidgetEnv,
  browser: Browser,
  out: string,
  /** Only these states (by name), to look again at a few while working on them. */
  only?: readonly string[],
  /** The widths a state is pictured at (1280 and 375 unless this says otherwise). */
  widthsOf: (state: string) => readonly number[] = () => [1280, 375],
): Promise<WidgetShot[]> {
  mkdirSync(out, { recursive: true });
  const stage = await prepareWidgetStage(env, browser);
  const states = WIDGET_STATES.filter(({ name }) => only?.includes(name) ?? true);
  const shots: WidgetShot[] = [];
  try {
    const lanes = await Promise.allSettled(
      [0, 1].map(async (lane) => {
        for (const state of states.filter((_, at) => at % 2 === lane)) {
          for (const viewport of WIDGET_VIEWPORTS.filter(({ width }) => widthsOf(state.name).includes(width)))
            shots.push(await shootState(browser, env, stage, state, viewport, out));
        }
      }),
    );
    for (const lane of lanes) if (lane.status === 'rejected') throw lane.reason;
  } finally {
    await stage.close();
  }
  return shots;
}

/** One state at one viewport, from a fresh browser context. */
async function shootState(
  browser: Browser,
  env: WidgetEnv,
  stage: WidgetStage,
  state: WidgetState,
  viewport: (typeof WIDGET_VIEWPORTS)[number],
  out: string,
): Promise<WidgetShot> {
  const { width, height, deviceScaleFactor } = viewport;
  const context: BrowserContext = await browser.newContext({ viewport: { width, height }, deviceScaleFactor });
  try {
    const page = await context.newPage();
    await page.goto(`${env.hostUrl}/${state.hostPage ?? 'script-tag.html'}?widget=${stage.widgets[state.widget]}`);
    const after = await state.reach(page, stage);
    // The pointer rests off the widget, so no button shows its hover colour.
    await page.mouse.move(1, 1);
    const file = join(out, `widget-${state.name}-${width}.png`);
    await page.screenshot({ path: file, animations: 'disabled' });
    await agentOf.get(page)?.screenshot({ path: join(out, `console-${state.name}-${width}.png`), animations: 'disabled' });
    if (after) await after();
    return { state: state.name, width, file };
  } catch (error) {
    throw new Error(`widget state "${state.name}" at ${width} px: ${error instanceof Error ? error.message : String(error)}`, {
      cause: error,
    });
  } finally {
    await context.close();
  }
}
