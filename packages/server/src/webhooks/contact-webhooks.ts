import type { WebhookData } from '@parley/protocol';
import type { ContactEvents } from '../contacts/contact-events.js';
import { contactsStore } from '../contacts/contacts-store.js';
import type { Db } from '../store/database.js';
import type { EventScope, WebhookOutbox } from './webhook-outbox.js';

type ContactData = WebhookData<'contact.created'>['contact'];

/**
 * Contacts' changes as `contact.*` webhooks (the port contacts/contact-events.ts). Ordered per contact
 * (the order key is the contact's id; a merge is ordered with the contact that remains).
 */
export function contactWebhooks(outbox: WebhookOutbox): ContactEvents {
  const any: EventScope = { widgetId: undefined, orderKey: '' };
  const changed = async (db: Db, type: 'contact.created' | 'contact.updated', contactId: string): Promise<void> => {
    if (!outbox.wants(type, any)) return;
    const contact = await contactData(db, contactId);
    if (contact !== undefined) await outbox.enqueue(db, type, { widgetId: contact.widgetId, orderKey: contact.id }, { contact });
  };
  return {
    created: (db, contactId) => changed(db, 'contact.created', contactId),
    updated: (db, contactId) => changed(db, 'contact.updated', contactId),
    async merged(db, intoId, fromId, conversations) {
      if (!outbox.wants('contact.merged', any)) return;
      const contact = await contactData(db, intoId);
      if (contact === undefined) return;
      await outbox.enqueue(
        db,
        'contact.merged',
        { widgetId: contact.widgetId, orderKey: contact.id },
        { contact, mergedContactId: fromId, conversations },
      );
    },
  };
}

async function contactData(db: Db, id: string): Promise<ContactData | undefined> {
  const row = await contactsStore.get(db, id);
  if (row === undefined) return undefined;
  const attributes = (await contactsStore.attributes(db, [id])).get(id) ?? {};
  return {
    id: row.id,
    widgetId: row.widget_id,
    externalId: row.external_id,
    name: row.name,
    email: row.email,
    phone: row.phone,
    attributes,
    firstSeenAt: row.first_seen_at,
    lastSeenAt: row.last_seen_at,
    createdAt: row.created_at,
    updatedAt: row.updated_at,
  };
}
