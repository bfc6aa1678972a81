import { unzipSync, strFromU8 } from 'fflate';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { WEBHOOK_EVENT_TYPES } from '@parley/protocol';
import { KEEPS_IDS, rowsMentioning, seedConversation, settle, uploadFolder, withoutTables } from '../privacy/testing/subject.js';
import { createAgent } from '../testing/agent-fixtures.js';
import { createBotAndWidget, openSession } from '../testing/fixtures.js';
import { scanAllTables } from '../testing/table-scan.js';
import { describeEachDialect, startTestServer, type TestServer } from '../testing/test-server.js';
import { WebhookReceiver } from '../webhooks/testing/webhook-receiver.js';

let receiver: WebhookReceiver;
beforeAll(async () => {
  receiver = await WebhookReceiver.start();
});
afterAll(() => receiver.close());

const timings = { pollMs: 20, baseDelayMs: 20, maxDelayMs: 100, circuitThreshold: 8, circuitOpenMs: 100, shutdownGraceMs: 500 };
const start = (dialect: 'sqlite' | 'postgres') =>
  startTestServer(dialect, { webhooks: { timings } }, { PARLEY_WEBHOOKS_ALLOW_PRIVATE: '1' });

async function subscribeAll(server: TestServer): Promise<void> {
  const subscribed = await server.request('POST', '/v1/webhooks', {
    body: { url: receiver.url, events: [...WEBHOOK_EVENT_TYPES], includeNotes: true },
  });
  expect(subscribed.status, subscribed.body).toBe(201);
}

/** A consent-gated widget's session body: a fresh acceptance (so consent_records holds a row of the conversation). */
async function consented(server: TestServer, widgetId: string): Promise<Record<string, unknown>> {
  const accepted = await server.request('POST', `/v1/widgets/${widgetId}/consent`, {
    auth: 'none',
    body: { version: '1', accepted: true },
  });
  expect(accepted.status, accepted.body).toBe(201);
  return { consentId: accepted.json.consentId };
}

describeEachDialect('access and erasure of a contact', start, (server) => {
  it('exports everything the erasure removes, then leaves nothing of the contact in any table or the upload folder', async () => {
    await subscribeAll(server());
    const { widgetId } = await createBotAndWidget(server(), { attachments: true, privacy: { consent: true, consentVersion: '1' } });
    const erin = { name: 'Erin Erasmus', email: 'erin.erasmus@example.com' };
    const first = await seedConversation(server(), widgetId, erin, await consented(server(), widgetId));
    const second = await seedConversation(
      server(),
      widgetId,
      { name: 'E. Erasmus', email: 'e.erasmus@example.org' },
      await consented(server(), widgetId),
    );
    const kept = await seedConversation(
      server(),
      widgetId,
      { name: 'Kim Kept', email: 'kim.kept@example.com' },
      await consented(server(), widgetId),
    );
    const contactOf = async (conversationId: string): Promise<string> =>
      String(
        (
          await server()
            .services.database.db.selectFrom('conversations')
            .select('contact_id')
            .where('id', '=', conversationId)
            .executeTakeFirstOrThrow()
        ).contact_id,
      );
    const contactId = await contactOf(first.conversationId);
    const mergedId = await contactOf(second.conversationId);
    const patched = await server().request('PATCH', `/v1/contacts/${contactId}`, {
      body: { attributes: { plan: 'gold-erasmus' }, externalId: 'user-erasmus-42' },
    });
    expect(patched.status, patched.body).toBe(200);
    const merged = await server().request('POST', `/v1/contacts/${contactId}/merge`, { body: { from: mergedId } });
    expect(merged.status, merged.body).toBe(200);
    await settle(server());

    const ids = [contactId, mergedId, first.conversationId, second.conversationId];
    const personal = [
      erin.name,
      erin.email,
      'E. Erasmus',
      'e.erasmus@example.org',
      'gold-erasmus',
      'user-erasmus-42',
      ...first.texts,
      ...second.texts,
    ];
    const before = await scanAllTables(server());
    const theirsBefore = rowsMentioning(withoutTables(before, KEEPS_IDS), [...ids, ...personal]);
    for (const table of [
      'contacts',
      'contact_attributes',
      'conversations',
      'messages',
      'events',
      'webhook_deliveries',
      'consent_records',
    ]) {
      expect(
        theirsBefore.some((row) => row.startsWith(`${table}: `)),
        `the seed has a ${table} row`,
      ).toBe(true);
    }
    const keptBefore = rowsMentioning(before, [kept.conversationId, 'kim.kept@example.com']);

    // Lookup by email (any case) and by identity userId (the external id).
    const byEmail = await server().request('GET', `/v1/privacy/subjects?email=${encodeURIComponent('ERIN.Erasmus@example.com')}`);
    expect(byEmail.json.items.map((c: { id: string }) => c.id)).toEqual([contactId]);
    const byUser = await server().request('GET', '/v1/privacy/subjects?userId=user-erasmus-42');
    expect(byUser.json.items.map((c: { id: string }) => c.id)).toEqual([contactId]);
    expect((await server().request('GET', '/v1/privacy/subjects')).json.error.code).toBe('PARLEY_ERR_REQUEST_VALIDATION');

    // The export: data.json and the uploads; every row of theirs the scan found is in it, as stored.
    const exported = await server().request('GET', `/v1/contacts/${mergedId}/export`);
    expect(exported.status).toBe(200);
    expect(exported.headers['content-type']).toBe('application/zip');
    expect(String(exported.headers['content-disposition'])).toMatch(
      /^attachment; filename="parley-contact-ct_[0-9A-Z]+-\d{4}-\d{2}-\d{2}\.zip"$/,
    );
    const archive = unzipSync(new Uint8Array(exported.raw ?? Buffer.alloc(0)));
    const data = JSON.parse(strFromU8(archive['data.json'] ?? new Uint8Array()));
    expect(data.contact).toMatchObject({ id: contactId, email: erin.email, attributes: { plan: 'gold-erasmus' } });
    expect(data.conversations.map((c: { id: string }) => c.id).sort()).toEqual([first.conversationId, second.conversationId].sort());
    const exportedTexts = data.conversations.flatMap((c: { messages: { text: string }[] }) => c.messages.map((m) => m.text));
    expect(exportedTexts).toEqual(expect.arrayContaining([...first.texts, ...second.texts]));
    expect(data.webhookDeliveries.length).toBeGreaterThan(0);
    expect(data.consentRecords.map((record: { conversation_id: string }) => record.conversation_id).sort()).toEqual(
      [first.conversationId, second.conversationId].sort(),
    );
    const exportedRows = new Set(
      Object.entries(data.records as Record<string, unknown[]>).flatMap(([table, rows]) =>
        rows.map((row) => `${table}: ${JSON.stringify(row)}`),
      ),
    );
    expect(theirsBefore.filter((row) => !exportedRows.has(row))).toEqual([]);
    for (const fileId of [first.fileId, second.fileId]) {
      const name = Object.keys(archive).find((path) => path.startsWith(`files/${fileId}-`));
      expect(name, `the archive holds ${fileId}`).toBeDefined();
      expect(strFromU8(archive[name ?? ''] ?? new Uint8Array())).toMatch(/^file-content-/);
    }

    // Erasure needs the contact's id as confirmation; a wrong one changes nothing.
    const stray = await server().request('POST', `/v1/contacts/${contactId}/erase`, { body: { confirm: kept.conversationId } });
    expect(stray.status).toBe(400);
    expect(stray.json.error).toMatchObject({ code: 'PARLEY_ERR_PRIVACY_CONFIRMATION', field: 'confirm' });
    const agent = await createAgent(server(), { role: 'agent' });
    const notAdmin = await server().request('POST', `/v1/contacts/${contactId}/erase`, { auth: agent.token, body: { confirm: contactId } });
    expect(notAdmin.json.error.code).toBe('PARLEY_ERR_AUTH_ADMIN_REQUIRED');
    expect((await server().request('GET', `/v1/contacts/${contactId}/export`, { auth: agent.token })).status).toBe(403);
    expect(rowsMentioning(withoutTables(await scanAllTables(server()), KEEPS_IDS), ids)).toEqual(
      theirsBefore.filter((row) => !row.startsWith('audit_log')),
    );

    const erased = await server().request('POST', `/v1/contacts/${contactId}/erase`, { body: { confirm: contactId } });
    expect(erased.status, erased.body).toBe(200);
    expect(erased.json.erased).toMatchObject({ contacts: 2, conversations: 2, files: 2 });

    const after = await scanAllTables(server());
    expect(rowsMentioning(withoutTables(after, KEEPS_IDS), [...ids, ...personal])).toEqual([]);
    // The audit log keeps ids only: nothing personal, there either.
    expect(rowsMentioning(after, personal)).toEqual([]);
    const folder = uploadFolder(server());
    expect(folder.filter((name) => name.startsWith(first.fileId) || name.startsWith(second.fileId))).toEqual([]);
    expect(folder).toContain(kept.fileId);
    expect(rowsMentioning(after, [kept.conversationId, 'kim.kept@example.com']).sort()).toEqual(keptBefore.sort());

    // Their tokens stop working at once; the contact is gone from the API.
    for (const token of [first.token, second.token]) {
      const sent = await server().request('GET', `/v1/conversations/${first.conversationId}/messages`, { auth: token });
      expect(sent.status).toBe(401);
    }
    expect((await server().request('GET', `/v1/contacts/${contactId}`)).status).toBe(404);
    expect((await server().request('POST', `/v1/contacts/${contactId}/erase`, { body: { confirm: contactId } })).status).toBe(404);

    const audited = await server().request('GET', '/v1/audit?targetType=contact');
    const actions = audited.json.items.filter((entry: { target: { id: string } | null; targetId?: string }) =>
      JSON.stringify(entry).includes(contactId),
    );
    expect(actions.map((entry: { action: string }) => entry.action)).toEqual(
      expect.arrayContaining(['contact.exported', 'contact.erased']),
    );
  });
});

describeEachDialect('visitor self-service', start, (server) => {
  it('is refused while the widget has it off, and for another visitor’s conversation', async () => {
    const off = await createBotAndWidget(server(), { attachments: true });
    const visitor = await seedConversation(server(), off.widgetId);
    for (const [method, path] of [
      ['GET', `/v1/conversations/${visitor.conversationId}/visitor-data`],
      ['DELETE', `/v1/conversations/${visitor.conversationId}`],
      ['DELETE', `/v1/conversations/${visitor.conversationId}/visitor-data`],
    ] as const) {
      const refused = await server().request(method, path, { auth: visitor.token });
      expect(refused.status, `${method} ${path}`).toBe(403);
      expect(refused.json.error.code).toBe('PARLEY_ERR_PRIVACY_SELF_SERVICE_OFF');
    }
    const on = await createBotAndWidget(server(), { attachments: true, privacy: { selfService: true } });
    const mine = await openSession(server(), on.widgetId);
    const theirs = await seedConversation(server(), on.widgetId);
    await settle(server());
    const before = await scanAllTables(server());
    for (const [method, path] of [
      ['GET', `/v1/conversations/${theirs.conversationId}/visitor-data`],
      ['DELETE', `/v1/conversations/${theirs.conversationId}`],
      ['DELETE', `/v1/conversations/${theirs.conversationId}/visitor-data`],
    ] as const) {
      const refused = await server().request(method, path, { auth: mine.token });
      expect(refused.status, `${method} ${path}`).toBe(403);
      expect(refused.json.error.code).toBe('PARLEY_ERR_AUTH_FORBIDDEN');
    }
    expect((await server().request('DELETE', `/v1/conversations/${theirs.conversationId}`, { auth: 'none' })).status).toBe(401);
    // The widget calls these from the site's page: the preflight lets DELETE through.
    const preflight = await server().request('OPTIONS', `/v1/conversations/${mine.conversationId}`, {
      auth: 'none',
      headers: {
        origin: 'https://shop.example.com',
        'access-control-request-method': 'DELETE',
        'access-control-request-headers': 'authorization',
      },
    });
    expect(preflight.status).toBe(204);
    expect(String(preflight.headers['access-control-allow-methods'])).toContain('DELETE');
    await settle(server());
    expect(rowsMentioning(await scanAllTables(server()), [theirs.conversationId])).toEqual(rowsMentioning(before, [theirs.conversationId]));
  });

  it('downloads the visitor’s own data without private notes, and deletes a conversation or everything of theirs', async () => {
    const { widgetId } = await createBotAndWidget(server(), { attachments: true, privacy: { selfService: true } });
    const anonymous = await seedConversation(server(), widgetId);
    const known = await seedConversation(server(), widgetId, { name: 'Vera Visitor', email: 'vera.visitor@example.com' });
    const other = await seedConversation(server(), widgetId);
    await settle(server());

    const download = await server().request('GET', `/v1/conversations/${known.conversationId}/visitor-data`, { auth: known.token });
    expect(download.status).toBe(200);
    expect(String(download.headers['content-disposition'])).toMatch(/^attachment; filename="parley-data-\d{4}-\d{2}-\d{2}\.json"$/);
    expect(download.json.contact).toMatchObject({ name: 'Vera Visitor', email: 'vera.visitor@example.com' });
    const [conversation] = download.json.conversations;
    expect(conversation.id).toBe(known.conversationId);
    const texts = conversation.messages.map((m: { text: string }) => m.text);
    expect(texts).toEqual(expect.arrayContaining(known.texts.slice(0, 3)));
    expect(texts).not.toContain(known.texts[3]); // the private note
    expect(conversation.messages[0]).toEqual({
      at: expect.any(String),
      author: expect.any(Object),
      type: expect.any(String),
      text: expect.any(String),
      payload: null,
    });
    expect(conversation.files).toEqual([
      { name: expect.stringMatching(/^receipt-.*\.txt$/), url: expect.stringContaining(`/files/${known.fileId}`) },
    ]);

    // DELETE /v1/conversations/:id: that conversation, its upload; the token stops working.
    expect((await server().request('DELETE', `/v1/conversations/${anonymous.conversationId}`, { auth: anonymous.token })).status).toBe(204);
    expect(
      (await server().request('GET', `/v1/conversations/${anonymous.conversationId}/messages`, { auth: anonymous.token })).status,
    ).toBe(401);
    // DELETE …/visitor-data: the contact and every conversation of theirs.
    const contactId = String(download.json.contact.id);
    expect((await server().request('DELETE', `/v1/conversations/${known.conversationId}/visitor-data`, { auth: known.token })).status).toBe(
      204,
    );
    expect((await server().request('GET', `/v1/conversations/${known.conversationId}/visitor-data`, { auth: known.token })).status).toBe(
      401,
    );

    const after = await scanAllTables(server());
    const ids = [anonymous.conversationId, known.conversationId, contactId];
    expect(
      rowsMentioning(withoutTables(after, KEEPS_IDS), [
        ...ids,
        ...anonymous.texts,
        ...known.texts,
        'vera.visitor@example.com',
        'Vera Visitor',
      ]),
    ).toEqual([]);
    expect(rowsMentioning(after, [...anonymous.texts, ...known.texts, 'vera.visitor@example.com', 'Vera Visitor'])).toEqual([]);
    const folder = uploadFolder(server());
    expect(folder.filter((name) => name.startsWith(anonymous.fileId) || name.startsWith(known.fileId))).toEqual([]);
    expect(folder).toContain(other.fileId);
    expect(rowsMentioning(after, [other.conversationId]).length).toBeGreaterThan(0);

    // Audited with the visitor as the actor, counts only.
    const audited = await server().request('GET', '/v1/audit?actorKind=visitor');
    expect(audited.json.items.map((entry: { action: string }) => entry.action).sort()).toEqual(['contact.erased', 'conversation.erased']);
  });
});
