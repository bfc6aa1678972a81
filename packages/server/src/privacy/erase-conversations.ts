import { sql } from 'kysely';
import type { FileStore } from '../files/file-store.js';
import type { Db } from '../store/database.js';
import { KNOWN_CONVERSATION_TABLES, otherTables, subjectTables } from './subject-tables.js';

/** Conversations erased per transaction: short transactions, and the event loop gets a turn between them. */
export const ERASE_BATCH = 200;

/** How much went: counts only, what a log line or an audit entry may carry. */
export interface ErasedCounts {
  conversations: number;
  messages: number;
  files: number;
  events: number;
  webhookDeliveries: number;
}

export const noErasedCounts = (): ErasedCounts => ({ conversations: 0, messages: 0, files: 0, events: 0, webhookDeliveries: 0 });

export function addCounts(into: ErasedCounts, more: ErasedCounts): ErasedCounts {
  into.conversations += more.conversations;
  into.messages += more.messages;
  into.files += more.files;
  into.events += more.events;
  into.webhookDeliveries += more.webhookDeliveries;
  return into;
}

/** The stored file a `file` message points at: `<publicUrl>/files/<id>` (api/uploads.ts, api/inbox-files.ts). */
const FILE_URL = /\/files\/([A-Za-z0-9_-]{16,64})$/;

/** The id of the stored upload behind a message's payload, if it is one. */
export function uploadIdOf(type: string, payload: string | null): string | undefined {
  if (type !== 'file' || payload === null) return undefined;
  try {
    const url = (JSON.parse(payload) as { url?: unknown }).url;
    return typeof url === 'string' ? FILE_URL.exec(url)?.[1] : undefined;
  } catch {
    return undefined;
  }
}

/**
 * Deletes everything Parley holds of these conversations: messages, their uploads on disk (through the
 * files port, after the commit), report events and facts, read cursors, activity lines, ownership
 * states, the visitor's address, visitor blocks of the conversation, webhook deliveries (and their
 * attempts) whose payload names one of them, rows of any other table with a `conversation_id` column
 * (consent records, tables added later: found in the schema), and the conversation rows. Visitor session tokens are
 * stateless, but every visitor route and realtime connect looks the conversation up, so a token of an
 * erased conversation is refused from the next request on.
 *
 * Kept: report_counts (hourly totals per widget, no reference to any conversation), and blocks of an
 * address or a verified identity made from the conversation (an agent's decision about that address or
 * user keeps applying, retention must not lift it; the pointer to the conversation goes).
 * One transaction per `batchSize` (ERASE_BATCH) conversations; callers flush what may still be on its way to the
 * database for them (the report recorder) first.
 */
export async function eraseConversations(
  db: Db,
  files: FileStore,
  conversationIds: readonly string[],
  batchSize = ERASE_BATCH,
): Promise<ErasedCounts> {
  const total = noErasedCounts();
  const ids = [...new Set(conversationIds)];
  if (ids.length === 0) return total;
  const others = otherTables((await subjectTables(db)).byConversation, KNOWN_CONVERSATION_TABLES);
  for (let start = 0; start < ids.length; start += batchSize) {
    const batch = ids.slice(start, start + batchSize);
    const { counts, uploads } = await db.transaction().execute((trx) => eraseBatch(trx, batch, others));
    // After the commit: a failed transaction leaves the files of conversations that still exist.
    for (const id of uploads) {
      await files.delete(id);
      counts.files += 1;
    }
    addCounts(total, counts);
    if (start + batchSize < ids.length) await new Promise<void>((resolve) => setImmediate(resolve));
  }
  return total;
}

async function eraseBatch(
  trx: Db,
  ids: readonly string[],
  others: readonly string[],
): Promise<{ counts: ErasedCounts; uploads: string[] }> {
  const counts = noErasedCounts();
  const fileMessages = await trx
    .selectFrom('messages')
    .select(['type', 'payload'])
    .where('conversation_id', 'in', ids)
    .where('type', '=', 'file')
    .execute();
  const uploads = [...new Set(fileMessages.flatMap((m) => uploadIdOf(m.type, m.payload) ?? []))];

  counts.webhookDeliveries = await deleteDeliveriesMentioning(trx, ids);
  counts.messages = Number((await trx.deleteFrom('messages').where('conversation_id', 'in', ids).executeTakeFirst()).numDeletedRows);
  counts.events = Number((await trx.deleteFrom('events').where('conversation_id', 'in', ids).executeTakeFirst()).numDeletedRows);
  await trx.deleteFrom('report_conversations').where('conversation_id', 'in', ids).execute();
  await trx.deleteFrom('read_cursors').where('conversation_id', 'in', ids).execute();
  await trx.deleteFrom('conversation_activity').where('conversation_id', 'in', ids).execute();
  await trx.deleteFrom('conversation_states').where('conversation_id', 'in', ids).execute();
  await trx.deleteFrom('visitor_addresses').where('conversation_id', 'in', ids).execute();
  const subjects = ids.map((id) => `conv:${id}`);
  // A block of the conversation itself goes with it; one of an identity or an address keeps applying, without its pointer.
  await trx.deleteFrom('visitor_blocks').where('subject', 'in', subjects).execute();
  await trx.updateTable('visitor_blocks').set({ conversation_id: null }).where('conversation_id', 'in', ids).execute();
  for (const table of others) await sql`delete from ${sql.table(table)} where conversation_id in (${sql.join(ids)})`.execute(trx);
  counts.conversations = Number((await trx.deleteFrom('conversations').where('id', 'in', ids).executeTakeFirst()).numDeletedRows);
  return { counts, uploads };
}

/**
 * Webhook deliveries (the outbox and the delivery log) whose body names one of `needles` (ids: no LIKE
 * wildcard but `_`, which matches itself too), with their attempts. Pending ones go as well: nothing
 * about an erased conversation or contact is sent after its erasure.
 */
export async function deleteDeliveriesMentioning(trx: Db, needles: readonly string[]): Promise<number> {
  if (needles.length === 0) return 0;
  const deliveries = await trx
    .selectFrom('webhook_deliveries')
    .select('id')
    .where((eb) => eb.or(needles.map((needle) => eb('payload', 'like', `%${needle}%`))))
    .execute();
  const deliveryIds = deliveries.map((d) => d.id);
  for (let i = 0; i < deliveryIds.length; i += 500) {
    const chunk = deliveryIds.slice(i, i + 500);
    await trx.deleteFrom('webhook_attempts').where('delivery_id', 'in', chunk).execute();
    await trx.deleteFrom('webhook_deliveries').where('id', 'in', chunk).execute();
  }
  return deliveryIds.length;
}
