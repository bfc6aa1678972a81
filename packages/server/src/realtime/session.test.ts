import Fastify from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CLOSE_CODES, MAX_OUTBOUND_BYTES } from '@parley/protocol';
import { conversationChannel } from '../bus/bus.js';
import { MemoryBus } from '../bus/memory-bus.js';
import { encodeEvent } from '../engine/conversation-events.js';
import type { Principal } from './authenticate.js';
import { RealtimeSession, type SessionDeps } from './session.js';
import { RecordingSink } from './testing/recording-sink.js';
import { openVisitor, startRealtimeServer, type RealtimeServer } from './testing/realtime-server.js';

const settle = (): Promise<void> => new Promise((resolve) => setTimeout(resolve, 50));

describe('realtime session ordering and backpressure [sqlite]', () => {
  let server: RealtimeServer;
  // The session listens on its own bus, so the test decides which events it sees and in what order.
  const bus = new MemoryBus();
  let deps: SessionDeps;
  beforeAll(async () => {
    server = await startRealtimeServer('sqlite');
    const { engine, botTurns, signals } = server.services;
    deps = { engine, botTurns, signals, bus, log: Fastify({ logger: false }).log };
  });
  afterAll(() => server.close());

  async function conversation(): Promise<Principal> {
    const { conversationId } = await openVisitor(server);
    return { conversationId, author: { role: 'visitor', id: conversationId, name: 'Visitor' }, botId: null, language: 'en' };
  }

  const append = (principal: Principal, text: string) =>
    server.services.engine.append({ conversationId: principal.conversationId, author: principal.author, type: 'text', text });

  it('fills a gap from the database when a live message skips ahead, and drops ones already sent', async () => {
    const principal = await conversation();
    const sink = new RecordingSink();
    const session = new RealtimeSession(deps, principal, sink);
    await session.hello(0);
    const start = sink.seqs().at(-1) ?? 0;
    const first = await append(principal, 'first');
    const second = await append(principal, 'second');
    // Published out of order, as two concurrent commits may be: the later one first.
    const channel = conversationChannel(principal.conversationId);
    await bus.publish(channel, encodeEvent({ type: 'message', message: second.message }, 'visitor:x'));
    await settle();
    await bus.publish(channel, encodeEvent({ type: 'message', message: first.message }, 'visitor:x'));
    await bus.publish(channel, encodeEvent({ type: 'message', message: second.message }, 'visitor:x'));
    await settle();
    expect(sink.seqs().filter((seq) => seq > start)).toEqual([first.message.seq, second.message.seq]);
    session.close(1000, 'done');
  });

  it('delivers new messages to a client that claims a lastSeq beyond the conversation', async () => {
    const principal = await conversation();
    const sink = new RecordingSink();
    const session = new RealtimeSession(deps, principal, sink);
    await session.hello(10_000);
    const welcome = sink.frames.find((frame) => frame.type === 'welcome');
    const { message } = await append(principal, 'after a restore');
    await bus.publish(conversationChannel(principal.conversationId), encodeEvent({ type: 'message', message }, 'visitor:x'));
    await settle();
    expect(welcome).toMatchObject({ lastSeq: message.seq - 1 });
    expect(sink.seqs()).toEqual([message.seq]);
    session.close(1000, 'done');
  });

  it('sends the welcome first and each message once when a message goes live while the session says hello', async () => {
    const principal = await conversation();
    const held = (await append(principal, 'held')).message.seq;
    const channel = conversationChannel(principal.conversationId);
    let live: number | undefined;
    // The race the long-poll transport met on PostgreSQL: a message is committed and published after the
    // subscription but before the conversation's last seq is read.
    const engine = Object.create(deps.engine) as SessionDeps['engine'];
    engine.getConversation = async (id) => {
      const { message } = await append(principal, 'live during hello');
      live = message.seq;
      await bus.publish(channel, encodeEvent({ type: 'message', message }, 'agent:x'));
      await settle();
      return deps.engine.getConversation(id);
    };
    const sink = new RecordingSink();
    const session = new RealtimeSession({ ...deps, engine }, principal, sink);
    await session.hello(held);
    await settle();
    expect(sink.frames[0]?.type).toBe('welcome');
    expect(sink.seqs()).toEqual([live]);
    session.close(1000, 'done');
  });

  it('closes a connection that stopped reading with SLOW_CONSUMER', async () => {
    const principal = await conversation();
    const sink = new RecordingSink();
    const session = new RealtimeSession(deps, principal, sink);
    await session.hello(0);
    sink.pending = MAX_OUTBOUND_BYTES + 1;
    const { message } = await append(principal, 'one too many');
    await bus.publish(conversationChannel(principal.conversationId), encodeEvent({ type: 'message', message }, 'visitor:x'));
    await settle();
    expect(sink.closedWith).toBe(CLOSE_CODES.SLOW_CONSUMER.code);
    expect(session.closed).toBe(true);
  });

  it('ignores bus payloads that are not conversation events', async () => {
    const principal = await conversation();
    const sink = new RecordingSink();
    const session = new RealtimeSession(deps, principal, sink);
    await session.hello(0);
    const before = sink.frames.length;
    await bus.publish(conversationChannel(principal.conversationId), 'garbage without a header');
    await settle();
    expect(sink.frames).toHaveLength(before);
    session.close(1000, 'done');
  });
});
