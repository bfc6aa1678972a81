import { expect, it } from 'vitest';
import type { ServerFrame } from '@parley/protocol';
import { TEST_ADMIN_KEY } from '../testing/test-server.js';
import type { Connect, TestClient } from './testing/frame-log.js';
import { connectPoll } from './testing/poll-test-client.js';
import { describeEachStoreListening, openVisitor, type RealtimeServer } from './testing/realtime-server.js';
import { connectSse } from './testing/sse-test-client.js';
import { connectWs, connectWsResumed } from './testing/ws-test-client.js';

const TYPING_TTL_MS = 300;
const transports: ReadonlyArray<readonly [string, Connect]> = [
  ['ws', connectWs],
  ['ws (lastSeq in the URL)', connectWsResumed],
  ['sse', connectSse],
  ['poll', connectPoll],
];

type MessageFrame = Extract<ServerFrame, { type: 'message' }>;
const isMessage = (frame: ServerFrame): frame is MessageFrame => frame.type === 'message';
const messageWith =
  (text: string) =>
  (frame: ServerFrame): frame is MessageFrame =>
    frame.type === 'message' && frame.message.text === text;

let counter = 0;
const clientId = (): string => `cid-${Date.now().toString(36)}-${(counter++).toString().padStart(4, '0')}`;

async function storedSeqs(server: RealtimeServer, conversationId: string): Promise<number[]> {
  return (await server.services.engine.messagesAfter(conversationId, 0)).map((message) => message.seq);
}

for (const [name, connect] of transports) {
  describeEachStoreListening(
    `realtime conversation over ${name}`,
    (server) => {
      const visitor = async (lastSeq = 0): Promise<{ client: TestClient; token: string; conversationId: string }> => {
        const session = await openVisitor(server());
        const client = await connect({ baseUrl: server().baseUrl, token: session.token, lastSeq });
        return { client, token: session.token, conversationId: session.conversationId };
      };
      const agent = (conversationId: string): Promise<TestClient> =>
        connectWs({ baseUrl: server().baseUrl, token: TEST_ADMIN_KEY, conversationId });

      it('welcomes a client and replays the backlog after its lastSeq, in order', async () => {
        const session = await openVisitor(server());
        for (const text of ['one', 'two', 'three']) {
          await server().json(
            'POST',
            `/v1/conversations/${session.conversationId}/messages`,
            { text, clientId: clientId() },
            session.token,
          );
        }
        await server().services.botTurns.idle();
        const stored = await storedSeqs(server(), session.conversationId);
        const client = await connect({ baseUrl: server().baseUrl, token: session.token, lastSeq: 0 });
        const welcome = await client.log.waitFor((f) => f.type === 'welcome');
        expect(welcome).toMatchObject({ type: 'welcome', v: 1, conversationId: session.conversationId, lastSeq: stored.at(-1) });
        await client.log.waitFor((f) => isMessage(f) && f.message.seq === stored.at(-1));
        expect(client.log.seqs()).toEqual(stored);
        await client.close();
      });

      it('acks a send once stored and delivers it to the agent', async () => {
        const { client, conversationId } = await visitor();
        const other = await agent(conversationId);
        const id = clientId();
        const ack = await client.send({ type: 'send', clientId: id, text: 'hello there' });
        expect(ack).toMatchObject({ type: 'ack', clientId: id, duplicate: false });
        const delivered = await other.log.waitFor(messageWith('hello there'));
        expect(delivered.message).toMatchObject({ clientId: id, author: { role: 'visitor' } });
        expect(ack?.type === 'ack' && ack.seq).toBe(delivered.message.seq);
        // The visitor sees its own message too (that is where its seq comes from), and the agent's reply.
        await client.log.waitFor(messageWith('hello there'));
        await other.send({ type: 'send', clientId: clientId(), text: 'hi, how can I help?' });
        const reply = await client.log.waitFor(messageWith('hi, how can I help?'));
        expect(reply.message.author.role).toBe('agent');
        await Promise.all([client.close(), other.close()]);
      });

      it('answers a resend of the same clientId with a duplicate ack and stores one message', async () => {
        const { client, conversationId } = await visitor();
        const id = clientId();
        const first = await client.send({ type: 'send', clientId: id, text: 'only once' });
        const second = await client.send({ type: 'send', clientId: id, text: 'only once' });
        expect(first).toMatchObject({ type: 'ack', duplicate: false });
        expect(second).toMatchObject({ type: 'ack', duplicate: true });
        expect(second?.type === 'ack' && second.seq).toBe(first?.type === 'ack' && first.seq);
        const rows = (await server().services.engine.messagesAfter(conversationId, 0)).filter((m) => m.clientId === id);
        expect(rows).toHaveLength(1);
        await client.close();
      });

      it('gives a reconnecting client exactly the messages it missed, in order', async () => {
        const { client, token, conversationId } = await visitor();
        await client.send({ type: 'send', clientId: clientId(), text: 'before' });
        await server().services.botTurns.idle();
        const held = Math.max(...(await storedSeqs(server(), conversationId)));
        await client.log.waitFor((f) => isMessage(f) && f.message.seq === held);
        await client.close();
        const other = await agent(conversationId);
        for (const text of ['missed 1', 'missed 2', 'missed 3']) await other.send({ type: 'send', clientId: clientId(), text });
        const again = await connect({ baseUrl: server().baseUrl, token, lastSeq: held });
        await again.log.waitFor(messageWith('missed 3'));
        expect(again.log.seqs()).toEqual([held + 1, held + 2, held + 3]);
        const live = await other.send({ type: 'send', clientId: clientId(), text: 'live again' });
        await again.log.waitFor(messageWith('live again'));
        expect(again.log.seqs()).toEqual([held + 1, held + 2, held + 3, live?.type === 'ack' ? live.seq : -1]);
        await Promise.all([again.close(), other.close()]);
      });

      it('shows typing to the other side, which then expires by itself', async () => {
        const { client, conversationId } = await visitor();
        const other = await agent(conversationId);
        await client.send({ type: 'typing', active: true });
        const typing = await other.log.waitFor((f) => f.type === 'typing' && f.active);
        expect(typing).toMatchObject({ author: { role: 'visitor' }, expiresInMs: TYPING_TTL_MS });
        await other.log.waitFor((f) => f.type === 'typing' && !f.active, { timeoutMs: TYPING_TTL_MS * 5 });
        // The other direction; the sender never gets its own typing back.
        await other.send({ type: 'typing', active: true });
        await client.log.waitFor((f) => f.type === 'typing' && f.active && f.author.role === 'agent');
        expect(other.log.frames.some((f) => f.type === 'typing' && f.author.role === 'agent')).toBe(false);
        await Promise.all([client.close(), other.close()]);
      });

      it('keeps a read cursor across reconnects and never moves it back', async () => {
        const { client, token, conversationId } = await visitor();
        const other = await agent(conversationId);
        const ack = await client.send({ type: 'send', clientId: clientId(), text: 'read me' });
        const seq = ack?.type === 'ack' ? ack.seq : -1;
        await client.send({ type: 'read', seq });
        const read = await other.log.waitFor((f) => f.type === 'read' && f.reader.role === 'visitor');
        expect(read).toMatchObject({ type: 'read', seq });
        await client.send({ type: 'read', seq: 0 });
        await client.close();
        const again = await connect({ baseUrl: server().baseUrl, token, lastSeq: seq });
        const cursor = await again.log.waitFor((f) => f.type === 'read' && f.reader.role === 'visitor');
        expect(cursor).toMatchObject({ seq });
        await Promise.all([again.close(), other.close()]);
      });
    },
    { realtime: { typingTtlMs: TYPING_TTL_MS } },
  );
}
