import { expect, it } from 'vitest';
import { createBotAndWidget, openSession } from '../testing/fixtures.js';
import { describeEachStore } from '../testing/test-server.js';

describeEachStore('a contact’s erasure and its audit entry commit together (issue 18)', (server) => {
  it('keeps the contact when its audit entry cannot be written, and writes the entry with the counts when it is erased', async () => {
    const { widgetId } = await createBotAndWidget(server());
    await openSession(server(), widgetId, { contact: { email: 'pat@example.com', name: 'Pat' } });
    const db = server().services.database.db;
    const contact = await db.selectFrom('contacts').select('id').where('widget_id', '=', widgetId).executeTakeFirstOrThrow();
    const auditRows = async () => (await db.selectFrom('audit_log').select('id').where('target_id', '=', contact.id).execute()).length;

    // The entry fails: the contact's deletion is rolled back with it (no change without its entry).
    await expect(
      server().services.privacy.eraseContact(contact.id, async () => {
        throw new Error('the audit log is unavailable');
      }),
    ).rejects.toThrow('the audit log is unavailable');
    expect(await db.selectFrom('contacts').select('id').where('id', '=', contact.id).executeTakeFirst()).toEqual({ id: contact.id });
    expect(await auditRows()).toBe(0);

    // Through the API: the contact goes and one entry says so, with the counts.
    const erased = await server().request('POST', `/v1/contacts/${contact.id}/erase`, { body: { confirm: contact.id } });
    expect(erased.status, erased.body).toBe(200);
    expect(await db.selectFrom('contacts').select('id').where('id', '=', contact.id).executeTakeFirst()).toBeUndefined();
    const entries = await db.selectFrom('audit_log').selectAll().where('target_id', '=', contact.id).execute();
    expect(entries).toHaveLength(1);
    expect(entries[0]).toMatchObject({ action: 'contact.erased', target_type: 'contact' });
    expect(JSON.parse(entries[0]?.detail ?? '{}')).toMatchObject({ contacts: 1 });
  });
});
