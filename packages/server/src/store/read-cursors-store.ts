import { sql } from 'kysely';
import type { Db } from './database.js';
import type { ReadCursorsTable } from './schema.js';
import { compiledRead } from './compiled-read.js';

export type ReadCursorRow = ReadCursorsTable;

// Compiled once: every hello reads it (store/compiled-read.ts).
const cursorsOf = compiledRead((db: Db, conversationId: string) =>
  db.selectFrom('read_cursors').selectAll().where('conversation_id', '=', conversationId).orderBy('updated_at'),
);

/** SQL for read cursors. A cursor only moves forward: a stale `read` (older tab, reordered POST) changes nothing. */
export const readCursorsStore = {
  /** Raises the cursor to `seq`; returns true when it moved (so a `read` frame is worth publishing). */
  async raise(db: Db, row: ReadCursorRow): Promise<boolean> {
    const moved = await db
      .insertInto('read_cursors')
      .values(row)
      .onConflict((oc) =>
        oc
          .columns(['conversation_id', 'reader_role', 'reader_id'])
          .doUpdateSet({ seq: sql`excluded.seq`, updated_at: sql`excluded.updated_at` })
          .where('read_cursors.seq', '<', sql<number>`excluded.seq`),
      )
      .returning('seq')
      .execute();
    return moved.length > 0;
  },

  list(db: Db, conversationId: string): Promise<ReadCursorRow[]> {
    return cursorsOf(db, conversationId);
  },
};
