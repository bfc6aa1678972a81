import { describe, expect, it } from 'vitest';
import { conversationChannel, type BusGap } from '../bus/bus.js';
import { INBOX_CHANNEL } from '../engine/inbox-feed.js';
import { agentsChannel } from '../engine/private-notes.js';
import { gapTouchesConversation, inboxEntriesAfter } from './gap-scope.js';

const named = (...channels: string[]): BusGap => ({ kind: 'channels', channels: new Set(channels) });

describe('what a bus gap concerns', () => {
  it('touches a conversation through its own channel or its agents-only one, and every conversation when it is "all"', () => {
    expect(gapTouchesConversation(named(conversationChannel('c1')), 'c1')).toBe(true);
    expect(gapTouchesConversation(named(agentsChannel('c1')), 'c1')).toBe(true);
    expect(gapTouchesConversation(named(conversationChannel('c2'), INBOX_CHANNEL), 'c1')).toBe(false);
    expect(gapTouchesConversation({ kind: 'all' }, 'c1')).toBe(true);
  });

  it('leaves inbox streams alone unless inbox events were dropped, then names the conversations concerned', () => {
    expect(inboxEntriesAfter(named(conversationChannel('c1')))).toBeNull();
    expect(inboxEntriesAfter(named(INBOX_CHANNEL, conversationChannel('c1'), agentsChannel('c2'), 'parley:bots'))).toEqual(
      new Set(['c1', 'c2']),
    );
  });

  it('asks inbox streams to refetch everything when it cannot name the conversations', () => {
    expect(inboxEntriesAfter({ kind: 'all' })).toBe('all');
    expect(inboxEntriesAfter(named(INBOX_CHANNEL))).toBe('all');
  });
});
