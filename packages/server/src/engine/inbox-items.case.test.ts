import { expect, it } from 'vitest';
import { createBotAndWidget } from '../testing/fixtures.js';
import { describeEachStore, type TestServer } from '../testing/test-server.js';
import { InboxEntry } from './inbox-entry.js';
import type { InboxService } from './inbox-service.js';

/** One read of the entry for several agents (InboxService.entry), as each of them sees it. */
async function itemsFor(inbox: InboxService, conversationId: string, agentIds: readonly string[]) {
  const snapshot = await inbox.entry(conversationId, agentIds);
  if (snapshot === undefined) return undefined;
  const now = Date.now();
  const entry = new InboxEntry(snapshot, now);
  return new Map(agentIds.map((agentId) => [agentId, { ...entry.itemAt(now), unread: entry.unread(agentId) }]));
}

/** A conversation whose visitor wrote `visitorMessages` times, a bot answering none of them (no bot turn runs here). */
async function conversationWith(server: TestServer, visitorMessages: number): Promise<string> {
  const { widgetId } = await createBotAndWidget(server);
  const created = await server.request('POST', `/v1/widgets/${widgetId}/sessions`, { auth: 'none', body: {} });
  if (created.status !== 201) throw new Error(created.body);
  const conversationId: string = created.json.conversationId;
  const visitor = { role: 'visitor', id: conversationId, name: 'Visitor' } as const;
  const agent = { role: 'agent', id: 'agt_writer', name: 'Writer' } as const;
  const { engine } = server.services;
  for (let i = 0; i < visitorMessages; i++) {
    await engine.append({ conversationId, author: visitor, type: 'text', text: `question ${i}` });
    // Agents' messages between them: they are not unread for anyone, and must not be counted.
    if (i % 3 === 0) await engine.append({ conversationId, author: agent, type: 'text', text: `answer ${i}` });
  }
  return conversationId;
}

const reader = (id: string) => ({ role: 'agent', id, name: id }) as const;

describeEachStore('inbox entries for several agents at once', (server) => {
  it("is each agent's own entry, read alone, whatever their read position", async () => {
    const conversationId = await conversationWith(server(), 7);
    const { signals, desk } = server().services;
    const last = Number((await server().services.engine.getConversation(conversationId))?.last_seq);
    await signals.markRead(conversationId, reader('agt_halfway'), 5);
    await signals.markRead(conversationId, reader('agt_caught_up'), last);
    await signals.markRead(conversationId, reader('agt_start'), 1);
    const agents = ['agt_never', 'agt_halfway', 'agt_caught_up', 'agt_start', 'agt_never_either'];

    const together = await itemsFor(desk.inbox, conversationId, agents);
    expect(together).toBeDefined();
    for (const agentId of agents) expect(together?.get(agentId), agentId).toEqual(await desk.inbox.item(conversationId, agentId));
    // Seq 1 is the greeting, then question 0 (2), answer 0 (3), question 1 (4), question 2 (5): questions 3–6 are after seq 5.
    expect(agents.map((agentId) => together?.get(agentId)?.unread)).toEqual([7, 4, 0, 7, 7]);
  });

  it('counts more read positions than one statement holds', async () => {
    const conversationId = await conversationWith(server(), 120);
    const { signals, desk } = server().services;
    const last = Number((await server().services.engine.getConversation(conversationId))?.last_seq);
    // 150 agents at 150 different positions (past 100: a second counting statement).
    const agents = Array.from({ length: 150 }, (_, at) => `agt_reader_${at}`);
    for (const [at, agentId] of agents.entries()) await signals.markRead(conversationId, reader(agentId), Math.round((at / 149) * last));
    const together = await itemsFor(desk.inbox, conversationId, agents);
    for (const agentId of [agents[0], agents[1], agents[99], agents[100], agents[101], agents[149]] as string[])
      expect(together?.get(agentId)?.unread, agentId).toBe((await desk.inbox.item(conversationId, agentId))?.unread);
    expect(together?.get(agents[0] as string)?.unread).toBe(120);
    expect(together?.get(agents[149] as string)?.unread).toBe(0);
  });

  it('says a conversation that is gone is gone, and counts nothing for nobody', async () => {
    const { desk } = server().services;
    expect(await desk.inbox.entry('conv_00000000000000000000000000', ['agt_a', 'agt_b'])).toBeUndefined();
    const nobody = await desk.inbox.entry(await conversationWith(server(), 1), []);
    expect(nobody?.cursors).toEqual(new Map());
    expect(nobody?.unreadAfter).toEqual(new Map());
  });
});
