import { sql, SqliteAdapter } from 'kysely';
import type { Db } from '../store/database.js';

/** Tables with a `conversation_id` or a `contact_id` column, read from the schema (so a table added later is erased too). */
export interface SubjectTables {
  readonly byConversation: readonly string[];
  readonly byContact: readonly string[];
}

/**
 * The tables erasure and export handle by name, in the order they delete (children first); any other
 * table with one of the two columns (consent records, a future table) is read and deleted by that
 * column, found in the schema at run time.
 */
export const KNOWN_CONVERSATION_TABLES = [
  'messages',
  'events',
  'report_conversations',
  'read_cursors',
  'conversation_activity',
  'conversation_states',
  'visitor_addresses',
  'visitor_blocks',
  'conversations',
] as const;
export const KNOWN_CONTACT_TABLES = ['events', 'contact_attributes', 'conversations', 'contacts'] as const;

const cache = new WeakMap<Db, Promise<SubjectTables>>();

/** The dialect behind a Kysely instance or transaction. */
export function dialectOf(db: Db): 'sqlite' | 'postgres' {
  return db.getExecutor().adapter instanceof SqliteAdapter ? 'sqlite' : 'postgres';
}

/** Read once per database (the schema changes only by migrations, before the app starts). */
export function subjectTables(db: Db): Promise<SubjectTables> {
  let found = cache.get(db);
  if (found === undefined) {
    found = readSubjectTables(db, dialectOf(db));
    cache.set(db, found);
    found.catch(() => cache.delete(db));
  }
  return found;
}

async function readSubjectTables(db: Db, dialect: 'sqlite' | 'postgres'): Promise<SubjectTables> {
  const rows =
    dialect === 'sqlite'
      ? await sql<{ table_name: string; column_name: string }>`
          select m.name as table_name, p.name as column_name from sqlite_master m join pragma_table_info(m.name) p
          where m.type = 'table' and p.name in ('conversation_id', 'contact_id') order by m.name`.execute(db)
      : await sql<{ table_name: string; column_name: string }>`
          select table_name, column_name from information_schema.columns
          where table_schema = current_schema() and column_name in ('conversation_id', 'contact_id') order by table_name`.execute(db);
  const byConversation = new Set<string>();
  const byContact = new Set<string>();
  for (const row of rows.rows) (row.column_name === 'conversation_id' ? byConversation : byContact).add(row.table_name);
  return { byConversation: [...byConversation], byContact: [...byContact] };
}

/** The tables of `found` the known lists do not name: handled by their column alone. */
export function otherTables(found: readonly string[], known: readonly string[]): string[] {
  return found.filter((table) => !known.includes(table));
}
