import { createHmac } from 'node:crypto';
import { expect, it } from 'vitest';
import type { CallInfo, ClientFrame, ServerFrame } from '@parley/protocol';
import { TEST_ADMIN_KEY } from '../../testing/test-server.js';
import type { TestClient } from '../testing/frame-log.js';
import { connectPoll } from '../testing/poll-test-client.js';
import { describeEachStoreListening, openVisitor, type RealtimeServer } from '../testing/realtime-server.js';
import { connectWs } from '../testing/ws-test-client.js';

const RING_MS = 1500;
const TURN_SECRET = 'calls-test-turn-secret-0123456789';
const ICE = JSON.stringify([{ urls: 'stun:stun.example.com:3478' }, { urls: ['turn:turn.example.com:3478?transport=udp'] }]);

type CallFrame = Extract<ServerFrame, { type: 'call' }>;
type ConnectFrame = Extract<ServerFrame, { type: 'call_connect' }>;
type SignalFrame = Extract<ServerFrame, { type: 'call_signal' }>;
type ErrorFrame = Extract<ServerFrame, { type: 'error' }>;

let counter = 0;
const newCallId = (): string => `call-${Date.now().toString(36)}-${(counter++).toString().padStart(4, '0')}`;

const callIn =
  (state: CallInfo['state'], callId: string) =>
  (frame: ServerFrame): frame is CallFrame =>
    frame.type === 'call' && frame.call.id === callId && frame.call.state === state;
const connectOf =
  (callId: string) =>
  (frame: ServerFrame): frame is ConnectFrame =>
    frame.type === 'call_connect' && frame.callId === callId;
const signalOf =
  (callId: string) =>
  (frame: ServerFrame): frame is SignalFrame =>
    frame.type === 'call_signal' && frame.callId === callId;
const isError = (frame: ServerFrame): frame is ErrorFrame => frame.type === 'error';

/** Sends a frame and answers the error it draws, or undefined when none comes within a short wait (accepted). */
async function sendFor(client: TestClient, frame: ClientFrame, waitMs = 400): Promise<ErrorFrame | undefined> {
  const from = client.log.frames.length;
  await client.send(frame);
  return client.log.waitFor(isError, { from, timeoutMs: waitMs }).catch(() => undefined);
}

async function visitorAndAgent(
  server: RealtimeServer,
  widget: Record<string, unknown> = {},
): Promise<{ visitor: TestClient; agent: TestClient; conversationId: string; token: string }> {
  const session = await openVisitor(server, widget);
  const visitor = await connectWs({ baseUrl: server.baseUrl, token: session.token });
  const agent = await connectWs({ baseUrl: server.baseUrl, token: TEST_ADMIN_KEY, conversationId: session.conversationId });
  return { visitor, agent, conversationId: session.conversationId, token: session.token };
}

async function callEvents(server: RealtimeServer, conversationId: string): Promise<Record<string, unknown>[]> {
  const messages = await server.services.engine.messagesAfter(conversationId, 0, 100);
  return messages.flatMap((message) =>
    message.type === 'event' && message.payload !== null && message.payload['event'] === 'call' ? [message.payload] : [],
  );
}

describeEachStoreListening(
  'calls between a visitor link and an agent link',
  (server) => {
    it('an agent offers a video call; the visitor accepts; signalling reaches only the other bound link; the agent ends it and the transcript records it', async () => {
      const { visitor, agent, conversationId, token } = await visitorAndAgent(server());
      // A second tab of the same visitor: it sees the call's state, never its signalling.
      const otherTab = await connectWs({ baseUrl: server().baseUrl, token });
      const callId = newCallId();
      expect(await sendFor(agent, { type: 'call_offer', callId, kind: 'video' })).toBeUndefined();
      const ringing = await visitor.log.waitFor(callIn('ringing', callId));
      expect(ringing.call).toMatchObject({ kind: 'video', caller: { role: 'agent', id: 'admin' }, callee: null, acceptedAt: null });
      await otherTab.log.waitFor(callIn('ringing', callId));

      // The caller's side cannot answer its own call.
      expect((await sendFor(agent, { type: 'call_accept', callId }))?.code).toBe('PARLEY_ERR_CALL_NOT_ALLOWED');
      expect(await sendFor(visitor, { type: 'call_accept', callId })).toBeUndefined();
      const agentConnect = await agent.log.waitFor(connectOf(callId));
      const visitorConnect = await visitor.log.waitFor(connectOf(callId));
      expect(agentConnect.offerer).toBe(true);
      expect(visitorConnect.offerer).toBe(false);
      // TURN without credentials in PARLEY_ICE_SERVERS gets this call's own, signed with PARLEY_TURN_SECRET.
      const [stun, turn] = agentConnect.iceServers;
      expect(stun).toEqual({ urls: 'stun:stun.example.com:3478' });
      expect(turn?.username).toMatch(new RegExp(`^\\d+:${callId}$`));
      expect(turn?.credential).toBe(
        createHmac('sha1', TURN_SECRET)
          .update(turn?.username ?? '')
          .digest('base64'),
      );
      const expiry = Number(turn?.username?.split(':')[0]);
      expect(expiry - Date.now() / 1000).toBeGreaterThan(3500);
      expect(expiry - Date.now() / 1000).toBeLessThanOrEqual(3600);
      // A second accept (another tab) finds the call taken.
      expect((await sendFor(otherTab, { type: 'call_accept', callId }))?.code).toBe('PARLEY_ERR_CALL_NOT_FOUND');
      await otherTab.log.waitFor(callIn('active', callId));

      await agent.send({ type: 'call_signal', callId, signal: { kind: 'sdp', type: 'offer', sdp: 'v=0 offer' } });
      const offer = await visitor.log.waitFor(signalOf(callId));
      expect(offer.signal).toEqual({ kind: 'sdp', type: 'offer', sdp: 'v=0 offer' });
      await visitor.send({ type: 'call_signal', callId, signal: { kind: 'sdp', type: 'answer', sdp: 'v=0 answer' } });
      const candidate = { candidate: 'candidate:1 1 udp 2122260223 192.0.2.1 54400 typ host', sdpMid: '0', sdpMLineIndex: 0 };
      await visitor.send({ type: 'call_signal', callId, signal: { kind: 'ice', candidate } });
      await agent.log.waitFor((f) => signalOf(callId)(f) && f.signal.kind === 'ice');
      const toAgent = agent.log.frames.filter(signalOf(callId)).map((f) => f.signal);
      expect(toAgent).toEqual([
        { kind: 'sdp', type: 'answer', sdp: 'v=0 answer' },
        { kind: 'ice', candidate },
      ]);
      // Not bound to the call: its signalling is refused, and it received none.
      expect((await sendFor(otherTab, { type: 'call_signal', callId, signal: { kind: 'ice', candidate: null } }))?.code).toBe(
        'PARLEY_ERR_CALL_NOT_FOUND',
      );
      expect(otherTab.log.frames.filter((f) => f.type === 'call_signal' || f.type === 'call_connect')).toEqual([]);
      expect(visitor.log.frames.filter(signalOf(callId))).toHaveLength(1);

      await new Promise((resolve) => setTimeout(resolve, 50));
      expect(await sendFor(agent, { type: 'call_end', callId, reason: 'hangup' })).toBeUndefined();
      const ended = await visitor.log.waitFor(callIn('ended', callId));
      await otherTab.log.waitFor(callIn('ended', callId));
      expect(ended.call).toMatchObject({ endReason: 'hangup', callee: { role: 'visitor' } });
      expect(ended.call.durationMs).toBeGreaterThanOrEqual(40);
      const events = await callEvents(server(), conversationId);
      expect(events).toEqual([
        {
          event: 'call',
          id: callId,
          kind: 'video',
          caller: { role: 'agent', id: 'admin', name: 'Agent' },
          callee: ended.call.callee,
          startedAt: ended.call.startedAt,
          acceptedAt: ended.call.acceptedAt,
          endedAt: ended.call.endedAt,
          durationMs: ended.call.durationMs,
          endReason: 'hangup',
        },
      ]);
      // Ended: its frames are refused, and the conversation can have a new call.
      expect((await sendFor(visitor, { type: 'call_end', callId, reason: 'hangup' }))?.code).toBe('PARLEY_ERR_CALL_NOT_FOUND');
      const next = newCallId();
      expect(await sendFor(agent, { type: 'call_offer', callId: next, kind: 'audio' })).toBeUndefined();
      await visitor.log.waitFor(callIn('ringing', next));
      await Promise.all([visitor.close(), agent.close(), otherTab.close()]);
    });

    it('lets a visitor start only the calls the widget allows, refuses unknown values, and records a declined call', async () => {
      const off = await visitorAndAgent(server());
      const refused = await sendFor(off.visitor, { type: 'call_offer', callId: newCallId(), kind: 'audio' });
      expect(refused).toMatchObject({ code: 'PARLEY_ERR_CALL_NOT_ALLOWED' });
      expect(refused?.message).toContain('calls.visitor is off');

      const bad = await server().json('POST', '/v1/widgets', { name: 'Bad calls', calls: { visitor: 'always' } });
      expect(bad.status).toBe(400);
      expect(JSON.stringify(bad.body)).toContain('must be one of off, audio, video');

      const audio = await visitorAndAgent(server(), { calls: { visitor: 'audio' } });
      expect((await sendFor(audio.visitor, { type: 'call_offer', callId: newCallId(), kind: 'video' }))?.code).toBe(
        'PARLEY_ERR_CALL_NOT_ALLOWED',
      );
      expect((await sendFor(audio.visitor, { type: 'call_offer', callId: newCallId(), kind: 'screen' }))?.code).toBe(
        'PARLEY_ERR_CALL_NOT_ALLOWED',
      );
      const callId = newCallId();
      expect(await sendFor(audio.visitor, { type: 'call_offer', callId, kind: 'audio' })).toBeUndefined();
      await audio.agent.log.waitFor(callIn('ringing', callId));
      // One call at a time per conversation.
      expect((await sendFor(audio.agent, { type: 'call_offer', callId: newCallId(), kind: 'video' }))?.code).toBe('PARLEY_ERR_CALL_BUSY');
      // The caller cannot decline its own call.
      expect((await sendFor(audio.visitor, { type: 'call_decline', callId }))?.code).toBe('PARLEY_ERR_CALL_NOT_ALLOWED');
      expect(await sendFor(audio.agent, { type: 'call_decline', callId })).toBeUndefined();
      const declined = await audio.visitor.log.waitFor(callIn('ended', callId));
      expect(declined.call).toMatchObject({ endReason: 'declined', acceptedAt: null, durationMs: null, callee: { role: 'agent' } });
      const [event] = await callEvents(server(), audio.conversationId);
      expect(event).toMatchObject({ id: callId, kind: 'audio', caller: { role: 'visitor' }, endReason: 'declined', durationMs: null });

      const video = await visitorAndAgent(server(), { calls: { visitor: 'video' } });
      expect(await sendFor(video.visitor, { type: 'call_offer', callId: newCallId(), kind: 'screen' })).toBeUndefined();
      await Promise.all([off.visitor, off.agent, audio.visitor, audio.agent, video.visitor, video.agent].map((c) => c.close()));
    });

    it('ends an offer nobody answers as unanswered, and tells a link that joins while one rings', async () => {
      const { visitor, agent, conversationId, token } = await visitorAndAgent(server());
      const callId = newCallId();
      await agent.send({ type: 'call_offer', callId, kind: 'audio' });
      await visitor.log.waitFor(callIn('ringing', callId));
      const late = await connectWs({ baseUrl: server().baseUrl, token });
      await late.log.waitFor(callIn('ringing', callId));
      const ended = await visitor.log.waitFor(callIn('ended', callId), { timeoutMs: RING_MS + 3000 });
      expect(ended.call).toMatchObject({ endReason: 'unanswered', callee: null, acceptedAt: null });
      expect(Date.parse(ended.call.endedAt ?? '') - Date.parse(ended.call.startedAt)).toBeGreaterThanOrEqual(RING_MS - 50);
      expect(await callEvents(server(), conversationId)).toMatchObject([{ id: callId, endReason: 'unanswered' }]);
      expect((await sendFor(visitor, { type: 'call_accept', callId }))?.code).toBe('PARLEY_ERR_CALL_NOT_FOUND');
      await Promise.all([visitor.close(), agent.close(), late.close()]);
    });

    it('ends the call as peer-gone when a bound link goes away, and the conversation goes on', async () => {
      const { visitor, agent, conversationId, token } = await visitorAndAgent(server());
      const callId = newCallId();
      await agent.send({ type: 'call_offer', callId, kind: 'video' });
      await visitor.log.waitFor(callIn('ringing', callId));
      await visitor.send({ type: 'call_accept', callId });
      await agent.log.waitFor(connectOf(callId));
      await visitor.close();
      const ended = await agent.log.waitFor(callIn('ended', callId));
      expect(ended.call).toMatchObject({ endReason: 'peer-gone', callee: { role: 'visitor' } });
      expect(await callEvents(server(), conversationId)).toMatchObject([{ id: callId, endReason: 'peer-gone' }]);
      const back = await connectWs({ baseUrl: server().baseUrl, token });
      expect(await back.send({ type: 'send', clientId: `after-call-${callId}`, text: 'still here' })).toMatchObject({ type: 'ack' });
      await Promise.all([back.close(), agent.close()]);
    });

    it('tells both sides how long to wait for the connection; after an agent call failed the visitor may call back, after a hang-up not', async () => {
      const { visitor, agent } = await visitorAndAgent(server());
      const callId = newCallId();
      await agent.send({ type: 'call_offer', callId, kind: 'video' });
      await visitor.log.waitFor(callIn('ringing', callId));
      await visitor.send({ type: 'call_accept', callId });
      // PARLEY_CALL_CONNECT_TIMEOUT_SECONDS (below): a side whose peer connection is not up by then ends the call as failed.
      expect((await visitor.log.waitFor(connectOf(callId))).connectTimeoutMs).toBe(7000);
      expect((await agent.log.waitFor(connectOf(callId))).connectTimeoutMs).toBe(7000);
      await visitor.send({ type: 'call_end', callId, reason: 'failed' });
      expect((await agent.log.waitFor(callIn('ended', callId))).call.endReason).toBe('failed');

      // The widget's calls.visitor is off, yet its Retry may call back: a video call, as the failed one was.
      expect((await sendFor(visitor, { type: 'call_offer', callId: newCallId(), kind: 'audio' }))?.code).toBe(
        'PARLEY_ERR_CALL_NOT_ALLOWED',
      );
      const back = newCallId();
      expect(await sendFor(visitor, { type: 'call_offer', callId: back, kind: 'video' })).toBeUndefined();
      await agent.log.waitFor(callIn('ringing', back));
      // That call ends with a hang-up: no call-back after it.
      expect(await sendFor(visitor, { type: 'call_end', callId: back, reason: 'hangup' })).toBeUndefined();
      await agent.log.waitFor(callIn('ended', back));
      expect((await sendFor(visitor, { type: 'call_offer', callId: newCallId(), kind: 'video' }))?.code).toBe(
        'PARLEY_ERR_CALL_NOT_ALLOWED',
      );
      await Promise.all([visitor.close(), agent.close()]);
    });

    it('ends a call whose node died without closing its links (its lease ran out), on both sides and in the transcript', async () => {
      const { visitor, agent, conversationId } = await visitorAndAgent(server());
      const callId = newCallId();
      await agent.send({ type: 'call_offer', callId, kind: 'audio' });
      await visitor.log.waitFor(callIn('ringing', callId));
      await visitor.send({ type: 'call_accept', callId });
      await agent.log.waitFor(connectOf(callId));
      // What a SIGKILLed node leaves: the visitor's link is held by a node that renews no lease any more.
      await server()
        .services.database.db.updateTable('conversation_calls')
        .set({ callee_link: 'gone-link@node-killed' })
        .where('call_id', '=', callId)
        .execute();
      // PARLEY_CALL_LIVENESS_SECONDS=1: the next sweep (every second) ends it.
      const ended = await agent.log.waitFor(callIn('ended', callId), { timeoutMs: 5000 });
      expect(ended.call).toMatchObject({ endReason: 'peer-gone', callee: { role: 'visitor' } });
      await visitor.log.waitFor(callIn('ended', callId));
      expect(await callEvents(server(), conversationId)).toMatchObject([{ id: callId, endReason: 'peer-gone' }]);
      // A live call of this node is left alone by the sweeps.
      const next = newCallId();
      await agent.send({ type: 'call_offer', callId: next, kind: 'audio' });
      await visitor.log.waitFor(callIn('ringing', next));
      await visitor.send({ type: 'call_accept', callId: next });
      await agent.log.waitFor(connectOf(next));
      await new Promise((resolve) => setTimeout(resolve, 2500));
      expect(agent.log.frames.some(callIn('ended', next))).toBe(false);
      await Promise.all([visitor.close(), agent.close()]);
    });

    it("a visitor's ringing call is on its inbox item until it is answered", async () => {
      const { visitor, agent, conversationId } = await visitorAndAgent(server(), { calls: { visitor: 'video' } });
      const inbox = server().services.desk.inbox;
      const callId = newCallId();
      expect((await inbox.item(conversationId, 'admin'))?.call).toBeUndefined();
      await visitor.send({ type: 'call_offer', callId, kind: 'video' });
      await agent.log.waitFor(callIn('ringing', callId));
      expect((await inbox.item(conversationId, 'admin'))?.call).toEqual({ id: callId, kind: 'video' });
      expect((await inbox.detail(conversationId, 'admin')).call).toEqual({ id: callId, kind: 'video' });
      await agent.send({ type: 'call_accept', callId });
      await visitor.log.waitFor(connectOf(callId));
      expect((await inbox.item(conversationId, 'admin'))?.call).toBeUndefined();
      await Promise.all([visitor.close(), agent.close()]);
    });

    it("writes the call's transcript line in the conversation's language (a French widget), its payload unchanged", async () => {
      const { visitor, agent, conversationId } = await visitorAndAgent(server(), { language: 'fr' });
      const callId = newCallId();
      await agent.send({ type: 'call_offer', callId, kind: 'video' });
      await visitor.log.waitFor(callIn('ringing', callId));
      await visitor.send({ type: 'call_decline', callId });
      await agent.log.waitFor(callIn('ended', callId));
      const messages = await server().services.engine.messagesAfter(conversationId, 0, 100);
      const event = messages.find((message) => message.type === 'event' && message.payload?.['id'] === callId);
      expect(event?.text).toBe('Appel vidéo lancé par Agent, refusé.');
      expect(event?.payload).toMatchObject({ event: 'call', kind: 'video', endReason: 'declined' });
      await Promise.all([visitor.close(), agent.close()]);
    });

    it('refuses call frames sent by HTTP (SSE and poll have no link a call could bind to)', async () => {
      const session = await openVisitor(server(), { calls: { visitor: 'video' } });
      const poll = await connectPoll({ baseUrl: server().baseUrl, token: session.token });
      const answer = await poll.send({ type: 'call_offer', callId: newCallId(), kind: 'audio' });
      expect(answer).toMatchObject({ type: 'error', code: 'PARLEY_ERR_CALL_NOT_ALLOWED' });
      await poll.close();
    });
  },
  { realtime: { callRingMs: RING_MS } },
  {
    PARLEY_ICE_SERVERS: ICE,
    PARLEY_TURN_SECRET: TURN_SECRET,
    PARLEY_TURN_TTL_SECONDS: '3600',
    PARLEY_CALL_CONNECT_TIMEOUT_SECONDS: '7',
    PARLEY_CALL_LIVENESS_SECONDS: '1',
  },
);
