import { expect, it } from 'vitest';
import { WebSocket } from 'ws';
import type { ServerFrame } from '@parley/protocol';
import { agentLogin } from './testing/inbox-client.js';
import { FrameLog, parseFrame, type Connect, type TestClient } from './testing/frame-log.js';
import { connectPoll } from './testing/poll-test-client.js';
import { describeEachStoreListening, openVisitor, type RealtimeServer } from './testing/realtime-server.js';
import { connectSse } from './testing/sse-test-client.js';
import { connectWs } from './testing/ws-test-client.js';

const transports: ReadonlyArray<readonly [string, Connect]> = [
  ['ws', connectWs],
  ['sse', connectSse],
  ['poll', connectPoll],
];

type MessageFrame = Extract<ServerFrame, { type: 'message' }>;
const messageWith =
  (text: string) =>
  (frame: ServerFrame): frame is MessageFrame =>
    frame.type === 'message' && frame.message.text === text;

let counter = 0;
const clientId = (): string => `agent-cid-${Date.now().toString(36)}-${(counter++).toString().padStart(4, '0')}`;

/** A raw WebSocket with any query and headers; says hello on open and resolves at welcome or close. */
function rawAgentWs(
  server: RealtimeServer,
  params: Record<string, string>,
  headers: Record<string, string> = {},
): Promise<{ ws: WebSocket; log: FrameLog }> {
  return new Promise((resolve, reject) => {
    const log = new FrameLog();
    const ws = new WebSocket(`${server.baseUrl.replace(/^http/, 'ws')}/v1/realtime/ws?${new URLSearchParams(params).toString()}`, {
      headers,
    });
    ws.on('error', reject);
    ws.on('open', () => ws.send(JSON.stringify({ type: 'hello', v: 1, lastSeq: 0 })));
    ws.on('close', (code, reason) => {
      log.closed(code, reason.toString());
      resolve({ ws, log });
    });
    ws.on('message', (data) => {
      const frame = parseFrame(data.toString());
      log.push(frame);
      if (frame.type === 'welcome') resolve({ ws, log });
    });
  });
}

async function close(...clients: TestClient[]): Promise<void> {
  await Promise.all(clients.map((client) => client.close()));
}

for (const [name, connect] of transports) {
  describeEachStoreListening(`agents on the realtime gateway, visitor over ${name}`, (server) => {
    it('joins an agent as themselves with the login token; private notes reach agents and never the visitor', async () => {
      const agent = await agentLogin(server().baseUrl, 'Nora');
      const session = await openVisitor(server());
      const visitor = await connect({ baseUrl: server().baseUrl, token: session.token });
      const desk = await connectWs({ baseUrl: server().baseUrl, token: agent.token, conversationId: session.conversationId });
      const note = await server().json('POST', `/v1/inbox/${session.conversationId}/notes`, { text: 'secret note: VIP' }, agent.token);
      expect(note.status).toBe(201);
      const seen = await desk.log.waitFor(messageWith('secret note: VIP'));
      expect(seen.message).toMatchObject({ type: 'note', author: { role: 'agent', id: agent.id, name: 'Nora' } });
      const ack = await desk.send({ type: 'send', clientId: clientId(), text: 'Hello from Nora' });
      expect(ack).toMatchObject({ type: 'ack', duplicate: false });
      const reply = await visitor.log.waitFor(messageWith('Hello from Nora'));
      expect(reply.message.author).toEqual({ role: 'agent', id: agent.id, name: 'Nora' });
      expect(JSON.stringify(visitor.log.frames)).not.toContain('secret note');
      // The note's seq is skipped, not a gap: the visitor holds every other message in order.
      const stored = await server().services.engine.messagesAfter(session.conversationId, 0);
      expect(visitor.log.seqs()).toEqual(stored.filter((m) => m.type !== 'note').map((m) => m.seq));
      // A reconnecting visitor's backlog leaves it out as well.
      const again = await connect({ baseUrl: server().baseUrl, token: session.token });
      await again.log.waitFor(messageWith('Hello from Nora'));
      expect(JSON.stringify(again.log.frames)).not.toContain('secret note');
      await close(visitor, desk, again);
    });

    it('tells the visitor who owns the conversation in welcome, then on every change', async () => {
      const agent = await agentLogin(server().baseUrl, 'Omar');
      const session = await openVisitor(server());
      const visitor = await connect({ baseUrl: server().baseUrl, token: session.token });
      const welcome = await visitor.log.waitFor((f) => f.type === 'welcome');
      expect(welcome).toMatchObject({
        status: { type: 'status', owner: 'bot', assignee: null, status: 'pending' },
        presence: { type: 'presence' },
      });
      const desk = await connectWs({ baseUrl: server().baseUrl, token: agent.token, conversationId: session.conversationId });
      await server().json('POST', `/v1/inbox/${session.conversationId}/assign`, { agentId: agent.id }, agent.token);
      const expected = { owner: 'human', assignee: { id: agent.id, name: 'Omar' }, status: 'open' };
      await desk.log.waitFor((f) => f.type === 'status' && f.owner === 'human');
      if (name === 'poll') {
        // Long polls may miss a frame sent between two polls; each poll's welcome carries the status instead.
        const next = await connect({ baseUrl: server().baseUrl, token: session.token });
        expect(await next.log.waitFor((f) => f.type === 'welcome')).toMatchObject({ status: expected });
        await next.close();
      } else {
        expect(await visitor.log.waitFor((f) => f.type === 'status' && f.owner === 'human')).toMatchObject(expected);
      }
      await server().json('POST', `/v1/inbox/${session.conversationId}/resolve`, {}, agent.token);
      await desk.log.waitFor((f) => f.type === 'status' && f.owner === 'resolved');
      const later = await connect({ baseUrl: server().baseUrl, token: session.token });
      expect(await later.log.waitFor((f) => f.type === 'welcome')).toMatchObject({ status: { owner: 'resolved', status: 'resolved' } });
      await close(visitor, desk, later);
    });
  });
}

describeEachStoreListening('agents’ inbox stream and console logins on the gateway', (server) => {
  it('streams the fresh inbox item when a visitor writes and when ownership changes', async () => {
    const agent = await agentLogin(server().baseUrl, 'Ivy');
    const { ws, log } = await rawAgentWs(server(), { token: agent.token, inbox: '1' });
    expect(log.frames[0]).toMatchObject({ type: 'welcome', conversationId: '' });
    const session = await openVisitor(server());
    await log.waitFor((f) => f.type === 'inbox' && f.reason === 'created' && f.item.conversation.id === session.conversationId);
    await server().json('POST', `/v1/conversations/${session.conversationId}/messages`, { text: 'anyone there?' }, session.token);
    const message = await log.waitFor(
      (f) =>
        f.type === 'inbox' &&
        f.reason === 'message' &&
        f.item.conversation.id === session.conversationId &&
        f.item.lastMessage?.text === 'anyone there?',
    );
    expect(message.type === 'inbox' && message.item.unread).toBeGreaterThanOrEqual(1);
    await server().json('POST', `/v1/inbox/${session.conversationId}/assign`, { agentId: agent.id }, agent.token);
    const owned = await log.waitFor((f) => f.type === 'inbox' && f.reason === 'ownership' && f.item.conversation.owner === 'human');
    expect(owned.type === 'inbox' && owned.item.conversation.assignee).toEqual({ id: agent.id, name: 'Ivy' });
    const until = new Date(Date.now() + 1000).toISOString();
    await server().json('POST', `/v1/inbox/${session.conversationId}/snooze`, { until }, agent.token);
    await log.waitFor(
      (f) => f.type === 'inbox' && f.item.conversation.id === session.conversationId && f.item.conversation.status === 'snoozed',
    );
    // When the snooze ends the stream says so by itself: the conversation is open again.
    const from = log.frames.length;
    await log.waitFor(
      (f) => f.type === 'inbox' && f.item.conversation.id === session.conversationId && f.item.conversation.status === 'open',
      { from },
    );
    ws.send(JSON.stringify({ type: 'send', clientId: clientId(), text: 'nope' }));
    await log.waitFor((f) => f.type === 'error' && f.code === 'PARLEY_ERR_FRAME_INVALID');
    ws.close();
  });

  it("gives each agent's inbox stream its own unread count when their streams' entries are read together", async () => {
    const reader = await agentLogin(server().baseUrl, 'Rea');
    const other = await agentLogin(server().baseUrl, 'Oth');
    const readerInbox = await rawAgentWs(server(), { token: reader.token, inbox: '1' });
    const otherInbox = await rawAgentWs(server(), { token: other.token, inbox: '1' });
    const session = await openVisitor(server());
    const say = (text: string) => server().json('POST', `/v1/conversations/${session.conversationId}/messages`, { text }, session.token);
    // Waited for by its unread count, which only visitor messages move: the bot's answer may be the entry's last
    // message by the time a stream reads it (each entry is read when its turn comes, as it is then).
    const unread = (log: FrameLog, count: number) =>
      log.waitFor((f) => f.type === 'inbox' && f.item.conversation.id === session.conversationId && f.item.unread === count);
    await say('one');
    await say('two');
    await unread(readerInbox.log, 2);
    await unread(otherInbox.log, 2);
    // Rea reads the whole conversation on its link; Oth reads nothing.
    const link = await rawAgentWs(server(), { token: reader.token, conversationId: session.conversationId });
    const welcome = link.log.frames[0];
    link.ws.send(JSON.stringify({ type: 'read', seq: welcome?.type === 'welcome' ? welcome.lastSeq : 0 }));
    await unread(readerInbox.log, 0);
    await say('three');
    await unread(readerInbox.log, 1);
    await unread(otherInbox.log, 3);
    for (const open of [readerInbox, otherInbox, link]) open.ws.close();
  });

  it('accepts the console cookie from the console’s own origin and refuses it from another', async () => {
    const agent = await agentLogin(server().baseUrl, 'Cy');
    const session = await openVisitor(server());
    // The test app's PARLEY_PUBLIC_URL is the default http://localhost:3000: the console's origin, whatever the listening address.
    const own = 'http://localhost:3000';
    const ok = await rawAgentWs(server(), { conversationId: session.conversationId }, { cookie: agent.cookie, origin: own });
    expect(ok.log.frames[0]?.type).toBe('welcome');
    ok.ws.close();
    const foreign = await rawAgentWs(
      server(),
      { conversationId: session.conversationId },
      { cookie: agent.cookie, origin: 'https://evil.example' },
    );
    expect((await foreign.log.waitForClose()).code).toBe(4003);
    // The login's token said explicitly is not tied to the console's origin (a page cannot learn it by itself).
    const explicit = await rawAgentWs(
      server(),
      { token: agent.token, conversationId: session.conversationId },
      { cookie: agent.cookie, origin: 'http://127.0.0.1:3000' },
    );
    expect(explicit.log.frames[0]?.type).toBe('welcome');
    explicit.ws.close();
    const forged = await rawAgentWs(server(), { token: 'pcs_forged', conversationId: session.conversationId });
    expect((await forged.log.waitForClose()).code).toBe(4001);
    const loggedOut = await agentLogin(server().baseUrl, 'Gone');
    await fetch(`${server().baseUrl}/v1/auth/logout`, {
      method: 'POST',
      headers: { cookie: loggedOut.cookie, 'content-type': 'application/json' },
      body: '{}',
    });
    const revoked = await rawAgentWs(server(), { token: loggedOut.token, inbox: '1' });
    expect((await revoked.log.waitForClose()).code).toBe(4001);
  });
});
