import { axeViolations, DEMO_ADMIN, launchBrowser } from '@parley/testkit';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { agentOn, bytesReceived, callState, expectMediaFlowing, FAKE_MEDIA, shootCall } from './support/calls.js';
import { startDeskE2e, type DeskE2e, type DeskEnv } from './support/desk-env.js';
import { consoleAs } from './support/desk-people.js';

/** A console call state at 1280 and 375 px light, and 1280 px dark. */
const shoot = (page: Page, name: string): Promise<void> =>
  shootCall(page, name, [
    [1280, 'light'],
    [375, 'light'],
    [1280, 'dark'],
  ]);

interface VisitorCall {
  readonly state?: string;
  readonly endReason?: string | null;
  readonly kind?: string;
}

/**
 * The visitor's side, until the widget's call extra exists: a host page of another origin runs a minimal
 * WebRTC client on the conversation's realtime link (session → WebSocket → call frames → RTCPeerConnection).
 */
async function visitorPeer(browser: Browser, env: DeskEnv, widgetId: string): Promise<{ page: Page; conversationId: string }> {
  const context = await browser.newContext({ bypassCSP: true });
  context.setDefaultTimeout(60_000);
  const page = await context.newPage();
  await page.goto(env.hostPage(widgetId).replace(/\?.*$/, '?no-widget'));
  const conversationId = await page.evaluate(
    async ({ server, widget }) => {
      const response = await fetch(`${server}/v1/widgets/${widget}/sessions`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: '{}',
      });
      const session = (await response.json()) as { token: string; conversationId: string };
      const ws = new WebSocket(`${server.replace(/^http/, 'ws')}/v1/realtime/ws?token=${encodeURIComponent(session.token)}`);
      const send = (frame: unknown): void => ws.send(JSON.stringify(frame));
      const state: Record<string, unknown> & { call?: { id: string; kind: string } } = {};
      let pc: RTCPeerConnection | null = null;
      let local: MediaStream | null = null;
      const held: RTCIceCandidateInit[] = [];
      let chain = Promise.resolve();
      const handle = async (frame: { type: string } & Record<string, unknown>): Promise<void> => {
        if (frame.type === 'call') state.call = frame['call'] as { id: string; kind: string };
        if (frame.type === 'error') state['error'] = frame['code'];
        if (frame.type === 'call_connect') {
          pc = new RTCPeerConnection({ iceServers: frame['iceServers'] as RTCIceServer[] });
          const callId = frame['callId'];
          pc.onicecandidate = (event) =>
            send({
              type: 'call_signal',
              callId,
              signal: {
                kind: 'ice',
                candidate:
                  event.candidate === null
                    ? null
                    : {
                        candidate: event.candidate.candidate,
                        sdpMid: event.candidate.sdpMid,
                        sdpMLineIndex: event.candidate.sdpMLineIndex,
                      },
              },
            });
          for (const track of local?.getTracks() ?? []) pc.addTrack(track, local as MediaStream);
          if (frame['offerer'] === true) {
            await pc.setLocalDescription(await pc.createOffer());
            send({ type: 'call_signal', callId, signal: { kind: 'sdp', type: 'offer', sdp: pc.localDescription?.sdp } });
          }
        }
        if (frame.type === 'call_signal' && pc !== null) {
          const signal = frame['signal'] as { kind: string; type?: RTCSdpType; sdp?: string; candidate?: RTCIceCandidateInit | null };
          if (signal.kind === 'sdp') {
            await pc.setRemoteDescription({ type: signal.type as RTCSdpType, sdp: signal.sdp ?? '' });
            for (const candidate of held.splice(0)) await pc.addIceCandidate(candidate);
            if (signal.type === 'offer') {
              await pc.setLocalDescription(await pc.createAnswer());
              send({
                type: 'call_signal',
                callId: frame['callId'],
                signal: { kind: 'sdp', type: 'answer', sdp: pc.localDescription?.sdp },
              });
            }
          } else if (signal.candidate) {
            if (pc.remoteDescription === null) held.push(signal.candidate);
            else await pc.addIceCandidate(signal.candidate);
          }
        }
      };
      ws.onmessage = (event) => {
        const frame = JSON.parse(String(event.data)) as { type: string } & Record<string, unknown>;
        chain = chain.then(() => handle(frame));
      };
      await new Promise((opened) => (ws.onopen = opened));
      send({ type: 'hello', v: 1, lastSeq: 0 });
      const w = window as unknown as Record<string, unknown>;
      w['visitorCall'] = () => state['call'];
      w['visitorAccept'] = async (screen: boolean) => {
        local = screen
          ? await navigator.mediaDevices.getDisplayMedia({ video: true })
          : await navigator.mediaDevices.getUserMedia({ audio: true, video: true });
        send({ type: 'call_accept', callId: state.call?.id });
      };
      w['visitorOffer'] = async (kind: string) => {
        local = await navigator.mediaDevices.getUserMedia({ audio: true, video: kind === 'video' });
        send({ type: 'call_offer', callId: `visitor-call-${Date.now()}`, kind });
      };
      w['visitorDecline'] = () => send({ type: 'call_decline', callId: state.call?.id });
      w['visitorHangUp'] = () => send({ type: 'call_end', callId: state.call?.id, reason: 'hangup' });
      w['visitorBytes'] = async () => {
        let total = 0;
        (await pc?.getStats())?.forEach((report: { type: string; bytesReceived?: number }) => {
          if (report.type === 'inbound-rtp') total += report.bytesReceived ?? 0;
        });
        return total;
      };
      // getDisplayMedia needs a user gesture: the test clicks this button.
      const share = document.createElement('button');
      share.textContent = 'Share my screen';
      share.onclick = () => void (w['visitorAccept'] as (screen: boolean) => Promise<void>)(true);
      document.body.append(share);
      return session.conversationId;
    },
    { server: env.serverUrl, widget: widgetId },
  );
  return { page, conversationId };
}

const visitorCall = (page: Page): Promise<VisitorCall | undefined> =>
  page.evaluate(() => (window as unknown as { visitorCall(): VisitorCall | undefined }).visitorCall());

async function waitForVisitorCall(page: Page, match: (call: VisitorCall) => boolean): Promise<VisitorCall> {
  for (let i = 0; i < 600; i++) {
    const call = await visitorCall(page);
    if (call !== undefined && match(call)) return call;
    await page.waitForTimeout(100);
  }
  throw new Error(`the visitor's call never matched; last ${JSON.stringify(await visitorCall(page))}`);
}

describe('calls between the console and a visitor, in Chromium with fake media', { timeout: 300_000 }, () => {
  let env: DeskEnv;
  let browser: Browser;
  let desk: DeskE2e | undefined;
  beforeAll(async () => {
    ({ env, browser } = desk = await startDeskE2e({ browserArgs: FAKE_MEDIA }));
  }, 90_000);
  afterAll(() => desk?.close());

  it('a video call connects both ways, ends from the visitor, then from the agent, and is in the transcript', async () => {
    const visitor = await visitorPeer(browser, env, env.demoWidgetId);
    const agent = await agentOn(browser, env, visitor.conversationId);
    expect(await axeViolations(agent), 'conversation with call buttons').toEqual([]);

    await agent.getByRole('button', { name: 'Video call' }).click();
    await callState(agent, 'calling');
    await waitForVisitorCall(visitor.page, (call) => call.state === 'ringing' && call.kind === 'video');
    expect(await axeViolations(agent), 'calling').toEqual([]);
    await shoot(agent, 'console-call-ringing');
    await visitor.page.evaluate(() => (window as unknown as { visitorAccept(screen: boolean): Promise<void> }).visitorAccept(false));
    await callState(agent, 'active');
    await expectMediaFlowing(bytesReceived(agent), 'agent');
    await expectMediaFlowing(
      () => visitor.page.evaluate(() => (window as unknown as { visitorBytes(): Promise<number> }).visitorBytes()),
      'visitor',
    );
    expect(await axeViolations(agent), 'active video call').toEqual([]);
    await agent.getByRole('button', { name: 'Mute' }).click();
    await agent.getByRole('button', { name: 'Unmute' }).waitFor();
    await shoot(agent, 'console-call-active');

    // The visitor hangs up.
    await visitor.page.evaluate(() => (window as unknown as { visitorHangUp(): void }).visitorHangUp());
    await callState(agent, 'ended');
    await agent.getByText('Video call ended.').waitFor();
    expect(await axeViolations(agent), 'ended').toEqual([]);
    await shoot(agent, 'console-call-ended');
    await agent.getByRole('button', { name: 'Close' }).click();

    // A second call, ended by the agent.
    await agent.getByRole('button', { name: 'Voice call' }).click();
    await waitForVisitorCall(visitor.page, (call) => call.state === 'ringing' && call.kind === 'audio');
    await visitor.page.evaluate(() => (window as unknown as { visitorAccept(screen: boolean): Promise<void> }).visitorAccept(false));
    await callState(agent, 'active');
    await agent.getByRole('button', { name: 'End', exact: true }).click();
    const ended = await waitForVisitorCall(visitor.page, (call) => call.state === 'ended');
    expect(ended.endReason).toBe('hangup');

    // Both calls are in the transcript as events, and the console shows their lines.
    // Read as the console reads history (its login cookie).
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
    expect(Number(calls[0]?.['durationMs'])).toBeGreaterThan(0);
    await agent.getByText(/Video call started by .*, ended\./).waitFor();
    await Promise.all([agent.context().close(), visitor.page.context().close()]);
  });

  it('a declined call says so; a screen the agent asked for is seen on the agent side', async () => {
    const visitor = await visitorPeer(browser, env, env.demoWidgetId);
    const agent = await agentOn(browser, env, visitor.conversationId);
    await agent.getByRole('button', { name: 'Video call' }).click();
    await waitForVisitorCall(visitor.page, (call) => call.state === 'ringing');
    await visitor.page.evaluate(() => (window as unknown as { visitorDecline(): void }).visitorDecline());
    await agent.getByText('Video call declined by the visitor.').waitFor();
    await agent.getByRole('button', { name: 'Close' }).click();

    await agent.getByRole('button', { name: 'Ask to share screen' }).click();
    await waitForVisitorCall(visitor.page, (call) => call.state === 'ringing' && call.kind === 'screen');
    await visitor.page.getByRole('button', { name: 'Share my screen' }).click();
    await callState(agent, 'active');
    await agent.getByText(/is sharing their screen/).waitFor();
    await expectMediaFlowing(bytesReceived(agent), 'agent watching the screen');
    // The shared screen plays in the large video.
    await agent.waitForFunction(() => (document.querySelector('video.call-remote') as HTMLVideoElement | null)?.videoWidth !== 0);
    expect(await axeViolations(agent), 'screen shared').toEqual([]);
    await shoot(agent, 'console-call-screen');
    await agent.getByRole('button', { name: 'End', exact: true }).click();
    await waitForVisitorCall(visitor.page, (call) => call.state === 'ended');
    await Promise.all([agent.context().close(), visitor.page.context().close()]);
  });

  it('a visitor calls (the widget allows video calls); the agent is prompted, accepts, and the call connects', async () => {
    const widgetId = await env.createWidget({ name: 'Calls', calls: { visitor: 'video' } });
    const visitor = await visitorPeer(browser, env, widgetId);
    const agent = await agentOn(browser, env, visitor.conversationId);
    await visitor.page.evaluate(() => (window as unknown as { visitorOffer(kind: string): Promise<void> }).visitorOffer('video'));
    const prompt = agent.getByRole('alertdialog', { name: /is calling \(video call\)/ });
    await prompt.waitFor();
    expect(await axeViolations(agent), 'incoming call').toEqual([]);
    await shoot(agent, 'console-call-incoming');
    await prompt.getByRole('button', { name: 'Accept' }).click();
    await callState(agent, 'active');
    await expectMediaFlowing(bytesReceived(agent), 'agent');
    await expectMediaFlowing(
      () => visitor.page.evaluate(() => (window as unknown as { visitorBytes(): Promise<number> }).visitorBytes()),
      'visitor',
    );
    await agent.getByRole('button', { name: 'End', exact: true }).click();
    expect((await waitForVisitorCall(visitor.page, (call) => call.state === 'ended')).endReason).toBe('hangup');
    await Promise.all([agent.context().close(), visitor.page.context().close()]);
  });

  it("a visitor's call rings in the inbox list for an agent without the conversation open; opening it shows the prompt", async () => {
    const widgetId = await env.createWidget({ name: 'Calls from the list', calls: { visitor: 'video' } });
    const visitor = await visitorPeer(browser, env, widgetId);
    const agent = await consoleAs(browser, env, DEMO_ADMIN);
    await agent.goto(`${env.serverUrl}/console/inbox`);
    await agent.getByRole('button', { name: 'All' }).click();
    // The visitor is still with the bot: their conversation is under "With the bot".
    await agent.locator('#inbox-status').selectOption('pending');
    const row = agent.locator(`li[data-key="${visitor.conversationId}"]`);
    await row.waitFor();
    await visitor.page.evaluate(() => (window as unknown as { visitorOffer(kind: string): Promise<void> }).visitorOffer('video'));
    await row.getByText('Incoming video call').waitFor();
    expect(await axeViolations(agent), 'inbox with a ringing call').toEqual([]);
    await shoot(agent, 'console-call-ringing-in-list');
    await row.getByRole('link').click();
    await agent
      .getByRole('alertdialog', { name: /is calling \(video call\)/ })
      .getByRole('button', { name: 'Accept' })
      .click();
    await callState(agent, 'active');
    // Answered: the list stops ringing.
    await expect.poll(() => row.getByText('Incoming video call').count(), { timeout: 15_000 }).toBe(0);
    await agent.getByRole('button', { name: 'End', exact: true }).click();
    await Promise.all([agent.context().close(), visitor.page.context().close()]);
  });

  it('an agent whose browser refuses the camera is told so, and no call is offered', async () => {
    // No fake UI: the permission prompt is refused.
    const strict = await launchBrowser(['--use-fake-device-for-media-stream']);
    try {
      const visitor = await visitorPeer(browser, env, env.demoWidgetId);
      const agent = await consoleAs(strict, env, DEMO_ADMIN);
      await agent.goto(`${env.serverUrl}/console/inbox/${visitor.conversationId}`);
      await agent.getByText('live (ws)').waitFor();
      await agent.getByRole('button', { name: 'Video call' }).click();
      await callState(agent, 'failed');
      await agent.getByText('The browser refused the camera or microphone: allow them for this site, then try again.').waitFor();
      expect(await visitorCall(visitor.page)).toBeUndefined();
      expect(await axeViolations(agent), 'permission denied').toEqual([]);
      await shoot(agent, 'console-call-permission-denied');
      await visitor.page.context().close();
    } finally {
      await strict.close();
    }
  });
});
