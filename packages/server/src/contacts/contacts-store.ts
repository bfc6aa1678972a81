import { sql, type Expression, type SqlBool } from 'kysely';
import type { ContactAttributeValue, ContactSort } from '@parley/protocol';
import type { ContactRow } from '../store/conversations-store.js';
import type { Db } from '../store/database.js';

export interface ContactFilter {
  readonly q?: string;
  readonly widgetId?: string;
  /** key → value as text: every pair must match. */
  readonly attributes?: ReadonlyArray<readonly [string, string]>;
  readonly seenAfter?: string;
  readonly seenBefore?: string;
  readonly hasEmail?: boolean;
}

export interface ContactOrder {
  readonly sort: ContactSort;
  readonly order: 'asc' | 'desc';
}

/** Where a page continues: the last row's sort key and id. */
export interface ContactPosition {
  readonly key: string;
  readonly id: string;
}

export interface ContactConversationRow {
  id: string;
  widget_id: string;
  last_seq: number;
  created_at: string;
  updated_at: string;
  owner: string | null;
  m_text: string | null;
  m_role: string | null;
  m_at: string | null;
}

/**
 * The sort keys, written exactly as migration 0010 indexes them: a contact never seen or named has
 * NULL there, which SQLite and PostgreSQL place at opposite ends, so both coalesce to ''.
 */
function sortKey(sort: ContactSort) {
  switch (sort) {
    case 'lastSeen':
      return sql<string>`coalesce(ct.last_seen_at, '')`;
    case 'name':
      return sql<string>`lower(coalesce(ct.name, ct.email, ''))`;
    default:
      return sql<string>`ct.id`;
  }
}

const likePattern = (text: string): string => `%${text.toLowerCase().replace(/[\\%_]/g, (ch) => `\\${ch}`)}%`;

/** SQL for contacts and their attributes. Methods take the executor so a service can compose them in one transaction. */
export const contactsStore = {
  get(db: Db, id: string): Promise<ContactRow | undefined> {
    return db.selectFrom('contacts').selectAll().where('id', '=', id).executeTakeFirst();
  },

  /** The rows of one page (take + 1: the extra says whether another follows), each with its sort key. */
  list(
    db: Db,
    filter: ContactFilter,
    order: ContactOrder,
    take: number,
    after?: ContactPosition,
  ): Promise<Array<ContactRow & { sort_key: string }>> {
    return contactsStore.listQuery(db, filter, order, take, after).execute();
  },

  /** The list's statement, unexecuted: tests read its query plan. */
  listQuery(db: Db, filter: ContactFilter, order: ContactOrder, take: number, after?: ContactPosition) {
    const key = sortKey(order.sort);
    let query = db.selectFrom('contacts as ct').selectAll('ct').select(key.as('sort_key')).where('ct.merged_into', 'is', null);
    if (filter.widgetId !== undefined) query = query.where('ct.widget_id', '=', filter.widgetId);
    if (filter.hasEmail !== undefined) query = query.where('ct.email', filter.hasEmail ? 'is not' : 'is', null);
    if (filter.seenAfter !== undefined) query = query.where('ct.last_seen_at', '>=', filter.seenAfter);
    if (filter.seenBefore !== undefined) query = query.where('ct.last_seen_at', '<', filter.seenBefore);
    for (const [name, value] of filter.attributes ?? []) {
      query = query.where((eb) =>
        eb.exists(
          eb
            .selectFrom('contact_attributes as a')
            .select('a.contact_id')
            .whereRef('a.contact_id', '=', 'ct.id')
            .where('a.key', '=', name)
            .where('a.value', '=', value),
        ),
      );
    }
    if (filter.q !== undefined && filter.q !== '') {
      const like = sql<string>`${likePattern(filter.q)} escape '\\'`;
      query = query.where((eb) =>
        eb.or([
          eb(eb.fn('lower', ['ct.name']), 'like', like),
          eb(eb.fn('lower', ['ct.email']), 'like', like),
          eb('ct.phone', 'like', like),
          eb(eb.fn('lower', ['ct.external_id']), 'like', like),
        ]),
      );
    }
    if (after !== undefined) {
      const beyond = order.order === 'asc' ? '>' : '<';
      query = query.where((eb): Expression<SqlBool> =>
        eb.or([eb(key, beyond, after.key), eb.and([eb(key, '=', after.key), eb('ct.id', beyond, after.id)])]),
      );
    }
    return query
      .orderBy(key, order.order)
      .orderBy('ct.id', order.order)
      .limit(take + 1);
  },

  async attributes(db: Db, ids: readonly string[]): Promise<Map<string, Record<string, ContactAttributeValue>>> {
    const byContact = new Map<string, Record<string, ContactAttributeValue>>(ids.map((id) => [id, {}]));
    if (ids.length === 0) return byContact;
    const rows = await db
      .selectFrom('contact_attributes')
      .selectAll()
      .where('contact_id', 'in', ids)
      .orderBy('contact_id')
      .orderBy('key')
      .execute();
    for (const row of rows) {
      const attributes = byContact.get(row.contact_id);
      if (attributes !== undefined) attributes[row.key] = fromText(row.value, row.kind);
    }
    return byContact;
  },

  /** Sets (value) or removes (null) attributes; the caller checks the count afterwards in the same transaction. */
  async setAttributes(db: Db, contactId: string, changes: Readonly<Record<string, ContactAttributeValue | null>>): Promise<void> {
    const entries = Object.entries(changes);
    const removed = entries.filter(([, value]) => value === null).map(([name]) => name);
    if (removed.length > 0)
      await db.deleteFrom('contact_attributes').where('contact_id', '=', contactId).where('key', 'in', removed).execute();
    const set = entries.flatMap(([name, value]) => (value === null ? [] : [{ contact_id: contactId, key: name, ...toText(value) }]));
    if (set.length === 0) return;
    await db
      .insertInto('contact_attributes')
      .values(set)
      .onConflict((conflict) =>
        conflict.columns(['contact_id', 'key']).doUpdateSet((eb) => ({ value: eb.ref('excluded.value'), kind: eb.ref('excluded.kind') })),
      )
      .execute();
  },

  async attributeCount(db: Db, contactId: string): Promise<number> {
    const row = await db
      .selectFrom('contact_attributes')
      .select((eb) => eb.fn.countAll().as('n'))
      .where('contact_id', '=', contactId)
      .executeTakeFirstOrThrow();
    return Number(row.n);
  },

  /** Every attribute key in use among contacts the filter could return (the CSV export's columns), A–Z. */
  async attributeKeys(db: Db, widgetId: string | undefined): Promise<string[]> {
    let query = db
      .selectFrom('contact_attributes as a')
      .innerJoin('contacts as ct', 'ct.id', 'a.contact_id')
      .select('a.key')
      .distinct()
      .where('ct.merged_into', 'is', null);
    if (widgetId !== undefined) query = query.where('ct.widget_id', '=', widgetId);
    return (await query.orderBy('a.key').execute()).map((row) => row.key);
  },

  conversations(db: Db, contactId: string, take: number, after?: { at: string; id: string }): Promise<ContactConversationRow[]> {
    let query = db
      .selectFrom('conversations as c')
      .leftJoin('conversation_states as s', 's.conversation_id', 'c.id')
      .leftJoin('messages as m', (join) => join.onRef('m.conversation_id', '=', 'c.id').onRef('m.seq', '=', 'c.last_seq'))
      .select([
        'c.id',
        'c.widget_id',
        'c.last_seq',
        'c.created_at',
        'c.updated_at',
        's.owner',
        'm.text as m_text',
        'm.author_role as m_role',
        'm.created_at as m_at',
      ])
      .where('c.contact_id', '=', contactId);
    if (after !== undefined) {
      const { at, id } = after;
      query = query.where((eb) => eb.or([eb('c.updated_at', '<', at), eb.and([eb('c.updated_at', '=', at), eb('c.id', '<', id)])]));
    }
    return query
      .orderBy('c.updated_at', 'desc')
      .orderBy('c.id', 'desc')
      .limit(take + 1)
      .execute();
  },

  /** A live (not merged) contact of the widget by external id, else by email: who an imported row is. */
  async findForImport(db: Db, widgetId: string, externalId: string | null, email: string | null): Promise<ContactRow | undefined> {
    if (externalId !== null) {
      const byExternal = await db
        .selectFrom('contacts')
        .selectAll()
        .where('widget_id', '=', widgetId)
        .where('external_id', '=', externalId)
        .executeTakeFirst();
      if (byExternal !== undefined) return byExternal;
    }
    if (email === null) return undefined;
    return db
      .selectFrom('contacts')
      .selectAll()
      .where('widget_id', '=', widgetId)
      .where('email', '=', email)
      .where('merged_into', 'is', null)
      .orderBy('id')
      .limit(1)
      .executeTakeFirst();
  },
};

/** Attributes are stored as text (what a filter compares) with their kind (what the API gives back). */
export function toText(value: ContactAttributeValue): { value: string; kind: string } {
  return { value: String(value), kind: typeof value };
}

function fromText(value: string, kind: string): ContactAttributeValue {
  if (kind === 'number') return Number(value);
  if (kind === 'boolean') return value === 'true';
  return value;
}
