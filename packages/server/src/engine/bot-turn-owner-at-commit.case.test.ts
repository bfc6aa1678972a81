import { expect, it, vi } from 'vitest';
import type { ServerFrame } from '@parley/protocol';
import { describeEachStoreListening, openVisitor, type RealtimeServer } from '../realtime/testing/realtime-server.js';
import { connectWs } from '../realtime/testing/ws-test-client.js';
import type { TestClient } from '../realtime/testing/frame-log.js';

// A visitor message sent over a realtime link carries the ownership its transaction saw (SQLite's writer
// reads it for the report event, PostgreSQL's one statement joins it); BotTurns then starts no turn when a
// human owned the conversation. These
// check that the bot still answers, wakes and reopens exactly as the full turn does.

const FALLBACK = 'Sorry, I did not get that.';
let counter = 0;
const clientId = (): string => `owner-at-commit-${Date.now().toString(36)}-${counter++}`;
/** The bot's answer to a visitor message (its greeting, stored with the session, is another text). */
const isBotAnswer = (frame: ServerFrame): boolean =>
  frame.type === 'message' && frame.message.author.role === 'bot' && frame.message.text === FALLBACK;

describeEachStoreListening('bot turns and the owner at a message commit', (server) => {
  async function visitor(): Promise<{ client: TestClient; conversationId: string }> {
    const session = await openVisitor(server());
    const client = await connectWs({ baseUrl: server().baseUrl, token: session.token, lastSeq: 0 });
    await client.log.waitFor((f) => f.type === 'welcome');
    return { client, conversationId: session.conversationId };
  }

  async function agent(s: RealtimeServer): Promise<string> {
    const created = await s.json('POST', '/v1/agents', {
      name: 'Quiet agent',
      email: `quiet-${clientId()}@example.com`,
      password: 'quiet agent password 0123',
    });
    return String(created.body['id']);
  }

  async function move(conversationId: string, action: string, body: Record<string, unknown> = {}): Promise<void> {
    const moved = await server().json('POST', `/v1/inbox/${conversationId}/${action}`, body);
    if (moved.status !== 200) throw new Error(`${action}: ${JSON.stringify(moved.body)}`);
  }

  async function say(client: TestClient, text: string): Promise<void> {
    const ack = await client.send({ type: 'send', clientId: clientId(), text });
    expect(ack).toMatchObject({ type: 'ack', duplicate: false });
    await server().services.botTurns.idle();
    await server().services.desk.idle();
  }

  const botAnswers = (client: TestClient): number => client.log.frames.filter(isBotAnswer).length;

  it('asks no turn for the messages of a conversation a human owns, and the bot stays quiet', async () => {
    const { client, conversationId } = await visitor();
    await move(conversationId, 'assign', { agentId: await agent(server()) });
    const asked = vi.spyOn(server().services.desk.ownership, 'shouldBotAnswer');
    try {
      await say(client, 'first, while a human owns it');
      await say(client, 'second');
      await say(client, 'third');
      expect(botAnswers(client)).toBe(0);
      // The first message's turn settles the widget's routing rules; the later ones start no turn.
      expect(asked).toHaveBeenCalledTimes(1);
    } finally {
      asked.mockRestore();
      await client.close();
    }
  });

  it('asks no turn for messages sent over REST to a conversation a human owns either', async () => {
    const session = await openVisitor(server());
    await move(session.conversationId, 'assign', { agentId: await agent(server()) });
    const asked = vi.spyOn(server().services.desk.ownership, 'shouldBotAnswer');
    try {
      for (const text of ['first, over REST', 'second', 'third']) {
        const sent = await server().json('POST', `/v1/conversations/${session.conversationId}/messages`, { text }, session.token);
        expect(sent.status).toBe(201);
        await server().services.botTurns.idle();
        await server().services.desk.idle();
      }
      const stored = await server().services.engine.messagesAfter(session.conversationId, 0);
      expect(stored.filter((message) => message.text === FALLBACK)).toEqual([]);
      expect(asked).toHaveBeenCalledTimes(1);
    } finally {
      asked.mockRestore();
    }
  });

  it('answers again once the conversation is handed back to the bot', async () => {
    const { client, conversationId } = await visitor();
    await move(conversationId, 'assign', { agentId: await agent(server()) });
    await say(client, 'to the human');
    await say(client, 'again to the human');
    await move(conversationId, 'handback');
    await say(client, 'to the bot now');
    await client.log.waitFor(isBotAnswer);
    expect(botAnswers(client)).toBe(1);
    await client.close();
  });

  it("wakes a snoozed conversation on the visitor's message, the human still owning it", async () => {
    const { client, conversationId } = await visitor();
    await move(conversationId, 'assign', { agentId: await agent(server()) });
    await say(client, 'settles the rules');
    await move(conversationId, 'snooze', { until: new Date(Date.now() + 3_600_000).toISOString() });
    await say(client, 'are you there?');
    expect(await server().services.desk.ownership.state(conversationId)).toMatchObject({ owner: 'human', snoozedUntil: null });
    expect(botAnswers(client)).toBe(0);
    await client.close();
  });

  it("reopens a resolved conversation to the bot on the visitor's message, and the bot answers it", async () => {
    const { client, conversationId } = await visitor();
    await move(conversationId, 'assign', { agentId: await agent(server()) });
    await say(client, 'settles the rules');
    await move(conversationId, 'resolve');
    await say(client, 'one more question');
    expect(await server().services.desk.ownership.state(conversationId)).toMatchObject({ owner: 'bot' });
    await client.log.waitFor(isBotAnswer);
    await client.close();
  });
});
