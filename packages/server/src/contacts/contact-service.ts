import {
  CONTACT_ATTRIBUTE_KEY,
  CONTACT_ATTRIBUTE_VALUE_MAX,
  CONTACT_ATTRIBUTES_MAX,
  CONTACT_PAGES_MAX,
  contactInputSchema,
  type Contact,
  type ContactAttributeValue,
  type ContactConversation,
  type ContactListQuery,
  type ContactPage,
  type ContactPatch,
  type Page,
} from '@parley/protocol';
import { ApiError } from '../http/api-error.js';
import { conversationsStore, isUniqueViolation, type ContactRow, type ConversationRow } from '../store/conversations-store.js';
import type { Db } from '../store/database.js';
import { newId, nowIso } from '../store/ids.js';
import { readJson, writeJson } from '../store/json.js';
import { decodeTimeCursor, DEFAULT_PAGE_SIZE, encodeTimeCursor } from '../store/pagination.js';
import { NO_CONTACT_EVENTS, type ContactEvents } from './contact-events.js';
import { contactsStore, type ContactFilter, type ContactOrder } from './contacts-store.js';
import { decodeCursor, encodeCursor } from './contact-cursor.js';
import { summarizeUserAgent } from './user-agent.js';

/** Conversation meta keys the widget or the server set themselves (a server-side caller may send `userAgent`): the rest are the site's attributes. */
const META_NOT_ATTRIBUTES = new Set(['pageUrl', 'referrer', 'browser', 'userAgent', 'language', 'app', 'widgetId']);

export interface Visit {
  readonly at: string;
  readonly pageUrl?: string | undefined;
  readonly userAgent?: string | undefined;
  /** When the visitor was first seen, if earlier than `at` (a conversation that started before its contact existed). */
  readonly since?: string;
  /** The site's attributes, best effort: keys beyond the 50 a contact holds are left out rather than failing the visit. */
  readonly attributes?: Readonly<Record<string, ContactAttributeValue>>;
}

/**
 * Contacts: who the site talked to. Listing, reading, editing, merging; and the visits that keep their
 * first/last seen, pages and device current (sessions, the contact form, the widget's setAttributes).
 */
export class ContactService {
  constructor(
    private readonly db: Db,
    /** contact.created / updated / merged webhooks, written in the transaction of each change. */
    readonly events: ContactEvents = NO_CONTACT_EVENTS,
  ) {}

  async list(query: ContactListQuery): Promise<Page<Contact>> {
    const order = orderOf(query);
    const take = query.take ?? DEFAULT_PAGE_SIZE;
    const after = decodeCursor(query.cursor, order);
    const rows = await contactsStore.list(this.db, filterOf(query), order, take, after);
    const items = rows.slice(0, take);
    const attributes = await contactsStore.attributes(
      this.db,
      items.map((row) => row.id),
    );
    const last = items.at(-1);
    return {
      items: items.map((row) => toContact(row, attributes.get(row.id) ?? {})),
      nextCursor: rows.length > take && last !== undefined ? encodeCursor(order, { key: last.sort_key, id: last.id }) : null,
    };
  }

  /** Every contact the query selects, a page at a time (the CSV export streams these). */
  async *all(query: ContactListQuery): AsyncGenerator<Contact[]> {
    const order = orderOf(query);
    const filter = filterOf(query);
    let after = decodeCursor(query.cursor, order);
    for (;;) {
      const rows = await contactsStore.list(this.db, filter, order, 500, after);
      const items = rows.slice(0, 500);
      const attributes = await contactsStore.attributes(
        this.db,
        items.map((row) => row.id),
      );
      if (items.length > 0) yield items.map((row) => toContact(row, attributes.get(row.id) ?? {}));
      const last = items.at(-1);
      if (rows.length <= 500 || last === undefined) return;
      after = { key: last.sort_key, id: last.id };
    }
  }

  attributeKeys(widgetId: string | undefined): Promise<string[]> {
    return contactsStore.attributeKeys(this.db, widgetId);
  }

  /** A contact by id; a merged contact's id answers with the contact it was merged into. */
  async get(id: string, db: Db = this.db): Promise<Contact> {
    const row = await this.live(db, id);
    const attributes = await contactsStore.attributes(db, [row.id]);
    return toContact(row, attributes.get(row.id) ?? {});
  }

  async patch(id: string, patch: ContactPatch): Promise<Contact> {
    try {
      return await this.db.transaction().execute(async (trx) => {
        const row = await this.live(trx, id);
        const details = {
          ...(patch.name === undefined ? {} : { name: patch.name === '' ? null : patch.name }),
          ...(patch.email === undefined ? {} : { email: patch.email?.toLowerCase() ?? null }),
          ...(patch.phone === undefined ? {} : { phone: patch.phone }),
          ...(patch.externalId === undefined ? {} : { external_id: patch.externalId }),
        };
        await conversationsStore.updateContact(trx, row.id, { ...details, updated_at: nowIso() });
        if (patch.attributes !== undefined) await this.setAttributes(trx, row.id, patch.attributes, 'refuse');
        await this.events.updated(trx, row.id);
        return this.get(row.id, trx);
      });
    } catch (error) {
      if (isUniqueViolation(error)) {
        throw new ApiError(
          'PARLEY_ERR_CONTACT_EXTERNAL_ID_TAKEN',
          `Another contact of this widget already has the external id ${JSON.stringify(patch.externalId)}.`,
          'externalId',
        );
      }
      throw error;
    }
  }

  async conversations(id: string, take: number, cursor: string | undefined): Promise<Page<ContactConversation>> {
    const row = await this.live(this.db, id);
    const after = cursor === undefined ? undefined : decodeTimeCursor(cursor, 'conv');
    const rows = await contactsStore.conversations(this.db, row.id, take, after);
    const items = rows.slice(0, take);
    const last = items.at(-1);
    return {
      items: items.map((conversation) => ({
        id: conversation.id,
        widgetId: conversation.widget_id,
        owner: conversation.owner ?? 'bot',
        lastMessage:
          conversation.m_text === null || conversation.m_role === null || conversation.m_at === null
            ? null
            : { text: conversation.m_text.slice(0, 280), role: conversation.m_role, at: conversation.m_at },
        messageCount: Number(conversation.last_seq),
        createdAt: conversation.created_at,
        updatedAt: conversation.updated_at,
      })),
      nextCursor: rows.length > take && last !== undefined ? encodeTimeCursor(last.updated_at, last.id) : null,
    };
  }

  /**
   * Folds `fromId` into `intoId` in one transaction: every conversation of `from` moves; details `into`
   * lacks are taken from `from`; attributes are combined, `into`'s value winning a shared key; first seen
   * is the earlier, last seen (and the device) the later, pages interleave by time. `from` keeps its id,
   * emptied, with merged_into set, so references to it (messages' author ids, links) still resolve.
   */
  async merge(intoId: string, fromId: string): Promise<{ contact: Contact; conversations: number }> {
    return this.db.transaction().execute(async (trx) => {
      const into = await this.live(trx, intoId);
      const from = await contactsStore.get(trx, fromId);
      if (from === undefined) throw new ApiError('PARLEY_ERR_CONTACT_NOT_FOUND', `No contact has the id ${fromId}.`, 'from');
      if (from.merged_into !== null) {
        throw new ApiError('PARLEY_ERR_CONTACT_MERGE_CONFLICT', `Contact ${fromId} was already merged into ${from.merged_into}.`, 'from');
      }
      if (from.id === into.id) throw new ApiError('PARLEY_ERR_CONTACT_MERGE_CONFLICT', 'A contact cannot be merged into itself.', 'from');
      if (from.widget_id !== into.widget_id) {
        throw new ApiError(
          'PARLEY_ERR_CONTACT_MERGE_CONFLICT',
          `Contact ${fromId} belongs to widget ${from.widget_id} and ${into.id} to ${into.widget_id}: only contacts of one widget merge.`,
          'from',
        );
      }
      if (from.external_id !== null && into.external_id !== null) {
        throw new ApiError(
          'PARLEY_ERR_CONTACT_MERGE_CONFLICT',
          `Both contacts are known users of the site (external ids ${JSON.stringify(into.external_id)} and ${JSON.stringify(from.external_id)}).`,
          'from',
        );
      }
      const now = nowIso();
      const moved = await trx
        .updateTable('conversations')
        .set({ contact_id: into.id })
        .where('contact_id', '=', from.id)
        .executeTakeFirst();
      const intoAttributes = (await contactsStore.attributes(trx, [into.id])).get(into.id) ?? {};
      const fromAttributes = (await contactsStore.attributes(trx, [from.id])).get(from.id) ?? {};
      const room = CONTACT_ATTRIBUTES_MAX - Object.keys(intoAttributes).length;
      const added = Object.entries(fromAttributes)
        .filter(([key]) => !(key in intoAttributes))
        .slice(0, Math.max(0, room));
      await trx.deleteFrom('contact_attributes').where('contact_id', '=', from.id).execute();
      await contactsStore.setAttributes(trx, into.id, Object.fromEntries(added));
      // The source lets go of its external id first: (widget_id, external_id) is unique.
      await conversationsStore.updateContact(trx, from.id, {
        merged_into: into.id,
        external_id: null,
        name: null,
        email: null,
        phone: null,
        pages: '[]',
        browser: null,
        os: null,
        device: null,
        first_seen_at: null,
        last_seen_at: null,
        updated_at: now,
      });
      const fromLater = (from.last_seen_at ?? '') > (into.last_seen_at ?? '');
      await conversationsStore.updateContact(trx, into.id, {
        name: into.name ?? from.name,
        email: into.email ?? from.email,
        phone: into.phone ?? from.phone,
        external_id: into.external_id ?? from.external_id,
        first_seen_at: earliest(into.first_seen_at, from.first_seen_at),
        last_seen_at: fromLater ? from.last_seen_at : into.last_seen_at,
        ...(fromLater ? { browser: from.browser, os: from.os, device: from.device } : {}),
        pages: writeJson(
          [...pagesOf(into), ...pagesOf(from)].sort((a, b) => (a.at < b.at ? 1 : a.at > b.at ? -1 : 0)).slice(0, CONTACT_PAGES_MAX),
        ),
        updated_at: now,
      });
      // Contacts merged into `from` earlier now point at `into` too: one hop resolves any old id.
      await trx.updateTable('contacts').set({ merged_into: into.id }).where('merged_into', '=', from.id).execute();
      await this.events.merged(trx, into.id, from.id, Number(moved.numUpdatedRows));
      return { contact: await this.get(into.id, trx), conversations: Number(moved.numUpdatedRows) };
    });
  }

  /** A session (or the contact form) of this contact: last seen, the page, the device, the site's attributes. */
  async recordVisit(db: Db, contactId: string, visit: Visit): Promise<void> {
    const row = await contactsStore.get(db, contactId);
    if (row === undefined) return;
    const pages = pagesOf(row);
    const url = visit.pageUrl?.slice(0, 500);
    const next =
      url === undefined || url === ''
        ? pages
        : [{ url, title: null, at: visit.at }, ...pages.filter((page) => page.url !== url)].slice(0, CONTACT_PAGES_MAX);
    const device = summarizeUserAgent(visit.userAgent);
    await conversationsStore.updateContact(db, contactId, {
      first_seen_at: earliest(row.first_seen_at, visit.since ?? visit.at),
      last_seen_at: row.last_seen_at !== null && row.last_seen_at > visit.at ? row.last_seen_at : visit.at,
      pages: writeJson(next),
      ...(device === null ? {} : device),
    });
    if (visit.attributes !== undefined) await this.setAttributes(db, contactId, visit.attributes, 'skip');
  }

  /**
   * The contact of a conversation, made (and linked) when it has none, with the details a visitor gave
   * (the contact form, the offline email), and their visit recorded: the conversation's page and browser,
   * seen now. Stored on the conversation's own contact, so a visitor cannot attach themselves to someone
   * else's record by typing their address.
   */
  async ensureForConversation(
    db: Db,
    conversation: Pick<ConversationRow, 'id' | 'widget_id' | 'contact_id' | 'meta' | 'created_at'>,
    details: { readonly name?: string; readonly email?: string } = {},
  ): Promise<string> {
    const now = nowIso();
    const given = {
      ...(details.name === undefined ? {} : { name: details.name }),
      ...(details.email === undefined ? {} : { email: details.email.toLowerCase() }),
    };
    let contactId = conversation.contact_id;
    if (contactId === null) {
      contactId = newId('ct');
      await conversationsStore.insertContact(db, {
        id: contactId,
        widget_id: conversation.widget_id,
        external_id: null,
        name: null,
        email: null,
        phone: null,
        ...given,
        created_at: now,
        updated_at: now,
      });
      await db.updateTable('conversations').set({ contact_id: contactId }).where('id', '=', conversation.id).execute();
    } else await conversationsStore.updateContact(db, contactId, { ...given, updated_at: now });
    await this.recordVisit(db, contactId, this.visitFromMeta(readJson(conversation.meta), conversation.created_at));
    // A new contact is created (with its first visit); an existing one is updated only when the visitor gave details.
    if (conversation.contact_id === null) await this.events.created(db, contactId);
    else if (Object.keys(given).length > 0) await this.events.updated(db, contactId);
    return contactId;
  }

  /** What the conversation's meta says of the visitor (page, browser, the site's attributes), as a visit now. */
  visitFromMeta(meta: Readonly<Record<string, unknown>>, since?: string): Visit {
    const text = (key: string): string | undefined => (typeof meta[key] === 'string' ? meta[key] : undefined);
    const attributes = Object.fromEntries(
      Object.entries(meta).flatMap(([key, value]) =>
        typeof value === 'string' && !META_NOT_ATTRIBUTES.has(key) && CONTACT_ATTRIBUTE_KEY.test(key)
          ? [[key, value.slice(0, CONTACT_ATTRIBUTE_VALUE_MAX)]]
          : [],
      ),
    );
    return {
      at: nowIso(),
      pageUrl: text('pageUrl'),
      userAgent: text('browser') ?? text('userAgent'),
      attributes,
      ...(since === undefined ? {} : { since }),
    };
  }

  /**
   * Sets and removes attributes. `refuse`: more than 50 in the end is an error (the API, PATCH); `skip`:
   * new keys beyond the limit are left out (a visitor's page must not fail a session over them).
   */
  async setAttributes(
    db: Db,
    contactId: string,
    changes: Readonly<Record<string, ContactAttributeValue | null>>,
    overLimit: 'refuse' | 'skip',
  ): Promise<void> {
    let apply = changes;
    if (overLimit === 'skip') {
      const existing = (await contactsStore.attributes(db, [contactId])).get(contactId) ?? {};
      let room = CONTACT_ATTRIBUTES_MAX - Object.keys(existing).length;
      apply = Object.fromEntries(Object.entries(changes).filter(([key, value]) => value === null || key in existing || room-- > 0));
    }
    await contactsStore.setAttributes(db, contactId, apply);
    if (overLimit === 'refuse' && (await contactsStore.attributeCount(db, contactId)) > CONTACT_ATTRIBUTES_MAX) {
      throw new ApiError(
        'PARLEY_ERR_CONTACT_ATTRIBUTES_LIMIT',
        `This change would leave the contact with more than ${CONTACT_ATTRIBUTES_MAX} attributes.`,
        'attributes',
      );
    }
  }

  /** The contact row behind an id, following a merge; 404 when there is none. */
  private async live(db: Db, id: string): Promise<ContactRow> {
    const row = await contactsStore.get(db, id);
    const live = row?.merged_into == null ? row : await contactsStore.get(db, row.merged_into);
    if (live === undefined) throw new ApiError('PARLEY_ERR_CONTACT_NOT_FOUND', `No contact has the id ${id}.`);
    return live;
  }
}

export function toContact(row: ContactRow, attributes: Readonly<Record<string, ContactAttributeValue>>): Contact {
  return {
    id: row.id,
    object: 'contact',
    widgetId: row.widget_id,
    externalId: row.external_id,
    name: row.name,
    email: row.email,
    phone: row.phone,
    attributes,
    firstSeenAt: row.first_seen_at,
    lastSeenAt: row.last_seen_at,
    device: row.browser === null && row.os === null && row.device === null ? null : { browser: row.browser, os: row.os, kind: row.device },
    pages: pagesOf(row),
    createdAt: row.created_at,
    updatedAt: row.updated_at,
  };
}

function pagesOf(row: Pick<ContactRow, 'pages'>): ContactPage[] {
  return readJson<ContactPage[]>(row.pages);
}

function earliest(a: string | null, b: string | null): string | null {
  if (a === null) return b;
  if (b === null) return a;
  return a < b ? a : b;
}

const DEFAULT_ORDER = { lastSeen: 'desc', created: 'desc', name: 'asc' } as const;

function orderOf(query: ContactListQuery): ContactOrder {
  const sort = query.sort ?? 'lastSeen';
  return { sort, order: query.order ?? DEFAULT_ORDER[sort] };
}

const isoOf = (value: string): string => new Date(value).toISOString();

function filterOf(query: ContactListQuery): ContactFilter {
  return {
    ...(query.q === undefined ? {} : { q: query.q }),
    ...(query.widgetId === undefined ? {} : { widgetId: query.widgetId }),
    ...(query.attribute === undefined
      ? {}
      : { attributes: query.attribute.map((pair) => [pair.slice(0, pair.indexOf('=')), pair.slice(pair.indexOf('=') + 1)] as const) }),
    ...(query.seenAfter === undefined ? {} : { seenAfter: isoOf(query.seenAfter) }),
    ...(query.seenBefore === undefined ? {} : { seenBefore: isoOf(query.seenBefore) }),
    ...(query.hasEmail === undefined ? {} : { hasEmail: query.hasEmail === 'true' }),
  };
}

/** The email rule of every other way a contact is given, for rows of an import. */
export const contactEmailSchema = contactInputSchema.entries.email.wrapped;
