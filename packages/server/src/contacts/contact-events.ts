import type { Db } from '../store/database.js';

/**
 * What contacts tell outbound webhooks (webhooks/contact-webhooks.ts implements it; app.ts wires it).
 * Every method writes with the executor it is given: the caller passes the transaction that changed the
 * contact, so the event is delivered if and only if the change committed. Each reads the contact as it
 * stands in that transaction, and only when a subscription wants the event.
 */
export interface ContactEvents {
  created(db: Db, contactId: string): Promise<void>;
  updated(db: Db, contactId: string): Promise<void>;
  merged(db: Db, intoId: string, fromId: string, conversations: number): Promise<void>;
}

export const NO_CONTACT_EVENTS: ContactEvents = {
  created: async () => undefined,
  updated: async () => undefined,
  merged: async () => undefined,
};
