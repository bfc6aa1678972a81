import { afterAll, beforeAll, expect, it } from 'vitest';
import { WEBHOOK_EVENT_TYPES } from '@parley/protocol';
import { createBotAndWidget } from '../testing/fixtures.js';
import { describeEachDialect, startTestServer } from '../testing/test-server.js';
import { WebhookReceiver } from '../webhooks/testing/webhook-receiver.js';
import { eraseConversations } from './erase-conversations.js';
import { scanAllTables } from '../testing/table-scan.js';
import { KEEPS_IDS, rowsMentioning, seedConversation, settle, uploadFolder, withoutTables } from './testing/subject.js';

let receiver: WebhookReceiver;
beforeAll(async () => {
  receiver = await WebhookReceiver.start();
});
afterAll(() => receiver.close());

const timings = { pollMs: 20, baseDelayMs: 20, maxDelayMs: 100, circuitThreshold: 8, circuitOpenMs: 100, shutdownGraceMs: 500 };

describeEachDialect(
  'eraseConversations',
  (dialect) => startTestServer(dialect, { webhooks: { timings } }, { PARLEY_WEBHOOKS_ALLOW_PRIVATE: '1' }),
  (server) => {
    it('leaves no row of any table and no upload of the erased conversations, and everything of the others', async () => {
      const subscribed = await server().request('POST', '/v1/webhooks', {
        body: { url: receiver.url, events: [...WEBHOOK_EVENT_TYPES], includeNotes: true },
      });
      expect(subscribed.status, subscribed.body).toBe(201);
      const { widgetId } = await createBotAndWidget(server(), { attachments: true });
      const gone = await seedConversation(server(), widgetId, { name: 'Erin Erased', email: 'erin.erased@example.com' });
      const alsoGone = await seedConversation(server(), widgetId);
      const kept = await seedConversation(server(), widgetId, { name: 'Kim Kept', email: 'kim.kept@example.com' });
      // An agent blocked the address one visitor wrote from, and the other visitor (no identity: their conversation).
      for (const [conversationId, scope] of [
        [gone.conversationId, 'address'],
        [alsoGone.conversationId, 'visitor'],
      ] as const) {
        const blocked = await server().request('POST', `/v1/inbox/${conversationId}/block`, { body: { scope, duration: '1d' } });
        expect(blocked.status, blocked.body).toBe(201);
      }
      await settle(server());

      const needles = [gone.conversationId, alsoGone.conversationId, ...gone.texts, ...alsoGone.texts];
      const before = await scanAllTables(server());
      const mentionedBefore = rowsMentioning(before, needles);
      // The seed reaches the tables erasure is about: a scan that finds nothing before proves nothing after.
      for (const table of ['conversations', 'messages', 'events', 'report_conversations', 'conversation_states', 'webhook_deliveries']) {
        expect(
          mentionedBefore.some((row) => row.startsWith(`${table}: `)),
          table,
        ).toBe(true);
      }
      const keptBefore = rowsMentioning(before, [kept.conversationId]);
      expect(uploadFolder(server())).toContain(gone.fileId);

      const counts = await eraseConversations(server().services.database.db, server().services.files, [
        gone.conversationId,
        alsoGone.conversationId,
      ]);
      expect(counts).toMatchObject({ conversations: 2, files: 2 });
      expect(counts.messages).toBeGreaterThanOrEqual(8);
      expect(counts.events).toBeGreaterThan(0);
      expect(counts.webhookDeliveries).toBeGreaterThan(0);

      const after = await scanAllTables(server());
      expect(rowsMentioning(withoutTables(after, KEEPS_IDS), needles)).toEqual([]);
      expect(rowsMentioning(after, [...gone.texts, ...alsoGone.texts])).toEqual([]);
      const folder = uploadFolder(server());
      expect(folder.filter((name) => name.startsWith(gone.fileId) || name.startsWith(alsoGone.fileId))).toEqual([]);
      // The other conversation is whole: every row that named it is still there, its file too.
      expect(rowsMentioning(after, [kept.conversationId]).sort()).toEqual(keptBefore.sort());
      expect(folder).toContain(kept.fileId);
      // The address block keeps applying (without its pointer); the block of the erased conversation itself went.
      expect(after['visitor_blocks']?.map((block) => [block['scope'], block['conversation_id']])).toEqual([['address', null]]);
      // The report totals (no reference to any conversation) are kept.
      expect(after['report_counts']).toEqual(before['report_counts']);
    });

    it('erases in batches: every conversation of a list longer than one batch goes, with its upload', async () => {
      const { widgetId } = await createBotAndWidget(server(), { attachments: true });
      const seeded: Awaited<ReturnType<typeof seedConversation>>[] = [];
      for (let i = 0; i < 3; i++) seeded.push(await seedConversation(server(), widgetId));
      await settle(server());
      const ids = seeded.map((s) => s.conversationId);
      const counts = await eraseConversations(server().services.database.db, server().services.files, [...ids, ids[0] ?? ''], 2);
      expect(counts).toMatchObject({ conversations: 3, files: 3 });
      expect(rowsMentioning(await scanAllTables(server()), [...ids, ...seeded.flatMap((s) => s.texts)])).toEqual([]);
      expect(uploadFolder(server()).filter((name) => seeded.some((s) => name.startsWith(s.fileId)))).toEqual([]);
    });

    it('refuses the token of an erased conversation at once on REST (realtime: erasure-realtime), and serves none of it', async () => {
      const { widgetId } = await createBotAndWidget(server(), { attachments: true });
      const seeded = await seedConversation(server(), widgetId);
      await server().services.privacy.eraseConversations([seeded.conversationId]);
      const sent = await server().request('POST', `/v1/conversations/${seeded.conversationId}/messages`, {
        auth: seeded.token,
        body: { text: 'still there?' },
      });
      expect(sent.status).toBe(401);
      expect(sent.json.error.code).toBe('PARLEY_ERR_AUTH_TOKEN_INVALID');
      const unfurl = await server().request('GET', `/v1/widgets/${widgetId}/unfurl?url=${encodeURIComponent('https://example.com/')}`, {
        auth: seeded.token,
      });
      expect(unfurl.status).toBe(401);
      const file = await server().request('GET', `/files/${seeded.fileId}`, { auth: 'none' });
      expect(file.status).toBe(404);
      const read = await server().request('GET', `/v1/inbox/${seeded.conversationId}`);
      expect(read.status).toBe(404);
      // An empty list erases nothing.
      expect(await eraseConversations(server().services.database.db, server().services.files, [])).toMatchObject({ conversations: 0 });
    });
  },
);
