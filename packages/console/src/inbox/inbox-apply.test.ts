import { describe, expect, it } from 'vitest';
import type { InboxItem } from '../types.js';
import { applyItem, belongs, markReceived, mergeHead, waitedMs } from './inbox-apply.js';

/** A list entry: conversation `n`, last active at minute `minute` of a fixed hour (later is newer). */
function entry(n: number, minute: number, change: Partial<InboxItem['conversation']> = {}): InboxItem {
  const at = `2026-01-05T10:${String(minute).padStart(2, '0')}:00.000Z`;
  return {
    conversation: {
      id: `cnv_${String(n).padStart(4, '0')}`,
      widgetId: 'wgt_1',
      owner: 'queued',
      status: 'open',
      assignee: null,
      teamId: null,
      priority: 'normal',
      createdAt: at,
      updatedAt: at,
      snoozedUntil: null,
      ...change,
    },
    contact: { id: null, name: `Customer ${n}`, email: null, phone: null },
    lastMessage: null,
    unread: 1,
    waitingSinceMs: null,
  };
}
const ids = (items: readonly InboxItem[]): number[] => items.map((item) => Number(item.conversation.id.slice(4)));
/** Conversations 1…count, the first the newest. */
const list = (count: number): InboxItem[] => Array.from({ length: count }, (_, index) => entry(index + 1, 50 - index));

const reader = { id: 'agt_me', teamIds: ['team_a'] };
const open = { view: 'all', status: 'open', q: '' } as const;

describe('belongs', () => {
  it('decides the view and the status from the entry, as the server lists them', () => {
    const mine = entry(1, 1, { assignee: { id: 'agt_me', name: 'Me' }, owner: 'human', teamId: 'team_a' });
    const theirs = entry(2, 1, { assignee: { id: 'agt_other', name: 'Other' }, owner: 'human', teamId: 'team_b' });
    const queued = entry(3, 1);
    expect([mine, theirs, queued].map((item) => belongs(item, { ...open, view: 'mine' }, reader))).toEqual([true, false, false]);
    expect([mine, theirs, queued].map((item) => belongs(item, { ...open, view: 'unassigned' }, reader))).toEqual([false, false, true]);
    expect([mine, theirs, queued].map((item) => belongs(item, { ...open, view: 'team' }, reader))).toEqual([true, false, false]);
    expect([mine, theirs, queued].map((item) => belongs(item, open, reader))).toEqual([true, true, true]);
    expect(belongs(entry(4, 1, { status: 'resolved', owner: 'resolved' }), open, reader)).toBe(false);
  });

  it('cannot tell for a search (it matches message text the console does not hold)', () => {
    expect(belongs(entry(1, 1), { ...open, q: 'refund' }, reader)).toBeUndefined();
  });
});

describe('applyItem', () => {
  it('moves a conversation with new activity to the top, the other entries kept as they were', () => {
    const held = list(5);
    const next = applyItem(held, entry(4, 59), true, false);
    expect(ids(next)).toEqual([4, 1, 2, 3, 5]);
    expect(next[1]).toBe(held[0]);
  });

  it('puts a new conversation where the server orders it, newest activity first then the larger id', () => {
    const held = list(4); // minutes 50, 49, 48, 47
    expect(ids(applyItem(held, entry(9, 49), true, false))).toEqual([1, 9, 2, 3, 4]);
    expect(ids(applyItem(held, entry(0, 49), true, false))).toEqual([1, 2, 0, 3, 4]);
  });

  it('takes out a conversation that left the list (resolved, reassigned), and leaves one past the loaded pages to "Load more"', () => {
    const held = list(4);
    expect(ids(applyItem(held, entry(2, 55, { status: 'resolved' }), false, false))).toEqual([1, 3, 4]);
    expect(applyItem(held, entry(8, 10), false, false)).toBe(held);
    expect(ids(applyItem(held, entry(8, 10), true, false))).toEqual([1, 2, 3, 4]);
    // With nothing more to load, it goes at the end.
    expect(ids(applyItem(held, entry(8, 10), true, true))).toEqual([1, 2, 3, 4, 8]);
  });
});

describe('mergeHead', () => {
  it('takes the first page read again as the truth for its range and keeps the entries loaded beyond it', () => {
    const held = { items: list(6), cursor: 'after-6' };
    // Read again: 5 moved up (new activity), 2 left the list; the page ends at 3, with more after it.
    const page = { items: [entry(5, 58), entry(1, 50), entry(3, 48)], nextCursor: 'after-3' };
    const merged = mergeHead(held, page);
    expect(ids(merged.items)).toEqual([5, 1, 3, 4, 6]);
    expect(merged.cursor).toBe('after-6');
  });

  it('replaces the list when the page is all there is, or when nothing was held', () => {
    const page = { items: [entry(2, 50)], nextCursor: null };
    expect(mergeHead({ items: list(3), cursor: null }, page)).toEqual({ items: page.items, cursor: null });
    expect(mergeHead(null, { items: list(2), nextCursor: 'c' })).toEqual({ items: list(2), cursor: 'c' });
  });
});

describe('waitedMs', () => {
  it('grows from what the entry said when it was read', () => {
    const item = { ...entry(1, 1), waitingSinceMs: 60_000 };
    markReceived([item], 1_000);
    expect(waitedMs(item, 31_000)).toBe(90_000);
    expect(waitedMs(entry(2, 1), 31_000)).toBeNull();
  });
});
