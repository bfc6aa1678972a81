import { Emitter } from '@parley/client';
import type { Message, SessionCreated } from '@parley/protocol';
import { afterEach, describe, expect, it, vi } from 'vitest';
import type { ChatSource, SourceEvents } from './chat-source.js';
import { PersistStore } from './persist.js';
import { TabShare } from './tab-share.js';

/** A source that records what it was asked to send, with the key it was given. */
class RecordingSource extends Emitter<SourceEvents> implements ChatSource {
  readonly sent: { text: string; clientId: string | undefined }[] = [];
  readonly adopted: SessionCreated[] = [];
  start(): void {}
  adopt(created: SessionCreated): void {
    this.adopted.push(created);
  }
  send(text: string, clientId?: string): void {
    this.sent.push({ text, clientId });
  }
  retry(): void {}
  typing(): void {}
  markRead(): void {}
  async restart(): Promise<void> {}
  close(): void {}
}

/** Web Locks whose grant the test decides: the tab asks, and leads only when `grant()` is called. */
function heldLocks(): { grant: () => void } {
  let granted: (() => void) | undefined;
  const locks = {
    request: (_name: string, callback: () => unknown) =>
      new Promise((resolve) => {
        granted = () => resolve(callback());
      }),
  };
  Object.defineProperty(globalThis, 'navigator', { value: { locks }, configurable: true });
  return { grant: () => granted?.() };
}

function message(seq: number): Message {
  const author = { role: 'agent', id: 'a1', name: 'Ada' } as const;
  return {
    id: `m${seq}`,
    conversationId: 'conv_1',
    seq,
    author,
    type: 'text',
    text: `#${seq}`,
    payload: null,
    clientId: null,
    createdAt: '',
  };
}

/** A tab that leads alone (no Web Locks here) over one source, and what it passes on: each `messages` event's seqs. */
function leader(name: string) {
  const source = new RecordingSource();
  const store = new PersistStore(name);
  const share = new TabShare(name, store, () => source, profile);
  const passed: number[][] = [];
  share.on('messages', (messages) => passed.push(messages.map((held) => held.seq)));
  share.start();
  return { source, store, share, passed };
}

/** A tab waiting for the lead (Web Locks the test grants), started; each source it makes once it leads is in `sources`. */
function follower(name: string) {
  const locks = heldLocks();
  const store = new PersistStore(name);
  const sources: RecordingSource[] = [];
  const share = new TabShare(name, store, () => sources[sources.push(new RecordingSource()) - 1]!, profile);
  share.start();
  return { locks, store, sources, share };
}

const profile = () => ({ language: 'en', attributes: {}, identity: null, contact: null });

describe('TabShare', () => {
  const shares: TabShare[] = [];
  afterEach(() => {
    for (const share of shares.splice(0)) share.close();
    Reflect.deleteProperty(globalThis, 'navigator');
  });

  it('runs a send asked before this tab got the lead once it leads, with the key made when it was asked', () => {
    const { locks, sources, share } = follower('parley-test-a');
    shares.push(share);
    share.send('What are your opening hours?');
    expect(sources).toHaveLength(0);
    locks.grant();
    expect(sources).toHaveLength(1);
    expect(sources[0]!.sent).toEqual([{ text: 'What are your opening hours?', clientId: expect.stringMatching(/^[0-9A-Z]{26}$/) }]);
  });

  it('does not run again a send whose key a leader before it stored already', () => {
    const { locks, store, sources, share } = follower('parley-test-b');
    shares.push(share);
    share.send('first');
    share.send('second');
    // The leader that was there ran "first" and stored it in its outbox, then went away before confirming.
    const pending = [...(share as unknown as { pending: Map<string, { a: readonly unknown[] }> }).pending.values()];
    const firstKey = pending[0]!.a[1] as string;
    store.update(() => ({ outbox: [{ clientId: firstKey, text: 'first', createdAt: 0, status: 'pending', retryable: true }] }));
    locks.grant();
    expect(sources[0]!.sent.map((sent) => sent.text)).toEqual(['second']);
  });

  it('passes a switch to another conversation (adopt) to the leader, also one asked before this tab led', () => {
    const created: SessionCreated = {
      token: 't2',
      conversationId: 'conv_2',
      expiresAt: '2099-01-01T00:00:00.000Z',
      resumed: true,
      messages: [message(1)],
    };
    const { locks, sources, share } = follower('parley-test-c');
    shares.push(share);
    share.adopt(created);
    expect(sources).toHaveLength(0);
    locks.grant();
    expect(sources[0]!.adopted).toEqual([created]);
    share.adopt({ ...created, conversationId: 'conv_3' });
    expect(sources[0]!.adopted.map((taken) => taken.conversationId)).toEqual(['conv_2', 'conv_3']);
  });

  describe('a backlog of a thousand messages', () => {
    afterEach(() => vi.useRealTimers());
    const backlog = Array.from({ length: 1000 }, (_, index) => message(index + 1));

    it('is passed on (stored, rendered) newest first, 50 in the task it arrived in and 50 more a task after that', () => {
      vi.useFakeTimers();
      const tab = leader('parley-test-slices');
      shares.push(tab.share);
      tab.source.emit('messages', backlog);
      // The task the backlog arrived in handles what a conversation of 50 would: its newest 50, stored with lastSeq.
      expect(tab.passed).toEqual([backlog.slice(-50).map((held) => held.seq)]);
      expect(tab.store.read().messages.map((held) => held.seq)).toEqual(backlog.slice(-50).map((held) => held.seq));
      expect(tab.store.read().lastSeq).toBe(1000);
      vi.advanceTimersToNextTimer();
      expect(tab.passed).toHaveLength(2);
      vi.runAllTimers();
      // 20 slices of 50, each one run of messages just older than the one before: what is held is always the newest run.
      expect(tab.passed).toHaveLength(20);
      for (const [index, seqs] of tab.passed.entries()) expect(seqs).toEqual(range(1001 - 50 * (index + 1), 50));
      // Storage keeps its newest 300, in order.
      expect(tab.store.read().messages.map((held) => held.seq)).toEqual(range(701, 300));
    });

    it('stops passing on the older slices once the conversation was replaced, or the tab closed', () => {
      vi.useFakeTimers();
      const reset = leader('parley-test-slices-reset');
      shares.push(reset.share);
      reset.source.emit('messages', backlog);
      reset.source.emit('reset', undefined);
      vi.runAllTimers();
      expect(reset.passed).toHaveLength(1);
      expect(reset.store.read().messages).toEqual([]);

      const closed = leader('parley-test-slices-close');
      closed.source.emit('messages', backlog);
      vi.advanceTimersToNextTimer();
      closed.share.close();
      vi.runAllTimers();
      expect(closed.passed).toHaveLength(2);
    });
  });
});

/** `count` seqs from `from`, ascending. */
function range(from: number, count: number): number[] {
  return Array.from({ length: count }, (_, index) => from + index);
}
