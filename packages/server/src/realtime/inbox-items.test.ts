import type { InboxEventReason, InboxItem, Message } from '@parley/protocol';
import { describe, expect, it } from 'vitest';
import { conversationChannel } from '../bus/bus.js';
import { MemoryBus } from '../bus/memory-bus.js';
import { encodeEvent, originKey } from '../engine/conversation-events.js';
import { InboxEntry, type InboxSnapshot } from '../engine/inbox-entry.js';
import { INBOX_CHANNEL, publishInboxEvent, withInboxFeed } from '../engine/inbox-feed.js';
import type { InboxRow } from '../store/inbox-store.js';
import { InboxItems, type InboxItemsOptions, type InboxStream } from './inbox-items.js';
import { parseFrame } from './testing/frame-log.js';

const silent = { warn: () => undefined, error: () => undefined };

/** A conversation as a database would hold it: its messages and agents' read cursors, read as InboxService.entry does. */
class Conversation {
  readonly messages: Message[] = [];
  readonly cursors = new Map<string, number>();
  owner = 'bot';
  updatedAt = '2026-12-07T10:00:00.000Z';

  constructor(readonly id: string) {}

  add(role: Message['author']['role'], text: string): Message {
    const seq = this.messages.length + 1;
    const createdAt = new Date(Date.parse('2026-12-07T10:00:00.000Z') + seq * 1000).toISOString();
    const message: Message = {
      id: `msg_${this.id}_${seq}`,
      conversationId: this.id,
      seq,
      author: { role, id: role === 'visitor' ? this.id : `agt_${role}`, name: role },
      type: 'text',
      text,
      payload: seq % 2 === 0 ? { n: seq } : null,
      clientId: role === 'visitor' ? `cid-${seq}` : null,
      createdAt,
    };
    this.messages.push(message);
    this.updatedAt = createdAt;
    return message;
  }

  snapshot(agentIds: readonly string[]): InboxSnapshot {
    const last = this.messages.at(-1);
    const row: InboxRow = {
      id: this.id,
      widget_id: 'wid_1',
      contact_id: null,
      meta: '{}',
      last_seq: this.messages.length,
      priority: 'normal',
      created_at: '2026-12-07T10:00:00.000Z',
      updated_at: this.updatedAt,
      owner: this.owner,
      assignee_id: null,
      assignee_name: null,
      team_id: null,
      snoozed_until: null,
      queued_at: null,
      offline: null,
      contact_name: null,
      contact_email: null,
      contact_phone: null,
      m_id: last?.id ?? null,
      m_seq: last?.seq ?? null,
      m_author_role: last?.author.role ?? null,
      m_author_id: last?.author.id ?? null,
      m_author_name: last?.author.name ?? null,
      m_type: last?.type ?? null,
      m_text: last?.text ?? null,
      m_payload: last?.payload === null || last === undefined ? null : JSON.stringify(last.payload),
      m_client_id: last?.clientId ?? null,
      m_created_at: last?.createdAt ?? null,
      unread: null,
    };
    const cursors = new Map(agentIds.flatMap((agentId) => (this.cursors.has(agentId) ? [[agentId, this.cursors.get(agentId) ?? 0]] : [])));
    const unreadAfter = new Map(agentIds.map((agentId) => [cursors.get(agentId) ?? 0, 0]));
    for (const position of unreadAfter.keys()) unreadAfter.set(position, this.unread(position));
    return { row, call: undefined, cursors, unreadAfter };
  }

  /** The entry as `agentId` sees it, read now. */
  item(agentId: string, now = Date.now()): InboxItem {
    const entry = new InboxEntry(this.snapshot([agentId]), now);
    return { ...entry.itemAt(now), unread: entry.unread(agentId) };
  }

  private unread(position: number): number {
    return this.messages.filter((message) => message.author.role === 'visitor' && message.seq > position).length;
  }
}

class Stream implements InboxStream {
  readonly frames: { reason: InboxEventReason; item: InboxItem }[] = [];
  failed: unknown;
  constructor(readonly agentId: string) {}
  deliver(json: string): void {
    const frame = parseFrame(json);
    if (frame.type === 'inbox') this.frames.push({ reason: frame.reason, item: frame.item });
  }
  fail(error: unknown): void {
    this.failed = error;
  }
  last(conversationId: string): InboxItem | undefined {
    return this.frames.findLast((frame) => frame.item.conversation.id === conversationId)?.item;
  }
}

/** A node's entries over a memory bus, the engine's events published through the inbox feed as in app.ts. */
function node(conversations: readonly Conversation[], options: Partial<InboxItemsOptions> = {}) {
  const bus = new MemoryBus(silent);
  const feed = withInboxFeed(bus, silent);
  const asked: [string, readonly string[]][] = [];
  let failing: Error | undefined;
  const items = new InboxItems({
    bus,
    log: silent,
    read: async (conversationId, agentIds) => {
      asked.push([conversationId, agentIds]);
      if (failing !== undefined) throw failing;
      return conversations.find((conversation) => conversation.id === conversationId)?.snapshot(agentIds);
    },
    ...options,
  });
  const settled = () => new Promise((resolve) => setTimeout(resolve, 5));
  return {
    bus,
    items,
    asked,
    failWith: (error: Error | undefined) => (failing = error),
    settled,
    async message(conversation: Conversation, role: Message['author']['role'], text: string) {
      const message = conversation.add(role, text);
      await feed.publish(conversationChannel(conversation.id), encodeEvent({ type: 'message', message }, originKey(message.author)));
      await settled();
      return message;
    },
    async read(conversation: Conversation, agentId: string, seq: number) {
      const capped = Math.min(seq, conversation.messages.length);
      if (capped <= (conversation.cursors.get(agentId) ?? 0)) return;
      conversation.cursors.set(agentId, capped);
      const reader = { role: 'agent', id: agentId } as const;
      await feed.publish(conversationChannel(conversation.id), encodeEvent({ type: 'read', reader, seq: capped }, originKey(reader)));
      await settled();
    },
    async event(conversation: Conversation, reason: InboxEventReason) {
      await publishInboxEvent(bus, silent, conversation.id, reason);
      await settled();
    },
  };
}

describe("a node's inbox entries", () => {
  it("makes a new message's frames without reading, each agent's unread count following their cursor", async () => {
    const talk = new Conversation('conv_talk');
    talk.add('bot', 'hello');
    talk.add('visitor', 'hi');
    talk.add('visitor', 'anyone?');
    talk.cursors.set('agt_ann', 3);
    const { items, asked, message, event } = node([talk]);
    const ann = new Stream('agt_ann');
    const bob = new Stream('agt_bob');
    await items.join(ann);
    await items.join(bob);
    await event(talk, 'ownership');
    expect(asked).toEqual([['conv_talk', ['agt_ann', 'agt_bob']]]);
    expect(ann.last('conv_talk')?.unread).toBe(0);
    expect(bob.last('conv_talk')?.unread).toBe(2);

    const sent = await message(talk, 'visitor', 'still there?');
    await message(talk, 'agent', 'yes');
    await message(talk, 'visitor', 'good');
    expect(asked).toHaveLength(1);
    for (const stream of [ann, bob]) expect(stream.last('conv_talk')).toEqual(talk.item(stream.agentId));
    expect(bob.frames.map((frame) => [frame.reason, frame.item.unread])).toEqual([
      ['ownership', 2],
      ['message', 3],
      ['message', 3],
      ['message', 4],
    ]);
    expect(ann.frames[1]?.item.lastMessage).toEqual(sent);
    expect(ann.frames[1]?.item.conversation.updatedAt).toBe(sent.createdAt);
    expect(items.reads).toBe(1);
  });

  it("applies an agent's read to their own count, and reads when they moved to a position it cannot count", async () => {
    const talk = new Conversation('conv_reads');
    for (const text of ['a', 'b', 'c', 'd']) talk.add('visitor', text);
    const { items, asked, message, read, event } = node([talk]);
    const ann = new Stream('agt_ann');
    const bob = new Stream('agt_bob');
    await items.join(ann);
    await items.join(bob);
    await event(talk, 'ownership');
    await message(talk, 'visitor', 'e');
    await message(talk, 'visitor', 'f');
    // Read up to the newest (after the entry was read): counted from the messages applied since.
    await read(talk, 'agt_ann', 5);
    expect(asked).toHaveLength(1);
    expect(ann.last('conv_reads')?.unread).toBe(1);
    expect(ann.frames.at(-1)?.reason).toBe('read');
    expect(bob.last('conv_reads')?.unread).toBe(6);
    // Another node's agent: nothing here changes.
    await read(talk, 'agt_elsewhere', 6);
    expect(asked).toHaveLength(1);
    // A position before the read that no agent held then: its count is not known.
    await read(talk, 'agt_bob', 2);
    expect(asked).toHaveLength(2);
    for (const stream of [ann, bob]) expect(stream.last('conv_reads')).toEqual(talk.item(stream.agentId));
  });

  it('reads again on a skipped seq, an event without its frame (an earlier node), ownership, a new agent and an old entry', async () => {
    let now = 1_000_000;
    const talk = new Conversation('conv_fallback');
    talk.add('visitor', 'first');
    const { items, asked, message, event, bus } = node([talk], { now: () => now, maxAgeMs: 60_000 });
    const ann = new Stream('agt_ann');
    await items.join(ann);
    await message(talk, 'visitor', 'second');
    expect(asked).toHaveLength(1);
    await message(talk, 'visitor', 'third');
    expect(asked).toHaveLength(1);
    // A seq whose event never came (a note: published without the message): the next one shows the gap.
    talk.add('agent', 'a note');
    await message(talk, 'visitor', 'fifth');
    expect(asked).toHaveLength(2);
    // An earlier version's event: no frame.
    talk.add('visitor', 'sixth');
    await bus.publish(INBOX_CHANNEL, JSON.stringify({ conversationId: talk.id, reason: 'message' }));
    await new Promise((resolve) => setTimeout(resolve, 5));
    expect(asked).toHaveLength(3);
    talk.owner = 'human';
    await event(talk, 'ownership');
    expect(asked).toHaveLength(4);
    expect(ann.last(talk.id)?.conversation.owner).toBe('human');
    // An agent who joined after the entry was read is not in it.
    const cy = new Stream('agt_cy');
    await items.join(cy);
    await message(talk, 'visitor', 'seventh');
    expect(asked.at(-1)).toEqual([talk.id, ['agt_ann', 'agt_cy']]);
    await message(talk, 'visitor', 'eighth');
    expect(asked).toHaveLength(5);
    now += 60_001;
    await message(talk, 'visitor', 'ninth');
    expect(asked).toHaveLength(6);
    for (const stream of [ann, cy]) expect(stream.last(talk.id)).toEqual(talk.item(stream.agentId, now));
  });

  it('applies the events that came while the entry was read after it, in one frame', async () => {
    const talk = new Conversation('conv_busy');
    talk.add('visitor', 'one');
    const bus = new MemoryBus(silent);
    const feed = withInboxFeed(bus, silent);
    let release: () => void = () => undefined;
    let reads = 0;
    const items = new InboxItems({
      bus,
      log: silent,
      read: async (_conversationId, agentIds) => {
        reads += 1;
        const snapshot = talk.snapshot(agentIds);
        await new Promise<void>((resolve) => (release = resolve));
        return snapshot;
      },
    });
    const ann = new Stream('agt_ann');
    await items.join(ann);
    await publishInboxEvent(bus, silent, talk.id, 'ownership');
    await new Promise((resolve) => setTimeout(resolve, 5));
    for (const text of ['two', 'three']) {
      const message = talk.add('visitor', text);
      await feed.publish(conversationChannel(talk.id), encodeEvent({ type: 'message', message }, originKey(message.author)));
    }
    await new Promise((resolve) => setTimeout(resolve, 5));
    release();
    await new Promise((resolve) => setTimeout(resolve, 5));
    expect(reads).toBe(1);
    expect(ann.frames.map((frame) => [frame.reason, frame.item.unread, frame.item.lastMessage?.text])).toEqual([
      ['ownership', 1, 'one'],
      ['message', 3, 'three'],
    ]);
  });

  it('reads the conversations a bus gap names once for all streams, and drops every entry when it names none', async () => {
    const talk = new Conversation('conv_gap');
    talk.add('visitor', 'one');
    const { items, asked, message, settled } = node([talk]);
    const streams = [new Stream('agt_ann'), new Stream('agt_ann'), new Stream('agt_bob')];
    for (const stream of streams) await items.join(stream);
    await message(talk, 'visitor', 'two');
    expect(asked).toHaveLength(1);
    for (let i = 0; i < streams.length; i++) items.resync(new Set([talk.id]));
    await settled();
    expect(asked).toHaveLength(2);
    expect(streams.map((stream) => stream.frames.at(-1)?.reason)).toEqual(['message', 'message', 'message']);
    items.resync('all');
    await message(talk, 'visitor', 'three');
    expect(asked).toHaveLength(3);
    // The last stream gone: the channel is left and nothing is kept.
    for (const stream of streams) items.leave(stream);
    await message(talk, 'visitor', 'four');
    expect(asked).toHaveLength(3);
    const ann = new Stream('agt_ann');
    await items.join(ann);
    await message(talk, 'visitor', 'five');
    expect(asked).toHaveLength(4);
    expect(ann.last(talk.id)).toEqual(talk.item('agt_ann'));
  });

  it('keeps the most recently changed entries, fails every stream when a read fails, and says nothing of a conversation gone', async () => {
    const conversations = ['conv_a', 'conv_b', 'conv_c'].map((id) => new Conversation(id));
    for (const conversation of conversations) conversation.add('visitor', 'hi');
    const { items, asked, message, failWith, event } = node(conversations, { maxEntries: 2 });
    const ann = new Stream('agt_ann');
    await items.join(ann);
    for (const conversation of conversations) await message(conversation, 'visitor', 'again');
    expect(asked).toHaveLength(3);
    await message(conversations[2] as Conversation, 'visitor', 'c is kept');
    await message(conversations[1] as Conversation, 'visitor', 'b is kept');
    expect(asked).toHaveLength(3);
    await message(conversations[0] as Conversation, 'visitor', 'a was dropped');
    expect(asked).toHaveLength(4);
    await event(new Conversation('conv_gone'), 'ownership');
    expect(ann.frames.some((frame) => frame.item.conversation.id === 'conv_gone')).toBe(false);
    failWith(new Error('database away'));
    await event(conversations[0] as Conversation, 'ownership');
    expect(ann.failed).toEqual(new Error('database away'));
  });
});
