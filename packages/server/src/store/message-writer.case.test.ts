import { expect, it } from 'vitest';
import { createBotAndWidget } from '../testing/fixtures.js';
import { describeEachStore, type TestServer } from '../testing/test-server.js';
import { newId, nowIso } from './ids.js';
import type { NewMessage } from './message-writer.js';

async function newConversation(server: TestServer): Promise<string> {
  const { widgetId } = await createBotAndWidget(server);
  const created = await server.request('POST', `/v1/widgets/${widgetId}/sessions`, { body: {} });
  return created.json.conversationId;
}

function message(conversationId: string, text: string, clientId: string | null): NewMessage {
  return {
    id: newId('msg'),
    conversation_id: conversationId,
    author_role: 'visitor',
    author_id: 'v1',
    author_name: 'Visitor',
    type: 'text',
    text,
    payload: null,
    client_id: clientId,
    created_at: nowIso(),
  };
}

describeEachStore('message writer', (server) => {
  it('gives each new message the next seq of its conversation and stores it', async () => {
    const { messageWriter } = server().services.database;
    const conversationId = await newConversation(server());
    const first = await messageWriter.append(message(conversationId, 'one', 'client-a1'));
    const second = await messageWriter.append(message(conversationId, 'two', null));
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
    const original = await messageWriter.append(message(conversationId, 'original', 'client-dup'));
    const resend = await messageWriter.append(message(conversationId, 'resent text', 'client-dup'));
    expect(resend.created).toBe(false);
    expect(resend.row).toEqual(original.row);
    const next = await messageWriter.append(message(conversationId, 'after', 'client-next'));
    expect(next.row.seq).toBe(original.row.seq + 1);
  });

  it('hands out gapless seqs to 40 concurrent appends in one conversation', async () => {
    const { messageWriter } = server().services.database;
    const conversationId = await newConversation(server());
    const before = (await server().services.engine.getConversation(conversationId))?.last_seq ?? 0;
    const written = await Promise.all(
      Array.from({ length: 40 }, (_, i) => messageWriter.append(message(conversationId, `m${i}`, `c-${i}`))),
    );
    expect(written.map((w) => w.row.seq).sort((a, b) => a - b)).toEqual(Array.from({ length: 40 }, (_, i) => before + i + 1));
  });

  it('refuses a message for a conversation that does not exist, writing nothing', async () => {
    const { messageWriter } = server().services.database;
    await expect(messageWriter.append(message('conv_missing', 'lost', 'client-x1'))).rejects.toThrow(/does not exist/);
    expect(await server().services.engine.messagesAfter('conv_missing', 0)).toEqual([]);
  });
});
