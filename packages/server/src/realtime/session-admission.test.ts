import Fastify from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CLOSE_CODES } from '@parley/protocol';
import { conversationChannel } from '../bus/bus.js';
import { MemoryBus } from '../bus/memory-bus.js';
import { encodeEvent } from '../engine/conversation-events.js';
import { Admission } from './admission.js';
import type { Principal } from './authenticate.js';
import { RealtimeSession, type SessionDeps } from './session.js';
import { RecordingSink } from './testing/recording-sink.js';
import { openVisitor, startRealtimeServer, type RealtimeServer } from './testing/realtime-server.js';

const settle = (): Promise<void> => new Promise((resolve) => setTimeout(resolve, 50));

describe('hellos taking turns (admission) [sqlite]', () => {
  let server: RealtimeServer;
  // The sessions listen on their own bus, so the test publishes the live events they see.
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

  /** Stores a message and publishes it, as the engine does on a live node. */
  async function post(principal: Principal, text: string): Promise<number> {
    const { message } = await server.services.engine.append({
      conversationId: principal.conversationId,
      author: { role: 'agent', id: 'agt_1', name: 'Ann' },
      type: 'text',
      text,
    });
    await bus.publish(conversationChannel(principal.conversationId), encodeEvent({ type: 'message', message }, 'agent:agt_1'));
    return message.seq;
  }

  it('welcomes every one of many concurrent hellos beyond the limit, each with its backlog and live messages in order, once each', async () => {
    const admission = new Admission({ concurrency: 2, maxQueue: 100 });
    const conversations = await Promise.all(Array.from({ length: 3 }, () => conversation()));
    for (const principal of conversations) for (let i = 0; i < 3; i++) await post(principal, `before ${i}`);
    const clients = Array.from({ length: 24 }, (_, index) => {
      const principal = conversations[index % conversations.length]!;
      const sink = new RecordingSink();
      return { principal, sink, session: new RealtimeSession({ ...deps, admission }, principal, sink) };
    });
    const hellos = clients.map(({ session }) => session.hello(0));
    expect(admission.running).toBe(2);
    expect(admission.waiting).toBe(22);
    // Messages arrive while most hellos still wait their turn: each reaches every client once, after its backlog.
    for (const principal of conversations) for (let i = 0; i < 2; i++) await post(principal, `during ${i}`);
    await Promise.all(hellos);
    await settle();
    const last = new Map<string, number>();
    for (const principal of conversations)
      last.set(principal.conversationId, Number((await deps.engine.getConversation(principal.conversationId))?.last_seq));
    for (const { principal, sink } of clients) {
      expect(sink.frames[0]?.type).toBe('welcome');
      const total = last.get(principal.conversationId)!;
      expect(sink.seqs()).toEqual(Array.from({ length: total }, (_, i) => i + 1));
      expect(sink.closedWith).toBeNull();
    }
    expect(admission.running).toBe(0);
    expect(admission.waiting).toBe(0);
    for (const { session } of clients) session.close(1000, 'done');
  });

  it('drops a hello whose connection closes while it waits: nothing is written to it and the next one gets its turn', async () => {
    const admission = new Admission({ concurrency: 1, maxQueue: 10 });
    const principal = await conversation();
    const blocker = admission.enter();
    const waiting = new RecordingSink();
    const gone = new RealtimeSession({ ...deps, admission }, principal, waiting);
    const next = new RecordingSink();
    const after = new RealtimeSession({ ...deps, admission }, principal, next);
    const hellos = [gone.hello(0), after.hello(0)];
    expect(admission.waiting).toBe(2);
    gone.close(1000, 'client closed');
    expect(admission.waiting).toBe(1);
    blocker!.leave();
    await Promise.all(hellos);
    expect(waiting.frames).toEqual([]);
    expect(next.frames[0]?.type).toBe('welcome');
    expect(admission.running).toBe(0);
    after.close(1000, 'done');
  });

  it('tells a hello past the full queue to come back later (reconnect with a wait, then SERVER_RESTART), reading nothing for it', async () => {
    const admission = new Admission({ concurrency: 1, maxQueue: 1 });
    const principal = await conversation();
    const blocker = admission.enter();
    const queued = new RealtimeSession({ ...deps, admission }, principal, new RecordingSink());
    const queuedHello = queued.hello(0);
    let reads = 0;
    const engine = Object.create(deps.engine) as SessionDeps['engine'];
    engine.getConversation = async (id) => {
      reads += 1;
      return deps.engine.getConversation(id);
    };
    const sink = new RecordingSink();
    const refused = new RealtimeSession({ ...deps, engine, admission }, principal, sink);
    await refused.hello(0);
    expect(sink.frames).toEqual([{ type: 'reconnect', afterMs: expect.any(Number), reason: 'busy' }]);
    const [frame] = sink.frames;
    expect(frame?.type === 'reconnect' && frame.afterMs).toBeGreaterThan(0);
    expect(sink.closedWith).toBe(CLOSE_CODES.SERVER_RESTART.code);
    expect(refused.closed).toBe(true);
    expect(reads).toBe(0);
    blocker!.leave();
    await queuedHello;
    queued.close(1000, 'done');
  });

  it('does not fire the hello timeout while a hello waits for its turn: the client did say hello', async () => {
    const admission = new Admission({ concurrency: 1, maxQueue: 10 });
    const principal = await conversation();
    const blocker = admission.enter();
    const sink = new RecordingSink();
    const session = new RealtimeSession({ ...deps, admission, helloTimeoutMs: 20 }, principal, sink);
    session.awaitHello();
    const hello = session.hello(0);
    await settle(); // more than the hello timeout
    expect(sink.frames).toEqual([]);
    expect(session.closed).toBe(false);
    blocker!.leave();
    await hello;
    expect(sink.frames[0]?.type).toBe('welcome');
    session.close(1000, 'done');
  });

  it('reads no backlog for a client that already holds every message, and still delivers the next one live', async () => {
    const principal = await conversation();
    const held = await post(principal, 'seen before the restart');
    let backlogReads = 0;
    const engine = Object.create(deps.engine) as SessionDeps['engine'];
    engine.messagesAfter = async (...args) => {
      backlogReads += 1;
      return deps.engine.messagesAfter(...args);
    };
    const sink = new RecordingSink();
    const session = new RealtimeSession({ ...deps, engine }, principal, sink);
    await session.hello(held);
    expect(backlogReads).toBe(0);
    const next = await post(principal, 'after the welcome');
    await settle();
    expect(sink.seqs()).toEqual([next]);
    const behind = new RecordingSink();
    const other = new RealtimeSession({ ...deps, engine }, principal, behind);
    await other.hello(held - 1);
    expect(backlogReads).toBe(1);
    expect(behind.seqs()).toEqual([held, next]);
    session.close(1000, 'done');
    other.close(1000, 'done');
  });
});
