import { randomUUID } from 'node:crypto';
import { sql } from 'kysely';
import type { Db } from './database.js';

/**
 * About two SQLite pages: a write this size needs pages the database must find free or grow, like a
 * message does, so a full disk fails it. A tiny row could slip into a page that still has room and
 * report a storage as writable that cannot take the next message.
 */
const PAYLOAD = 'x'.repeat(8 * 1024);

/** One real write, committed: a row inserted and deleted in one transaction, so nothing stays behind. */
export async function probeWrite(db: Db): Promise<void> {
  const id = randomUUID();
  await db.transaction().execute(async (trx) => {
    await sql`insert into write_probes (id, payload) values (${id}, ${PAYLOAD})`.execute(trx);
    await sql`delete from write_probes where id = ${id}`.execute(trx);
  });
}
