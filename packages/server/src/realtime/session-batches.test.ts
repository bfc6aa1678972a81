import Fastify from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { MAX_BATCH_MESSAGES, type ServerFrame } from '@parley/protocol';
import { conversationChannel } from '../bus/bus.js';
import { MemoryBus } from '../bus/memory-bus.js';
import { encodeEvent } from '../engine/conversation-events.js';
import type { Principal } from './authenticate.js';
import { RealtimeSession, type SessionDeps, type Sink } from './session.js';
import { parseFrame } from './testing/frame-log.js';
import { openVisitor, startRealtimeServer, type RealtimeServer } from './testing/realtime-server.js';

class RecordingSink implements Sink {
  readonly frames: ServerFrame[] = [];
  /** The seq each write was tagged with (SSE turns it into the event id). */
  readonly tags: number[] = [];
  write(json: string, frame: { readonly seq: number }): void {
    this.frames.push(parseFrame(json));
    this.tags.push(frame.seq);
  }
  pendingBytes(): number {
    return 0;
  }
  close(): void {}
  seqs(): number[] {
    return this.frames.flatMap((frame) =>
      frame.type === 'message' ? [frame.message.seq] : frame.type === 'messages' ? frame.messages.map((m) => m.seq) : [],
    );
  }
}

const settle = (): Promise<void> => new Promise((resolve) => setTimeout(resolve, 50));

describe('realtime backlog in batches [sqlite]', () => {
  let server: RealtimeServer;
  const bus = new MemoryBus();
  let deps: SessionDeps;
  let principal: Principal;
  let total = 0;
  beforeAll(async () => {
    server = await startRealtimeServer('sqlite');
    const { engine, botTurns, signals } = server.services;
    deps = { engine, botTurns, signals, bus, log: Fastify({ logger: false }).log };
    const { conversationId } = await openVisitor(server);
    principal = { conversationId, author: { role: 'visitor', id: conversationId, name: 'Visitor' }, botId: null, language: 'en' };
    for (let i = 0; i < 450; i++) await engine.append({ conversationId, author: principal.author, type: 'text', text: `message ${i}` });
    // A private note holds a seq that a visitor never sees.
    await engine.append({ conversationId, author: { role: 'agent', id: 'agt_1', name: 'Ann' }, type: 'note', text: 'private' });
    await engine.append({ conversationId, author: principal.author, type: 'text', text: 'after the note' });
    total = Number((await engine.getConversation(conversationId))?.last_seq ?? 0);
  });
  afterAll(() => server.close());

  it('sends the backlog as a few messages frames, every seq once and in order, to a client that asked for batches', async () => {
    const sink = new RecordingSink();
    const session = new RealtimeSession(deps, principal, sink);
    await session.hello(0, true);
    await settle();
    const batches = sink.frames.filter((frame) => frame.type === 'messages');
    expect(sink.frames.filter((frame) => frame.type === 'message')).toEqual([]);
    expect(batches.length).toBe(Math.ceil((total - 1) / MAX_BATCH_MESSAGES));
    for (const batch of batches) expect(batch.messages.length).toBeLessThanOrEqual(MAX_BATCH_MESSAGES);
    const seqs = sink.seqs();
    expect(seqs).toEqual([...Array(total).keys()].map((i) => i + 1).filter((seq) => seq !== total - 1));
    // Each batch is tagged with its last seq: an SSE stream resumed with Last-Event-ID starts after it.
    const tagged = sink.frames.flatMap((frame, i) => (frame.type === 'messages' ? [[sink.tags[i], frame.messages.at(-1)?.seq]] : []));
    for (const [tag, last] of tagged) expect(tag).toBe(last);
    // Live messages after the backlog still come one frame each.
    const { message } = await server.services.engine.append({
      conversationId: principal.conversationId,
      author: principal.author,
      type: 'text',
      text: 'live',
    });
    await bus.publish(conversationChannel(principal.conversationId), encodeEvent({ type: 'message', message }, 'visitor:x'));
    await settle();
    expect(sink.frames.at(-1)).toMatchObject({ type: 'message', message: { seq: message.seq } });
    session.close(1000, 'done');
    total = message.seq;
  });

  it('resumes after lastSeq in batches', async () => {
    const sink = new RecordingSink();
    const session = new RealtimeSession(deps, principal, sink);
    await session.hello(total - 5, true);
    await settle();
    expect(sink.frames.filter((frame) => frame.type === 'messages')).toHaveLength(1);
    expect(sink.seqs()).toEqual([total - 4, total - 3, total - 1, total]); // total - 2 is the note
    session.close(1000, 'done');
  });

  it('sends one message frame per message to a client that did not ask for batches', async () => {
    const sink = new RecordingSink();
    const session = new RealtimeSession(deps, principal, sink);
    await session.hello(0);
    await settle();
    expect(sink.frames.filter((frame) => frame.type === 'messages')).toEqual([]);
    expect(sink.frames.filter((frame) => frame.type === 'message')).toHaveLength(total - 1);
    session.close(1000, 'done');
  });
});
