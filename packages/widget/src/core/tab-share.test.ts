import { Emitter } from '@parley/client';
import { afterEach, describe, expect, it } from 'vitest';
import type { ChatSource, SourceEvents } from './chat-source.js';
import { PersistStore } from './persist.js';
import { TabShare } from './tab-share.js';

/** A source that records what it was asked to send, with the key it was given. */
class RecordingSource extends Emitter<SourceEvents> implements ChatSource {
  readonly sent: { text: string; clientId: string | undefined }[] = [];
  start(): void {}
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

const profile = () => ({ language: 'en', attributes: {}, identity: null, contact: null });

describe('TabShare', () => {
  const shares: TabShare[] = [];
  afterEach(() => {
    for (const share of shares.splice(0)) share.close();
    Reflect.deleteProperty(globalThis, 'navigator');
  });

  it('runs a send asked before this tab got the lead once it leads, with the key made when it was asked', () => {
    const locks = heldLocks();
    const sources: RecordingSource[] = [];
    const share = new TabShare(
      'parley-test-a',
      new PersistStore('parley-test-a'),
      () => sources[sources.push(new RecordingSource()) - 1]!,
      profile,
    );
    shares.push(share);
    share.start();
    share.send('What are your opening hours?');
    expect(sources).toHaveLength(0);
    locks.grant();
    expect(sources).toHaveLength(1);
    expect(sources[0]!.sent).toEqual([{ text: 'What are your opening hours?', clientId: expect.stringMatching(/^[0-9A-Z]{26}$/) }]);
  });

  it('does not run again a send whose key a leader before it stored already', () => {
    const locks = heldLocks();
    const store = new PersistStore('parley-test-b');
    const sources: RecordingSource[] = [];
    const share = new TabShare('parley-test-b', store, () => sources[sources.push(new RecordingSource()) - 1]!, profile);
    shares.push(share);
    share.start();
    share.send('first');
    share.send('second');
    // The leader that was there ran "first" and stored it in its outbox, then went away before confirming.
    const pending = [...(share as unknown as { pending: Map<string, { a: readonly unknown[] }> }).pending.values()];
    const firstKey = pending[0]!.a[1] as string;
    store.update(() => ({ outbox: [{ clientId: firstKey, text: 'first', createdAt: 0, status: 'pending', retryable: true }] }));
    locks.grant();
    expect(sources[0]!.sent.map((sent) => sent.text)).toEqual(['second']);
  });
});
