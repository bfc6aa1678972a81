import { axeViolations, freePort, launchBrowser, widget } from '@parley/testkit';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  agentOn,
  bytesReceived,
  callState,
  expectMediaFlowing,
  FAKE_MEDIA,
  RECORD_PEER_CONNECTIONS,
  relayOnly,
  selectedCandidateType,
  shootCall,
  startTurnServer,
  type TestTurnServer,
} from './support/calls.js';
import { startDeskE2e, type DeskE2e, type DeskEnv } from './support/desk-env.js';
import { conversationOf } from './support/desk-people.js';

// The widget's call extra (extras/call.tsx) against the console, in Chromium with fake media: the visitor is the
// real widget on a host page of another origin.

/** The visitor's page at 1280 and 375 px, light and dark (the widget follows the page's colour scheme). */
const shoot = (page: Page, name: string): Promise<void> =>
  shootCall(page, `widget-${name}`, [
    [1280, 'light'],
    [375, 'light'],
    [1280, 'dark'],
    [375, 'dark'],
  ]);

/**
 * A phone's two audio outputs (loudspeaker and earpiece): headless Chromium has one, so the page lists two more, and
 * setSinkId records where the call is sent to play (window.sinks).
 */
const TWO_SPEAKERS = `(() => {
  const list = navigator.mediaDevices.enumerateDevices.bind(navigator.mediaDevices);
  navigator.mediaDevices.enumerateDevices = async () => [
    ...(await list()).filter((device) => device.kind !== 'audiooutput'),
    { kind: 'audiooutput', deviceId: 'loudspeaker', label: 'Speaker', groupId: 'a' },
    { kind: 'audiooutput', deviceId: 'earpiece', label: 'Earpiece', groupId: 'b' },
  ];
  window.sinks = [];
  HTMLMediaElement.prototype.setSinkId = function (id) {
    window.sinks.push(id);
    return Promise.resolve();
  };
})()`;

/** The visitor answers the agent's ringing call from the widget's prompt. */
const answer = (page: Page, button: 'Accept' | 'Decline'): Promise<void> =>
  page
    .getByRole('alertdialog', { name: /is calling you/ })
    .getByRole('button', { name: button })
    .click();

describe('calls in the widget (the call extra), in Chromium with fake media', { timeout: 300_000 }, () => {
  let env: DeskEnv;
  let browser: Browser;
  let desk: DeskE2e | undefined;
  let turn: TestTurnServer | undefined;
  const TURN_SECRET = 'calls-e2e-turn-secret-0123456789';
  beforeAll(async () => {
    // A TURN server (coturn's use-auth-secret, as docs/deploy.md sets it up) that the server hands out with per-call
    // credentials; calls connect directly unless a test makes its pages relay only. A side not connected 12 s after
    // call_connect gives up (PARLEY_CALL_CONNECT_TIMEOUT_SECONDS; 30 s by default).
    turn = await startTurnServer(TURN_SECRET);
    ({ env, browser } = desk = await startDeskE2e({
      browserArgs: FAKE_MEDIA,
      serverEnv: {
        PARLEY_ICE_SERVERS: JSON.stringify([{ urls: turn.url }]),
        PARLEY_TURN_SECRET: TURN_SECRET,
        PARLEY_CALL_CONNECT_TIMEOUT_SECONDS: '12',
      },
    }));
  }, 90_000);
  afterAll(async () => {
    await desk?.close();
    turn?.close();
  });

  /** A visitor with the chat open and a conversation started (one message), in a context of their own. */
  async function visitorOn(
    widgetId: string,
    from: Browser = browser,
    talk = true,
    page_ = 'script-tag.html',
    initScripts: readonly string[] = [],
  ): Promise<{ page: Page; conversationId: string }> {
    const context = await from.newContext({ bypassCSP: true, viewport: { width: 1280, height: 800 } });
    context.setDefaultTimeout(60_000);
    await context.addInitScript(RECORD_PEER_CONNECTIONS);
    for (const script of initScripts) await context.addInitScript(script);
    const page = await context.newPage();
    if (process.env['DEBUG_CALLS']) {
      page.on('console', (message) => console.log('visitor:', message.text()));
      page.on('pageerror', (error) => console.log('visitor error:', error.message));
      page.on('request', (request) => request.url().includes('call') && console.log('visitor fetch:', request.url()));
    }
    await page.goto(env.hostPage(widgetId).replace('script-tag.html', page_));
    // By its element: its name is in the widget's language (inline and full-page chats are open already).
    if (page_ === 'script-tag.html') await page.locator('[data-parley] button.launcher').click();
    if (!talk) return { page, conversationId: '' };
    await widget(page).send('Hello, can we talk?');
    let conversationId = '';
    for (let i = 0; i < 100 && conversationId === ''; i++) {
      conversationId = await conversationOf(page, widgetId);
      if (conversationId === '') await page.waitForTimeout(100);
    }
    return { page, conversationId };
  }

  it('an agent video call is accepted in the widget, media flows both ways, it ends from the widget and from the console, and is in the transcript', async () => {
    const visitor = await visitorOn(env.demoWidgetId, browser, true, 'script-tag.html', [TWO_SPEAKERS]);
    const agent = await agentOn(browser, env, visitor.conversationId);

    await agent.getByRole('button', { name: 'Video call' }).click();
    const prompt = visitor.page.getByRole('alertdialog', { name: /is calling you/ });
    await prompt.waitFor();
    await prompt.getByText('Video call').waitFor();
    expect(await axeViolations(visitor.page), 'incoming call').toEqual([]);
    await shoot(visitor.page, 'call-incoming');
    await prompt.getByRole('button', { name: 'Accept' }).click();
    await callState(agent, 'active');
    await visitor.page.getByRole('region', { name: 'Video call' }).getByText('In call').waitFor();
    await expectMediaFlowing(bytesReceived(agent), 'agent');
    await expectMediaFlowing(bytesReceived(visitor.page), 'visitor (widget)');
    await visitor.page.getByRole('button', { name: 'Mute' }).click();
    await visitor.page.getByRole('button', { name: 'Unmute', pressed: true }).waitFor();
    await visitor.page.getByRole('button', { name: 'Turn camera off' }).click();
    await visitor.page.getByRole('button', { name: 'Turn camera on', pressed: true }).waitFor();
    // The other side plays on the next audio output at each press (the earpiece, the loudspeaker, …).
    const lastSink = () => visitor.page.evaluate(() => (window as unknown as { sinks: string[] }).sinks.at(-1));
    await visitor.page.getByRole('button', { name: 'Switch speaker' }).click();
    await expect.poll(lastSink, { timeout: 10_000 }).toBe('loudspeaker');
    await visitor.page.getByRole('button', { name: 'Switch speaker' }).click();
    await expect.poll(lastSink, { timeout: 10_000 }).toBe('earpiece');
    expect(await axeViolations(visitor.page), 'active call').toEqual([]);
    await shoot(visitor.page, 'call-active');

    // Ended from the widget.
    await visitor.page.getByRole('button', { name: 'End call' }).click();
    await callState(agent, 'ended');
    await visitor.page.getByText('Call ended').waitFor();
    expect(await axeViolations(visitor.page), 'ended').toEqual([]);
    await shoot(visitor.page, 'call-ended');
    await visitor.page.getByRole('button', { name: 'Close', exact: true }).click();
    await agent.getByRole('button', { name: 'Close' }).click();

    // A second call, a voice call ended from the console.
    await agent.getByRole('button', { name: 'Voice call' }).click();
    await answer(visitor.page, 'Accept');
    await callState(agent, 'active');
    await visitor.page.getByRole('region', { name: 'Voice call' }).waitFor();
    await agent.getByRole('button', { name: 'End', exact: true }).click();
    await visitor.page.getByText('Call ended').waitFor();

    const messages = await agent.evaluate(async (id) => {
      const response = await fetch(`/v1/conversations/${id}/messages?limit=100`);
      return (await response.json()) as { items: { type: string; payload: Record<string, unknown> | null }[] };
    }, visitor.conversationId);
    const calls = messages.items
      .filter((message) => message.type === 'event' && message.payload?.['event'] === 'call')
      .map((m) => m.payload);
    expect(calls).toMatchObject([
      { kind: 'video', endReason: 'hangup', caller: { role: 'agent' }, callee: { role: 'visitor' } },
      { kind: 'audio', endReason: 'hangup' },
    ]);
    await Promise.all([agent.context().close(), visitor.page.context().close()]);
  });

  it('declined in the widget; a screen the agent asks for is shared after consent, seen by the agent, and stopped by the visitor', async () => {
    const visitor = await visitorOn(env.demoWidgetId);
    const agent = await agentOn(browser, env, visitor.conversationId);
    await agent.getByRole('button', { name: 'Video call' }).click();
    await answer(visitor.page, 'Decline');
    await agent.getByText('Video call declined by the visitor.').waitFor();
    await visitor.page.getByText('The call was declined.').waitFor();
    await visitor.page.getByRole('button', { name: 'Close', exact: true }).click();
    await agent.getByRole('button', { name: 'Close' }).click();

    await agent.getByRole('button', { name: 'Ask to share screen' }).click();
    const ask = visitor.page.getByRole('alertdialog', { name: /asks to see your screen/ });
    await ask.waitFor();
    expect(await axeViolations(visitor.page), 'screen request').toEqual([]);
    await shoot(visitor.page, 'call-screen-ask');
    await ask.getByRole('button', { name: 'Share screen' }).click();
    await callState(agent, 'active');
    await expectMediaFlowing(bytesReceived(agent), 'agent watching the screen');
    await agent.waitForFunction(() => (document.querySelector('video.call-remote') as HTMLVideoElement | null)?.videoWidth !== 0);
    await visitor.page.getByText('You are sharing your screen').waitFor();
    expect(await axeViolations(visitor.page), 'sharing').toEqual([]);
    await shoot(visitor.page, 'call-sharing');
    await visitor.page.getByRole('button', { name: 'Stop sharing' }).click();
    await callState(agent, 'ended');
    await Promise.all([agent.context().close(), visitor.page.context().close()]);
  });

  it('a visitor calls from the header (calls.visitor video); the agent accepts and media flows', async () => {
    const widgetId = await env.createWidget({ name: 'Calls', calls: { visitor: 'video' } });
    const visitor = await visitorOn(widgetId);
    const agent = await agentOn(browser, env, visitor.conversationId);
    expect(await axeViolations(visitor.page), 'header with call buttons').toEqual([]);
    await visitor.page.getByRole('button', { name: 'Video call' }).click();
    await visitor.page.getByText('Calling…').waitFor();
    expect(await axeViolations(visitor.page), 'ringing').toEqual([]);
    await shoot(visitor.page, 'call-ringing');
    const prompt = agent.getByRole('alertdialog', { name: /is calling \(video call\)/ });
    await prompt.getByRole('button', { name: 'Accept' }).click();
    await callState(agent, 'active');
    await expectMediaFlowing(bytesReceived(agent), 'agent');
    await expectMediaFlowing(bytesReceived(visitor.page), 'visitor (widget)');
    await visitor.page.setViewportSize({ width: 375, height: 812 });
    await visitor.page.getByRole('button', { name: 'End call' }).click();
    await callState(agent, 'ended');
    await Promise.all([agent.context().close(), visitor.page.context().close()]);
  });

  it('a visitor whose browser refuses the camera is told so, in an Arabic widget too', async () => {
    const strict = await launchBrowser(['--use-fake-device-for-media-stream']);
    try {
      const widgetId = await env.createWidget({ name: 'Calls ar', language: 'ar', calls: { visitor: 'video' } });
      const visitor = await visitorOn(widgetId, strict, false);
      await visitor.page.getByRole('button', { name: 'مكالمة فيديو' }).click();
      await visitor.page.getByText('تم رفض الوصول إلى الكاميرا أو الميكروفون', { exact: false }).waitFor();
      expect(await axeViolations(visitor.page), 'permission denied').toEqual([]);
      await shoot(visitor.page, 'call-denied-rtl');
      await visitor.page.context().close();
    } finally {
      await strict.close();
    }
  });

  it("the transcript's call line is in the widget's language (Arabic, right to left)", async () => {
    const widgetId = await env.createWidget({ name: 'Calls ar line', language: 'ar' });
    const { page } = await visitorOn(widgetId, browser, false);
    // The composer's label is Arabic: the widget's one text box.
    const composer = page.locator('[data-parley]').getByRole('textbox').first();
    await composer.fill('مرحبا');
    await composer.press('Enter');
    let conversationId = '';
    for (let i = 0; i < 100 && conversationId === ''; i++) {
      conversationId = await conversationOf(page, widgetId);
      if (conversationId === '') await page.waitForTimeout(100);
    }
    const visitor = { page, conversationId };
    const agent = await agentOn(browser, env, visitor.conversationId);
    await agent.getByRole('button', { name: 'Video call' }).click();
    // Accept, then Decline (their names are Arabic).
    await visitor.page.getByRole('alertdialog').getByRole('button').nth(1).click();
    await visitor.page.getByText('مكالمة فيديو، بدأها Admin، رُفضت.').waitFor();
    // The agent reads it in English.
    await agent.getByText('Video call started by Admin, declined.').waitFor();
    expect(await axeViolations(visitor.page), 'call line (ar)').toEqual([]);
    await shoot(visitor.page, 'call-line-rtl');
    await Promise.all([agent.context().close(), visitor.page.context().close()]);
  });

  it('in the inline and full-page layouts an agent call is answered and ended inside the chat', async () => {
    for (const layout of ['inline', 'fullscreen']) {
      const visitor = await visitorOn(env.demoWidgetId, browser, true, `${layout}.html`);
      const agent = await agentOn(browser, env, visitor.conversationId);
      await agent.getByRole('button', { name: 'Video call' }).click();
      await answer(visitor.page, 'Accept');
      await callState(agent, 'active');
      await visitor.page.getByRole('region', { name: 'Video call' }).getByText('In call').waitFor();
      expect(await axeViolations(visitor.page), `${layout}: active call`).toEqual([]);
      await shoot(visitor.page, `call-active-${layout}`);
      await visitor.page.getByRole('button', { name: 'End call' }).click();
      await callState(agent, 'ended');
      await Promise.all([agent.context().close(), visitor.page.context().close()]);
    }
  });

  it('ICE fails (the visitor relays only, through a TURN server nobody runs): both sides say so, the chat goes on, and Retry negotiates a new call', async () => {
    const nobody = await freePort();
    const visitor = await visitorOn(env.demoWidgetId, browser, true, 'script-tag.html', [relayOnly(nobody)]);
    const agent = await agentOn(browser, env, visitor.conversationId);
    await agent.getByRole('button', { name: 'Video call' }).click();
    await answer(visitor.page, 'Accept');
    // No candidate pair ever forms, so neither browser reports failed: both give up after the connect timeout.
    await visitor.page.getByText('The call could not connect.').waitFor({ timeout: 40_000 });
    await callState(agent, 'failed');
    await agent.getByText('The call could not connect: the connection to the visitor could not be made or was lost.').waitFor();
    await agent.getByRole('button', { name: 'Try again' }).waitFor();
    const retry = visitor.page.getByRole('button', { name: 'Retry' });
    await retry.waitFor();
    expect(await axeViolations(visitor.page), 'call failed').toEqual([]);
    expect(await axeViolations(agent), 'call failed (console)').toEqual([]);
    await shoot(visitor.page, 'call-failed');
    await shootCall(agent, 'console-call-failed', [
      [1280, 'light'],
      [375, 'dark'],
    ]);

    // The conversation goes on.
    await widget(visitor.page).send('Are you still there?');
    await agent.getByText('Are you still there?').waitFor();

    // The network is back; Retry calls back (the widget's calls.visitor is off: a failed agent call may be returned),
    // the agent accepts, and a new negotiation connects.
    await visitor.page.evaluate(() => ((window as unknown as { __turnBroken: boolean }).__turnBroken = false));
    const before = await visitor.page.evaluate(() => (window as unknown as { __pcs: unknown[] }).__pcs.length);
    await retry.click();
    await visitor.page.getByText('Calling…').waitFor();
    await agent
      .getByRole('alertdialog', { name: /is calling \(video call\)/ })
      .getByRole('button', { name: 'Accept' })
      .click();
    await callState(agent, 'active');
    expect(await visitor.page.evaluate(() => (window as unknown as { __pcs: unknown[] }).__pcs.length)).toBe(before + 1);
    await expectMediaFlowing(bytesReceived(agent), 'agent after retry');
    await visitor.page.getByRole('button', { name: 'End call' }).click();
    await callState(agent, 'ended');
    await Promise.all([agent.context().close(), visitor.page.context().close()]);
  });

  it('with PARLEY_ICE_SERVERS naming a TURN server and both sides relaying only, media flows through it on per-call credentials', async () => {
    const visitor = await visitorOn(env.demoWidgetId, browser, true, 'script-tag.html', [relayOnly()]);
    const agent = await agentOn(browser, env, visitor.conversationId, relayOnly());
    await agent.getByRole('button', { name: 'Video call' }).click();
    await answer(visitor.page, 'Accept');
    await callState(agent, 'active');
    await expectMediaFlowing(bytesReceived(agent), 'agent (relayed)');
    await expectMediaFlowing(bytesReceived(visitor.page), 'visitor (relayed)');
    expect(await selectedCandidateType(visitor.page)).toBe('relay');
    expect(await selectedCandidateType(agent)).toBe('relay');
    // The TURN server accepted the credentials Parley signed for this call: <expiry>:<callId>, valid for a day.
    const signed = turn?.accepted.find((username) => /^\d+:call-/.test(username));
    expect(signed).toBeDefined();
    expect(Number(signed?.split(':')[0]) - Date.now() / 1000).toBeGreaterThan(86_000);
    await agent.getByRole('button', { name: 'End', exact: true }).click();
    await visitor.page.getByText('Call ended').waitFor();
    await Promise.all([agent.context().close(), visitor.page.context().close()]);
  });

  it('a tab closed mid-call and an agent logging out mid-call end the call on the other side, and say why', async () => {
    const first = await visitorOn(env.demoWidgetId);
    const agent = await agentOn(browser, env, first.conversationId);
    await agent.getByRole('button', { name: 'Voice call' }).click();
    await answer(first.page, 'Accept');
    await callState(agent, 'active');
    await first.page.context().close();
    await callState(agent, 'ended');
    await agent.getByText('Voice call ended: the visitor left.').waitFor();
    await agent.context().close();

    const second = await visitorOn(env.demoWidgetId);
    const leaving = await agentOn(browser, env, second.conversationId);
    await leaving.getByRole('button', { name: 'Video call' }).click();
    await answer(second.page, 'Accept');
    await callState(leaving, 'active');
    await leaving.getByRole('button', { name: 'Log out' }).click();
    await second.page.getByText('Call ended').waitFor();
    await second.page.getByText('The other side left the call.').waitFor();
    expect(await axeViolations(second.page), 'agent gone').toEqual([]);
    await shoot(second.page, 'call-peer-gone');
    // The chat goes on.
    await widget(second.page).send('Hello again');
    await Promise.all([leaving.context().close(), second.page.context().close()]);
  });
});
