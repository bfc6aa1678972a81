import { sql } from 'kysely';
import type { Contact } from '@parley/protocol';
import type { Bus, BusLog } from '../bus/bus.js';
import { toContact } from '../contacts/index.js';
import { contactsStore } from '../contacts/contacts-store.js';
import type { FileStore, StoredFileMeta } from '../files/file-store.js';
import { ApiError } from '../http/api-error.js';
import type { ContactRow } from '../store/conversations-store.js';
import type { Db } from '../store/database.js';
import { nowIso } from '../store/ids.js';
import { readJson } from '../store/json.js';
import {
  addCounts,
  deleteDeliveriesMentioning,
  eraseConversations,
  noErasedCounts,
  uploadIdOf,
  type ErasedCounts,
} from './erase-conversations.js';
import { KNOWN_CONTACT_TABLES, KNOWN_CONVERSATION_TABLES, otherTables, subjectTables } from './subject-tables.js';

/** Erasures and consent withdrawals made on any node reach every node's live connections through this channel. */
export const ERASED_CHANNEL = 'parley:privacy:erased';

/** Why a conversation's visitor links end: the close reason they get. */
export type SessionEnd = 'erased' | 'consent withdrawn';

export interface PrivacyDeps {
  readonly db: Db;
  readonly files: FileStore;
  readonly bus: Bus;
  readonly log: BusLog;
  /** Writes what is still on its way to the database (the report recorder's batch), so nothing of an erased conversation lands after it. */
  readonly flush: () => Promise<void>;
}

/** What a contact erasure removed: counts only. */
export interface ContactErasure extends ErasedCounts {
  contacts: number;
}

/** An upload kept for a subject: its bytes and what was said about them. */
export interface ExportedFile {
  readonly id: string;
  readonly path: string;
  readonly bytes: Buffer;
  readonly meta: StoredFileMeta;
}

/** Everything Parley holds about one contact: the readable part, every stored row by table, and their uploads. */
export interface SubjectExport {
  readonly data: {
    readonly exportedAt: string;
    readonly contact: Contact;
    readonly conversations: readonly ExportedConversation[];
    readonly webhookDeliveries: readonly unknown[];
    readonly files: readonly { id: string; path: string; name: string; mimeType: string; size: number; conversationId: string }[];
    /** The consent acceptances (and withdrawals) that admitted their conversations. */
    readonly consentRecords: readonly Record<string, unknown>[];
    /** Every stored row the erasure removes, as stored, by table. */
    readonly records: Readonly<Record<string, readonly Record<string, unknown>[]>>;
  };
  readonly files: readonly ExportedFile[];
}

export interface ExportedConversation {
  readonly id: string;
  readonly widgetId: string;
  readonly status: string;
  readonly identityUserId: string | null;
  readonly createdAt: string;
  readonly updatedAt: string;
  readonly meta: unknown;
  readonly messages: readonly {
    id: string;
    seq: number;
    at: string;
    author: { role: string; id: string; name: string };
    type: string;
    text: string;
    payload: unknown;
  }[];
}

/** The visitor's own copy (GET /v1/conversations/{id}/visitor-data): what they said and were told, no private notes. */
export interface VisitorData {
  readonly exportedAt: string;
  readonly contact: Contact | null;
  readonly conversations: readonly {
    id: string;
    createdAt: string;
    status: string;
    messages: { at: string; author: { role: string; name: string }; type: string; text: string; payload: unknown }[];
    files: { name: string; url: string }[];
  }[];
}

type Row = Record<string, unknown>;

/**
 * Right of access and erasure (issue 18): a contact's export and erasure, a visitor's own data, and the
 * erasure of conversations that retention shares. Live connections of erased conversations close on
 * every node (ERASED_CHANNEL); their tokens are refused from then on because each visitor path looks the
 * conversation up. A consent withdrawal closes its conversation's links the same way (`endSessions`).
 */
export class Privacy {
  private readonly listeners = new Set<(conversationIds: readonly string[], why: SessionEnd) => void>();
  private listening: Promise<unknown> | undefined;

  constructor(private readonly deps: PrivacyDeps) {}

  /** Hears erasures of other nodes (idempotent). */
  listen(): Promise<unknown> {
    this.listening ??= this.deps.bus
      .subscribe(ERASED_CHANNEL, (payload) => this.heard(payload))
      .catch((error: unknown) => {
        this.listening = undefined;
        this.deps.log.warn({ err: error }, 'could not listen for erasures made on other nodes');
      });
    return this.listening;
  }

  /**
   * `listener` hears the conversation ids of every erasure and every consent withdrawal (`why`), made on this node or
   * another: the gateway closes their visitor links.
   */
  onErased(listener: (conversationIds: readonly string[], why: SessionEnd) => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  /** Erases these conversations and everything of them (see eraseConversations); counts only. */
  async eraseConversations(conversationIds: readonly string[]): Promise<ErasedCounts> {
    if (conversationIds.length === 0) return noErasedCounts();
    await this.deps.flush();
    const counts = await eraseConversations(this.deps.db, this.deps.files, conversationIds);
    this.announce(conversationIds, 'erased');
    return counts;
  }

  /** Live contacts (not merged away) with this email (any case) or this identity user id (their external id). */
  async findContacts(by: { readonly email?: string | undefined; readonly userId?: string | undefined }): Promise<Contact[]> {
    if (by.email === undefined && by.userId === undefined) return [];
    const { db } = this.deps;
    const rows = await db
      .selectFrom('contacts')
      .selectAll()
      .where('merged_into', 'is', null)
      .where((eb) =>
        eb.or([
          ...(by.email === undefined ? [] : [eb('email', '=', by.email.toLowerCase())]),
          ...(by.userId === undefined ? [] : [eb('external_id', '=', by.userId)]),
        ]),
      )
      .orderBy('id')
      .limit(100)
      .execute();
    return this.withAttributes(rows);
  }

  /** Everything held about a contact (a merged contact's id names the contact it went into). */
  async exportContact(contactId: string): Promise<SubjectExport> {
    const { contact, contactIds, conversationIds } = await this.subject(contactId);
    const records = await this.records(contactIds, conversationIds);
    const files = await this.uploads((records['messages'] ?? []) as Row[]);
    const attemptsOf = groupBy(records['webhook_attempts'] ?? [], 'delivery_id');
    const messagesOf = groupBy((records['messages'] ?? []) as Row[], 'conversation_id');
    return {
      data: {
        exportedAt: nowIso(),
        contact: (await this.withAttributes([contact]))[0] as Contact,
        conversations: ((records['conversations'] ?? []) as Row[]).map((c) => ({
          id: String(c['id']),
          widgetId: String(c['widget_id']),
          status: String(c['status']),
          identityUserId: (c['identity_user_id'] as string | null) ?? null,
          createdAt: String(c['created_at']),
          updatedAt: String(c['updated_at']),
          meta: readJson(String(c['meta'])),
          messages: (messagesOf.get(String(c['id'])) ?? [])
            .sort((a, b) => Number(a['seq']) - Number(b['seq']))
            .map((m) => ({
              id: String(m['id']),
              seq: Number(m['seq']),
              at: String(m['created_at']),
              author: { role: String(m['author_role']), id: String(m['author_id']), name: String(m['author_name']) },
              type: String(m['type']),
              text: String(m['text']),
              payload: m['payload'] === null ? null : readJson(String(m['payload'])),
            })),
        })),
        webhookDeliveries: ((records['webhook_deliveries'] ?? []) as Row[]).map((d) => ({
          id: d['id'],
          subscriptionId: d['subscription_id'],
          eventType: d['event_type'],
          status: d['status'],
          createdAt: d['created_at'],
          deliveredAt: d['delivered_at'],
          payload: readJson(String(d['payload'])),
          attempts: attemptsOf.get(String(d['id'])) ?? [],
        })),
        files: files.map((file) => ({ id: file.id, path: file.path, ...file.meta })),
        consentRecords: records['consent_records'] ?? [],
        records,
      },
      files,
    };
  }

  /**
   * Erases a contact: their conversations (and all of those), merged-away records, attributes, events, webhook payloads
   * naming them. `audit` writes the erasure's audit entry with its counts in the transaction that deletes the contact
   * itself (the conversations go before, in short batches): the contact is never gone without its entry, and an entry
   * never stands for a contact that is still there.
   */
  async eraseContact(contactId: string, audit?: (trx: Db, counts: ContactErasure) => Promise<void>): Promise<ContactErasure> {
    const { contactIds, conversationIds } = await this.subject(contactId);
    const counts: ContactErasure = { ...(await this.eraseConversations(conversationIds)), contacts: 0 };
    const { db } = this.deps;
    // A conversation linked to them while the first pass ran is theirs too.
    for (let pass = 0; pass < 3; pass++) {
      const late = await db.selectFrom('conversations').select('id').where('contact_id', 'in', contactIds).execute();
      if (late.length === 0) break;
      addCounts(counts, await this.eraseConversations(late.map((c) => c.id)));
    }
    const others = otherTables((await subjectTables(db)).byContact, [...KNOWN_CONTACT_TABLES, ...KNOWN_CONVERSATION_TABLES]);
    await db.transaction().execute(async (trx) => {
      counts.webhookDeliveries += await deleteDeliveriesMentioning(trx, contactIds);
      counts.events += Number((await trx.deleteFrom('events').where('contact_id', 'in', contactIds).executeTakeFirst()).numDeletedRows);
      for (const table of others) await sql`delete from ${sql.table(table)} where contact_id in (${sql.join(contactIds)})`.execute(trx);
      await trx.deleteFrom('contact_attributes').where('contact_id', 'in', contactIds).execute();
      counts.contacts = Number((await trx.deleteFrom('contacts').where('id', 'in', contactIds).executeTakeFirst()).numDeletedRows);
      await audit?.(trx, counts);
    });
    return counts;
  }

  /** The conversations a visitor's session reaches for self-service: their contact's, else this one alone. */
  private async visitorConversationIds(conversationId: string): Promise<{ contactId: string | null; conversationIds: string[] }> {
    const { db } = this.deps;
    const conversation = await db
      .selectFrom('conversations')
      .select(['id', 'contact_id'])
      .where('id', '=', conversationId)
      .executeTakeFirst();
    if (conversation === undefined) throw new ApiError('PARLEY_ERR_CONVERSATION_NOT_FOUND');
    if (conversation.contact_id === null) return { contactId: null, conversationIds: [conversation.id] };
    const { contactIds, conversationIds } = await this.subject(conversation.contact_id);
    return {
      contactId: contactIds[0] ?? null,
      conversationIds: conversationIds.includes(conversation.id) ? conversationIds : [...conversationIds, conversation.id],
    };
  }

  /** A visitor's own data: their contact (if any) and every conversation of theirs, without private notes. */
  async visitorData(conversationId: string): Promise<VisitorData> {
    const { db } = this.deps;
    const { contactId, conversationIds } = await this.visitorConversationIds(conversationId);
    const contactRow =
      contactId === null ? undefined : await db.selectFrom('contacts').selectAll().where('id', '=', contactId).executeTakeFirst();
    const conversations = await db
      .selectFrom('conversations')
      .selectAll()
      .where('id', 'in', conversationIds)
      .orderBy('created_at')
      .execute();
    const messages = await db
      .selectFrom('messages')
      .selectAll()
      .where('conversation_id', 'in', conversationIds)
      .where('type', '!=', 'note')
      .orderBy('conversation_id')
      .orderBy('seq')
      .execute();
    const byConversation = groupBy(messages as unknown as Row[], 'conversation_id');
    return {
      exportedAt: nowIso(),
      contact: contactRow === undefined ? null : ((await this.withAttributes([contactRow]))[0] ?? null),
      conversations: conversations.map((c) => {
        const own = (byConversation.get(c.id) ?? []) as unknown as typeof messages;
        return {
          id: c.id,
          createdAt: c.created_at,
          status: c.status,
          messages: own.map((m) => ({
            at: m.created_at,
            author: { role: m.author_role, name: m.author_name },
            type: m.type,
            text: m.text,
            payload: m.payload === null ? null : readJson(m.payload),
          })),
          files: own.flatMap((m) => {
            if (uploadIdOf(m.type, m.payload) === undefined || m.payload === null) return [];
            const payload = readJson<{ url: string; name?: string }>(m.payload);
            return [{ name: payload.name ?? 'file', url: payload.url }];
          }),
        };
      }),
    };
  }

  /**
   * A visitor erases their data: the contact (whose id it answers) and all their conversations, or this conversation
   * when there is no contact. `audit` writes a contact erasure's entry in the contact's transaction (eraseContact).
   */
  async eraseVisitor(
    conversationId: string,
    audit?: (trx: Db, contactId: string, counts: ContactErasure) => Promise<void>,
  ): Promise<{ contactId: string | null; erased: ContactErasure }> {
    const { contactId, conversationIds } = await this.visitorConversationIds(conversationId);
    if (contactId !== null) {
      const erased = await this.eraseContact(contactId, audit === undefined ? undefined : (trx, counts) => audit(trx, contactId, counts));
      return { contactId, erased };
    }
    return { contactId, erased: { ...(await this.eraseConversations(conversationIds)), contacts: 0 } };
  }

  /**
   * The visitor withdrew consent (privacy/consent.ts has stamped the records, so their tokens are refused from now
   * on): the conversation's open visitor links close on every node, as an erasure's do.
   */
  endSessions(conversationIds: readonly string[]): void {
    this.announce(conversationIds, 'consent withdrawn');
  }

  private announce(conversationIds: readonly string[], why: SessionEnd): void {
    this.tell(conversationIds, why);
    // An erasure keeps the plain array it always sent (nodes of the previous version read it during an upgrade).
    const payload = why === 'erased' ? conversationIds : { ids: conversationIds, why };
    this.deps.bus.publish(ERASED_CHANNEL, JSON.stringify(payload)).catch((error: unknown) => {
      this.deps.log.warn({ err: error }, `could not tell other nodes (${why}); their links of it fail at the next message`);
    });
  }

  private heard(payload: string): void {
    try {
      const heard = JSON.parse(payload) as unknown;
      const strings = (ids: unknown[]): string[] => ids.filter((id): id is string => typeof id === 'string');
      if (Array.isArray(heard)) this.tell(strings(heard), 'erased');
      else if (typeof heard === 'object' && heard !== null && 'ids' in heard && Array.isArray(heard.ids)) {
        const why = 'why' in heard && heard.why === 'consent withdrawn' ? 'consent withdrawn' : 'erased';
        this.tell(strings(heard.ids), why);
      }
    } catch {
      // Not ours: ignore.
    }
  }

  private tell(conversationIds: readonly string[], why: SessionEnd): void {
    for (const listener of this.listeners) listener(conversationIds, why);
  }

  /** The live contact behind an id, every contact row merged into it, and all their conversations. */
  private async subject(contactId: string): Promise<{ contact: ContactRow; contactIds: string[]; conversationIds: string[] }> {
    const { db } = this.deps;
    const row = await db.selectFrom('contacts').selectAll().where('id', '=', contactId).executeTakeFirst();
    const contact =
      row?.merged_into == null ? row : await db.selectFrom('contacts').selectAll().where('id', '=', row.merged_into).executeTakeFirst();
    if (contact === undefined) throw new ApiError('PARLEY_ERR_CONTACT_NOT_FOUND', `No contact has the id ${contactId}.`);
    const merged = await db.selectFrom('contacts').select('id').where('merged_into', '=', contact.id).execute();
    const contactIds = [contact.id, ...merged.map((m) => m.id)];
    const conversations = await db.selectFrom('conversations').select('id').where('contact_id', 'in', contactIds).orderBy('id').execute();
    return { contact, contactIds, conversationIds: conversations.map((c) => c.id) };
  }

  /** Every stored row the erasure of these contacts and conversations removes, by table (mirrors eraseConversations and eraseContact). */
  private async records(contactIds: readonly string[], conversationIds: readonly string[]): Promise<Record<string, Row[]>> {
    const { db } = this.deps;
    const tables = await subjectTables(db);
    const out: Record<string, Row[]> = {};
    const add = (table: string, rows: readonly Row[]): void => {
      if (rows.length === 0) return;
      const seen = new Set((out[table] ?? []).map((row) => JSON.stringify(row)));
      out[table] = [...(out[table] ?? []), ...rows.filter((row) => !seen.has(JSON.stringify(row)))];
    };
    const select = async (table: string, column: string, values: readonly string[]): Promise<Row[]> =>
      values.length === 0
        ? []
        : (await sql<Row>`select * from ${sql.table(table)} where ${sql.ref(column)} in (${sql.join(values)})`.execute(db)).rows;
    add('contacts', await select('contacts', 'id', contactIds));
    for (const table of tables.byContact) if (table !== 'conversations') add(table, await select(table, 'contact_id', contactIds));
    for (let i = 0; i < conversationIds.length; i += 500) {
      const chunk = conversationIds.slice(i, i + 500);
      add('conversations', await select('conversations', 'id', chunk));
      for (const table of tables.byConversation) add(table, await select(table, 'conversation_id', chunk));
      add(
        'visitor_blocks',
        await select(
          'visitor_blocks',
          'subject',
          chunk.map((id) => `conv:${id}`),
        ),
      );
    }
    const needles = [...contactIds, ...conversationIds];
    const deliveries: Row[] = [];
    for (let i = 0; i < needles.length; i += 200) {
      const chunk = needles.slice(i, i + 200);
      deliveries.push(
        ...(await db
          .selectFrom('webhook_deliveries')
          .selectAll()
          .where((eb) => eb.or(chunk.map((needle) => eb('payload', 'like', `%${needle}%`))))
          .execute()),
      );
    }
    add('webhook_deliveries', deliveries);
    add('webhook_attempts', await select('webhook_attempts', 'delivery_id', [...new Set(deliveries.map((d) => String(d['id'])))]));
    return out;
  }

  private async uploads(messages: readonly Row[]): Promise<ExportedFile[]> {
    const out: ExportedFile[] = [];
    for (const message of messages) {
      const id = uploadIdOf(String(message['type']), (message['payload'] as string | null) ?? null);
      if (id === undefined || out.some((file) => file.id === id)) continue;
      const stored = await this.deps.files.get(id);
      if (stored === undefined) continue;
      out.push({ id, path: `files/${id}-${safeName(stored.meta.name)}`, bytes: stored.bytes, meta: stored.meta });
    }
    return out;
  }

  private async withAttributes(rows: readonly ContactRow[]): Promise<Contact[]> {
    const attributes = await contactsStore.attributes(
      this.deps.db,
      rows.map((row) => row.id),
    );
    return rows.map((row) => toContact(row, attributes.get(row.id) ?? {}));
  }
}

function groupBy(rows: readonly Row[], key: string): Map<string, Row[]> {
  const out = new Map<string, Row[]>();
  for (const row of rows) {
    const k = String(row[key]);
    const list = out.get(k) ?? [];
    list.push(row);
    out.set(k, list);
  }
  return out;
}

/** A file name safe inside a zip on every system. */
function safeName(name: string): string {
  const cleaned = name
    .replace(/[^\p{L}\p{N}._ -]/gu, '_')
    .replace(/^\.+/, '')
    .slice(0, 100);
  return cleaned === '' ? 'file' : cleaned;
}
