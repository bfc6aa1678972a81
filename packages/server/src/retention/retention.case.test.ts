import { afterAll, beforeAll, expect, it } from 'vitest';
import { WEBHOOK_EVENT_TYPES } from '@parley/protocol';
import { rowsMentioning, seedConversation, settle, uploadFolder } from '../privacy/testing/subject.js';
import { scanAllTables, type Scan } from '../testing/table-scan.js';
import { createAgent } from '../testing/agent-fixtures.js';
import { createBotAndWidget } from '../testing/fixtures.js';
import { describeEachDialect, startTestServer, type TestServer } from '../testing/test-server.js';
import { WebhookReceiver } from '../webhooks/testing/webhook-receiver.js';

let receiver: WebhookReceiver;
beforeAll(async () => {
  receiver = await WebhookReceiver.start();
});
afterAll(() => receiver.close());

const DAY = 86_400_000;
const timings = { pollMs: 20, baseDelayMs: 20, maxDelayMs: 100, circuitThreshold: 8, circuitOpenMs: 100, shutdownGraceMs: 500 };

/** Makes a conversation's last activity `days` ago. */
async function age(server: TestServer, conversationId: string, days: number): Promise<void> {
  await server.services.database.db
    .updateTable('conversations')
    .set({ updated_at: new Date(Date.now() - days * DAY).toISOString() })
    .where('id', '=', conversationId)
    .execute();
}

/**
 * Rows of `before` missing or changed in `after`, but for rows mentioning `except`, the lease row and the audit
 * log (a run writes both), and report_rollups: the reports take a deleted conversation's contribution out of
 * its hours (migration 0013's trigger), by design. report_counts (events per type and hour) stay as they are.
 */
function missingRows(before: Scan, after: Scan, except: readonly string[]): string[] {
  const missing: string[] = [];
  for (const [table, rows] of Object.entries(before)) {
    if (table === 'job_leases' || table === 'audit_log' || table === 'report_rollups') continue;
    const left = new Set((after[table] ?? []).map((row) => JSON.stringify(row)));
    for (const row of rows) {
      const text = JSON.stringify(row);
      if (!left.has(text) && !except.some((needle) => text.includes(needle))) missing.push(`${table}: ${text}`);
    }
  }
  return missing;
}

describeEachDialect(
  'retention',
  // The installation keeps conversations 90 days; the job is never scheduled here, the test runs it.
  (dialect) =>
    startTestServer(
      dialect,
      { webhooks: { timings }, retention: false },
      { PARLEY_WEBHOOKS_ALLOW_PRIVATE: '1', PARLEY_RETENTION_DAYS: '90' },
    ),
  (server) => {
    it('deletes exactly the conversations past their widget’s retentionDays (else the installation default), with everything of them', async () => {
      const s = server();
      const subscribed = await s.request('POST', '/v1/webhooks', {
        body: { url: receiver.url, events: [...WEBHOOK_EVENT_TYPES], includeNotes: true },
      });
      expect(subscribed.status, subscribed.body).toBe(201);
      const short = await createBotAndWidget(s, { attachments: true, retentionDays: 30 });
      const byDefault = await createBotAndWidget(s, { attachments: true });
      const forever = await createBotAndWidget(s, { attachments: true });
      const deleted = await createBotAndWidget(s, { attachments: true });
      const shortOld = await seedConversation(s, short.widgetId);
      const shortNew = await seedConversation(s, short.widgetId);
      const defaultOld = await seedConversation(s, byDefault.widgetId);
      const defaultNew = await seedConversation(s, byDefault.widgetId);
      const foreverOld = await seedConversation(s, forever.widgetId);
      const orphanOld = await seedConversation(s, deleted.widgetId);
      await settle(s);
      // A widget may keep its conversations longer than the installation: 36500 days.
      expect((await s.request('PATCH', `/v1/widgets/${forever.widgetId}`, { body: { retentionDays: 36_500 } })).status).toBe(200);
      expect((await s.request('DELETE', `/v1/widgets/${deleted.widgetId}`)).status).toBe(204);
      await age(s, shortOld.conversationId, 31);
      await age(s, shortNew.conversationId, 29);
      await age(s, defaultOld.conversationId, 91);
      await age(s, defaultNew.conversationId, 89);
      await age(s, foreverOld.conversationId, 400);
      await age(s, orphanOld.conversationId, 95);
      const due = [shortOld, defaultOld, orphanOld];
      const kept = [shortNew, defaultNew, foreverOld];

      const preview = await s.request('GET', '/v1/retention/preview');
      expect(preview.status).toBe(200);
      expect(preview.json.defaultDays).toBe(90);
      const item = (widgetId: string | null) =>
        preview.json.items.find((entry: { widgetId: string | null }) => entry.widgetId === widgetId);
      const messagesOf = async (conversationId: string) =>
        (await s.services.database.db.selectFrom('messages').select('id').where('conversation_id', '=', conversationId).execute()).length;
      expect(item(short.widgetId)).toMatchObject({
        days: 30,
        source: 'widget',
        conversations: 1,
        messages: await messagesOf(shortOld.conversationId),
        files: 1,
      });
      expect(item(byDefault.widgetId)).toMatchObject({ days: 90, source: 'installation', conversations: 1, files: 1 });
      expect(item(forever.widgetId)).toMatchObject({ days: 36_500, source: 'widget', conversations: 0, messages: 0, files: 0 });
      expect(item(null)).toMatchObject({ days: 90, source: 'installation', conversations: 1, files: 1 });
      expect(item(deleted.widgetId)).toBeUndefined();

      const needles = due.flatMap((seeded) => [seeded.conversationId, ...seeded.texts]);
      const before = await scanAllTables(s);
      for (const table of [
        'conversations',
        'messages',
        'events',
        'report_conversations',
        'conversation_states',
        'webhook_deliveries',
        'visitor_addresses',
        'conversation_activity',
      ]) {
        expect(
          rowsMentioning(before, needles).some((row) => row.startsWith(`${table}: `)),
          table,
        ).toBe(true);
      }

      const counts = await s.services.retention.run();
      expect(counts).toMatchObject({ conversations: 3, files: 3 });
      expect(counts?.messages).toBe(item(short.widgetId).messages + item(byDefault.widgetId).messages + item(null).messages);

      const after = await scanAllTables(s);
      expect(rowsMentioning(after, needles)).toEqual([]);
      const folder = uploadFolder(s);
      for (const seeded of due) expect(folder.filter((name) => name.startsWith(seeded.fileId))).toEqual([]);
      for (const seeded of kept)
        expect(
          folder.some((name) => name.startsWith(seeded.fileId)),
          seeded.conversationId,
        ).toBe(true);
      // Nothing else went: every row that did not belong to a due conversation is still there, unchanged.
      // (a due conversation's webhook deliveries take their attempts with them: those name the delivery, not the conversation.)
      const dueDeliveries = (before['webhook_deliveries'] ?? [])
        .filter((row) => needles.some((needle) => JSON.stringify(row).includes(needle)))
        .map((row) => String(row['id']));
      expect(dueDeliveries.length).toBeGreaterThan(0);
      expect(missingRows(before, after, [...needles, ...dueDeliveries])).toEqual([]);

      // Logged in the audit log by the system, with counts only.
      const audit = await s.request('GET', '/v1/audit?action=retention.run&take=1');
      expect(audit.json.items[0]).toMatchObject({
        actor: { kind: 'system', id: null },
        action: 'retention.run',
        detail: { conversations: 3, files: 3, widgets: { [short.widgetId]: 1, [byDefault.widgetId]: 1, 'deleted-widgets': 1 } },
      });
      expect(JSON.stringify(audit.json)).not.toContain(shortOld.conversationId);

      // A second run finds nothing more to do.
      expect(await s.services.retention.run()).toEqual({ conversations: 0, messages: 0, files: 0 });
      expect(
        (await s.request('GET', '/v1/retention/preview')).json.items.every((entry: { conversations: number }) => entry.conversations === 0),
      ).toBe(true);
    });

    it('releases its lease when a run ends, and keeps the time of the last run', async () => {
      const s = server();
      expect(await s.services.retention.run()).not.toBeNull();
      const lease = await s.services.database.db
        .selectFrom('job_leases')
        .selectAll()
        .where('name', '=', 'retention')
        .executeTakeFirstOrThrow();
      expect(lease.holder).toBeNull();
      expect(Date.parse(lease.last_run_at ?? '')).toBeGreaterThan(Date.now() - 60_000);
      expect(Date.parse(lease.expires_at)).toBeLessThanOrEqual(Date.now());
    });

    it('is for admins only', async () => {
      const refused = await server().request('GET', '/v1/retention/preview', { auth: 'none' });
      expect(refused.status).toBe(401);
      const agent = await createAgent(server(), { role: 'agent' });
      const forbidden = await server().request('GET', '/v1/retention/preview', { auth: agent.token });
      expect(forbidden.status).toBe(403);
      expect(forbidden.json.error.code).toBe('PARLEY_ERR_AUTH_ADMIN_REQUIRED');
    });
  },
);
