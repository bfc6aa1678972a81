import { isDeepStrictEqual } from 'node:util';
import fc from 'fast-check';
import { expect, it } from 'vitest';
import type { WebSocket } from 'ws';
import type { InboxItem } from '@parley/protocol';
import type { FrameLog } from './testing/frame-log.js';
import { agentLogin, latestEntry, openInbox } from './testing/inbox-client.js';
import { describeEachStoreListening, type RealtimeServer } from './testing/realtime-server.js';

/**
 * The inbox streams' entries made from events (realtime/inbox-items.ts: no read for a new message or an agent's read)
 * against a fresh read of the same entry (InboxService.item, the list's own query with its unread count), over
 * generated sequences of visitor, bot and agent messages, notes, reads to any position, assignments, hand-backs and
 * resolves across agents, with streams opened midway. After each step every stream's latest entry of a conversation
 * must be what a read answers then.
 */

interface Agent {
  readonly id: string;
  readonly name: string;
  readonly token: string;
}

interface Stream {
  readonly agent: Agent;
  readonly ws: WebSocket;
  readonly log: FrameLog;
  /** Conversations with an event since the stream opened: it must have sent their entry. */
  readonly owed: Set<string>;
}

type Step =
  | { readonly kind: 'visitor' | 'bot'; readonly conversation: number }
  | { readonly kind: 'agent' | 'note' | 'assign'; readonly conversation: number; readonly agent: number }
  | { readonly kind: 'read'; readonly conversation: number; readonly agent: number; readonly at: number }
  | { readonly kind: 'handback' | 'resolve'; readonly conversation: number }
  | { readonly kind: 'open'; readonly agent: number };

const AGENTS = 3;
const CONVERSATIONS = 2;
const conversation = fc.integer({ min: 0, max: CONVERSATIONS - 1 });
const agent = fc.integer({ min: 0, max: AGENTS - 1 });
const step: fc.Arbitrary<Step> = fc.oneof(
  { weight: 5, arbitrary: fc.record({ kind: fc.constant('visitor' as const), conversation }) },
  { weight: 1, arbitrary: fc.record({ kind: fc.constant('bot' as const), conversation }) },
  { weight: 2, arbitrary: fc.record({ kind: fc.constantFrom('agent' as const, 'note' as const, 'assign' as const), conversation, agent }) },
  {
    weight: 3,
    arbitrary: fc.record({
      kind: fc.constant('read' as const),
      conversation,
      agent,
      at: fc.oneof(fc.constant(1), fc.double({ min: 0, max: 1, noNaN: true })),
    }),
  },
  { weight: 1, arbitrary: fc.record({ kind: fc.constantFrom('handback' as const, 'resolve' as const), conversation }) },
  { weight: 1, arbitrary: fc.record({ kind: fc.constant('open' as const), agent }) },
);

async function openStream(server: RealtimeServer, agent: Agent): Promise<Stream> {
  const { ws, log } = await openInbox(server.baseUrl, agent.token);
  return { agent, ws, log, owed: new Set() };
}

/** waitingSinceMs grows with the clock: equal when both are null, or within the time between the two answers. */
function comparable(item: InboxItem | undefined): unknown {
  return item === undefined ? undefined : { ...item, waitingSinceMs: item.waitingSinceMs === null ? null : 'a duration' };
}

/** Every run opens new conversations from one address: past the default session limits. */
const LIMITS = Object.fromEntries(['SESSION', 'ADDRESS', 'WIDGET'].map((per) => [`PARLEY_LIMIT_SESSIONS_PER_${per}`, '100000/1m']));

describeEachStoreListening(
  'inbox stream entries made from events',
  (server) => {
    it('equal a fresh read of the entry after every step of any sequence', { timeout: 120_000 }, async () => {
      const { services } = server();
      const agents = await Promise.all(Array.from({ length: AGENTS }, (_, at) => agentLogin(server().baseUrl, `Agent${at}`)));
      const bot = await server().json('POST', '/v1/bots', { kind: 'builtin', name: 'Quiet', config: { rules: [] } });
      const widget = await server().json('POST', '/v1/widgets', { name: 'Inbox entries', botId: bot.body['id'] });
      let runs = 0;

      await fc.assert(
        fc.asyncProperty(fc.array(step, { minLength: 1, maxLength: 12 }), async (steps) => {
          runs += 1;
          const conversationIds: string[] = [];
          for (let at = 0; at < CONVERSATIONS; at++) {
            const session = await server().json('POST', `/v1/widgets/${String(widget.body['id'])}/sessions`, {}, null);
            if (session.status !== 201) throw new Error(`no session: ${JSON.stringify(session.body)}`);
            conversationIds.push(String(session.body['conversationId']));
          }
          // Agent 0 on two streams: streams of one agent share an entry.
          const streams = await Promise.all([0, 0, 1, 2].map((at) => openStream(server(), agents[at] as Agent)));
          try {
            for (const [index, next] of steps.entries()) {
              const id = conversationIds[next.kind === 'open' ? 0 : next.conversation] as string;
              const evented = await perform(next, id, index);
              if (next.kind === 'open') streams.push(await openStream(server(), agents[next.agent] as Agent));
              if (evented) for (const stream of streams) stream.owed.add(id);
              await settled(streams, conversationIds, `step ${index} (${JSON.stringify(next)}) of ${JSON.stringify(steps)}`);
            }
          } finally {
            for (const stream of streams) stream.ws.close();
          }
        }),
        { numRuns: 25 },
      );
      expect(runs).toBe(25);

      /** Runs a step; true when it announced a change to the inbox streams. */
      async function perform(next: Step, conversationId: string, index: number): Promise<boolean> {
        const { engine, signals, desk } = services;
        const visitor = { role: 'visitor', id: conversationId, name: 'Visitor' } as const;
        const author = (at: number) => ({ role: 'agent', id: (agents[at] as Agent).id, name: (agents[at] as Agent).name }) as const;
        switch (next.kind) {
          case 'visitor':
            await engine.append({
              conversationId,
              author: visitor,
              type: 'text',
              text: `visitor ${index}`,
              clientId: `v-${index}-${conversationId}`,
            });
            return true;
          case 'bot':
            await engine.append({ conversationId, author: { role: 'bot', id: 'bot', name: 'Quiet' }, type: 'text', text: `bot ${index}` });
            return true;
          case 'agent':
            await engine.append({ conversationId, author: author(next.agent), type: 'text', text: `agent ${index}`, payload: { index } });
            return true;
          case 'note':
            await desk.replies.note(conversationId, author(next.agent), `note ${index}`, null);
            return true;
          case 'read': {
            const reader = { role: 'agent', id: (agents[next.agent] as Agent).id } as const;
            const last = Number((await engine.getConversation(conversationId))?.last_seq);
            const before = await signals.readFrames(conversationId);
            const cursor = before.find((frame) => frame.type === 'read' && frame.reader.id === reader.id);
            const seq = Math.round(next.at * last);
            await signals.markRead(conversationId, reader, seq);
            return seq > (cursor?.type === 'read' ? cursor.seq : 0);
          }
          case 'assign':
            await desk.ownership.assign(
              conversationId,
              { agentId: (agents[next.agent] as Agent).id },
              { kind: 'agent', ...author(next.agent) },
            );
            return true;
          case 'handback':
          case 'resolve':
            try {
              if (next.kind === 'handback') await desk.ownership.handback(conversationId);
              else await desk.ownership.resolve(conversationId);
              return true;
            } catch {
              // Not allowed from the conversation's state (a hand-back of a bot's conversation): nothing changed.
              return false;
            }
          case 'open':
            return false;
        }
      }

      /** Waits until every stream's latest entry of each conversation equals a read of it now (at most 3 s). */
      async function settled(streams: readonly Stream[], conversationIds: readonly string[], what: string): Promise<void> {
        const deadline = Date.now() + 3000;
        for (;;) {
          const mismatches: unknown[] = [];
          for (const stream of streams) {
            for (const conversationId of conversationIds) {
              const sent = latestEntry(stream.log, conversationId);
              if (sent === undefined && !stream.owed.has(conversationId)) continue;
              const read = await services.desk.inbox.item(conversationId, stream.agent.id);
              if (!isDeepStrictEqual(comparable(sent), comparable(read)) || !closeWaits(sent, read)) {
                mismatches.push({ agent: stream.agent.name, conversationId, sent, read });
              }
            }
          }
          if (mismatches.length === 0) return;
          if (Date.now() > deadline) expect(mismatches, what).toEqual([]);
          await new Promise((resolve) => setTimeout(resolve, 20));
        }
      }
    });

    it("sends a conversation's new team, which routing sets with no action of anyone's", async () => {
      const agent = await agentLogin(server().baseUrl, 'Router');
      const team = await server().json('POST', '/v1/teams', { name: `Team ${Math.random().toString(36).slice(2, 6)}` });
      const teamId = String(team.body['id']);
      const bot = await server().json('POST', '/v1/bots', { kind: 'builtin', name: 'Quiet', config: { rules: [] } });
      const widget = await server().json('POST', '/v1/widgets', { name: 'Teams', botId: bot.body['id'] });
      const session = await server().json('POST', `/v1/widgets/${String(widget.body['id'])}/sessions`, {}, null);
      const conversationId = String(session.body['conversationId']);
      const stream = await openStream(server(), agent);
      const visitor = { role: 'visitor', id: conversationId, name: 'Visitor' } as const;
      await server().services.engine.append({ conversationId, author: visitor, type: 'text', text: 'a person, please' });
      await stream.log.waitFor((f) => f.type === 'inbox' && f.item.conversation.id === conversationId);
      await server().services.desk.ownership.setTeam(conversationId, teamId);
      const moved = await stream.log.waitFor((f) => f.type === 'inbox' && f.item.conversation.teamId === teamId);
      expect(moved.type === 'inbox' && moved.item).toEqual(await server().services.desk.inbox.item(conversationId, agent.id));
      stream.ws.close();
    });
  },
  {},
  LIMITS,
);

/** Both waiting or neither, and the read's wait no shorter than the sent one's nor longer by more than the test takes. */
function closeWaits(sent: InboxItem | undefined, read: InboxItem | undefined): boolean {
  const a = sent?.waitingSinceMs ?? null;
  const b = read?.waitingSinceMs ?? null;
  if (a === null || b === null) return a === b;
  return b - a >= -5 && b - a < 10_000;
}
