import type { InboxItem } from '@parley/protocol';
import { describe, expect, it } from 'vitest';
import { InboxItems } from './inbox-items.js';

const entry = (conversationId: string, unread: number) => ({ conversation: { id: conversationId }, unread }) as unknown as InboxItem;

describe('inbox entries read together', () => {
  it("answers every stream's request for a conversation made in one turn with one read, each with its own entry", async () => {
    const reads: [string, readonly string[]][] = [];
    const items = new InboxItems(async (conversationId, agentIds) => {
      reads.push([conversationId, agentIds]);
      return new Map(agentIds.map((agentId, at) => [agentId, entry(conversationId, at)]));
    });
    const asked = await Promise.all([
      items.item('conv_a', 'agt_1'),
      items.item('conv_a', 'agt_2'),
      items.item('conv_b', 'agt_1'),
      items.item('conv_a', 'agt_1'),
    ]);
    expect(reads).toEqual([
      ['conv_a', ['agt_1', 'agt_2']],
      ['conv_b', ['agt_1']],
    ]);
    expect(asked).toEqual([entry('conv_a', 0), entry('conv_a', 1), entry('conv_b', 0), entry('conv_a', 0)]);
    // A stream that asks later (it was busy with an earlier entry) gets a read of its own, with what is there now.
    expect(await items.item('conv_a', 'agt_2')).toEqual(entry('conv_a', 0));
    expect(reads).toHaveLength(3);
  });

  it('answers undefined when the conversation is gone, and fails every request of a read that failed', async () => {
    let fail = false;
    const items = new InboxItems(async () => {
      if (fail) throw new Error('database away');
      return undefined;
    });
    expect(await Promise.all([items.item('conv_gone', 'agt_1'), items.item('conv_gone', 'agt_2')])).toEqual([undefined, undefined]);
    fail = true;
    const failed = await Promise.allSettled([items.item('conv_a', 'agt_1'), items.item('conv_a', 'agt_2')]);
    expect(failed.map((result) => result.status)).toEqual(['rejected', 'rejected']);
  });
});
