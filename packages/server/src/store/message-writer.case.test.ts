import { expect, it } from 'vitest';
import { createBotAndWidget, visitorMessage } from '../testing/fixtures.js';
import { describeEachStore, type TestServer } from '../testing/test-server.js';

async function newConversation(server: TestServer): Promise<string> {
  const { widgetId } = await createBotAndWidget(server);
  const created = await server.request('POST', `/v1/widgets/${widgetId}/sessions`, { body: {} });
  return created.json.conversationId;
}

describeEachStore('message writer', (server) => {
  it('gives each new message the next seq of its conversation and stores it', async () => {
    const { messageWriter } = server().services.database;
    const conversationId = await newConversation(server());
    const first = await messageWriter.append(visitorMessage(conversationId, 'one', 'client-a1'));
    const second = await messageWriter.append(visitorMessage(conversationId, 'two', null));
    expect([first.created, second.created]).toEqual([true, true]);
    expect(second.row.seq).toBe(first.row.seq + 1);
    const stored = await server().services.engine.messagesAfter(conversationId, 0);
    expect(stored.slice(-2).map((m) => [m.seq, m.text, m.clientId])).toEqual([
      [first.row.seq, 'one', 'client-a1'],
      [second.row.seq, 'two', null],
    ]);
  });

  it('returns the stored original for a known clientId and consumes no seq', async () => {
    const { messageWriter } = server().services.database;
    const conversationId = await newConversation(server());
    const original = await messageWriter.append(visitorMessage(conversationId, 'original', 'client-dup'));
    const resend = await messageWriter.append(visitorMessage(conversationId, 'resent text', 'client-dup'));
    expect(resend.created).toBe(false);
    expect(resend.row).toEqual(original.row);
    const next = await messageWriter.append(visitorMessage(conversationId, 'after', 'client-next'));
    expect(next.row.seq).toBe(original.row.seq + 1);
  });

  it('hands out gapless seqs to 40 concurrent appends in one conversation', async () => {
    const { messageWriter } = server().services.database;
    const conversationId = await newConversation(server());
    const before = (await server().services.engine.getConversation(conversationId))?.last_seq ?? 0;
    const written = await Promise.all(
      Array.from({ length: 40 }, (_, i) => messageWriter.append(visitorMessage(conversationId, `m${i}`, `c-${i}`))),
    );
    expect(written.map((w) => w.row.seq).sort((a, b) => a - b)).toEqual(Array.from({ length: 40 }, (_, i) => before + i + 1));
  });

  it('stores the messages sent together with one that fails, with no gap, and fails only that one', async () => {
    const { messageWriter } = server().services.database;
    const conversationId = await newConversation(server());
    const before = (await server().services.engine.getConversation(conversationId))?.last_seq ?? 0;
    const [first, lost, second] = await Promise.allSettled([
      messageWriter.append(visitorMessage(conversationId, 'first', 'c-together-1')),
      messageWriter.append(visitorMessage('conv_missing', 'lost', 'c-together-2')),
      messageWriter.append(visitorMessage(conversationId, 'second', 'c-together-3')),
    ]);
    expect(lost).toMatchObject({
      status: 'rejected',
      reason: expect.objectContaining({ message: expect.stringMatching(/does not exist/) }),
    });
    const stored = await server().services.engine.messagesAfter(conversationId, before);
    // Sent at once, they may commit in either order (PostgreSQL: two connections), but with no gap.
    expect(stored.map((m) => m.seq)).toEqual([before + 1, before + 2]);
    expect(stored.map((m) => m.text).sort()).toEqual(['first', 'second']);
    expect([first.status, second.status]).toEqual(['fulfilled', 'fulfilled']);
  });

  it('stores the messages sent together with one whose statement fails, with no gap, and fails only that one', async () => {
    const { messageWriter } = server().services.database;
    const conversationId = await newConversation(server());
    const taken = await messageWriter.append(visitorMessage(conversationId, 'taken', 'c-failing-0'));
    const before = taken.row.seq;
    // A second row with a stored message's id breaks the primary key: an SQL error in the middle of a burst
    // (SQLite rolls back that message's savepoint only; a writer that put the burst in one transaction
    // must not lose the others with it).
    const [first, failing, second] = await Promise.allSettled([
      messageWriter.append(visitorMessage(conversationId, 'first', 'c-failing-1')),
      messageWriter.append({ ...visitorMessage(conversationId, 'clash', 'c-failing-2'), id: taken.row.id }),
      messageWriter.append(visitorMessage(conversationId, 'second', 'c-failing-3')),
    ]);
    expect(failing.status).toBe('rejected');
    expect([first.status, second.status]).toEqual(['fulfilled', 'fulfilled']);
    const stored = await server().services.engine.messagesAfter(conversationId, before);
    expect(stored.map((m) => m.seq)).toEqual([before + 1, before + 2]);
    expect(stored.map((m) => m.text).sort()).toEqual(['first', 'second']);
  });

  it('stores a message sent twice at once with one clientId once, and answers both with it', async () => {
    const { engine } = server().services;
    const conversationId = await newConversation(server());
    const author = { role: 'visitor', id: 'v1', name: 'Visitor' } as const;
    const send = (text: string) => engine.append({ conversationId, author, type: 'text', text, clientId: 'c-twice-at-once' });
    const [a, b] = await Promise.all([send('once'), send('once, resent')]);
    expect([a.created, b.created].sort()).toEqual([false, true]);
    expect(a.message).toEqual(b.message);
    const stored = await engine.messagesAfter(conversationId, 0);
    expect(stored.filter((m) => m.clientId === 'c-twice-at-once')).toHaveLength(1);
  });

  it('refuses a message for a conversation that does not exist, writing nothing', async () => {
    const { messageWriter } = server().services.database;
    await expect(messageWriter.append(visitorMessage('conv_missing', 'lost', 'client-x1'))).rejects.toThrow(/does not exist/);
    expect(await server().services.engine.messagesAfter('conv_missing', 0)).toEqual([]);
  });
});
