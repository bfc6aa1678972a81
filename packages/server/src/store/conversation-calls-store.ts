import type { Db } from './database.js';
import type { ConversationCallsTable } from './schema.js';
import { compiledRead } from './compiled-read.js';

export type ConversationCallRow = ConversationCallsTable;

// Compiled once: every hello reads it (store/compiled-read.ts).
const callOf = compiledRead((db: Db, conversationId: string) =>
  db.selectFrom('conversation_calls').selectAll().where('conversation_id', '=', conversationId),
);

/**
 * SQL for the one open call of a conversation (migration 0018). Every change is conditional on what the
 * caller last read (the call's id, its state), so two nodes racing (an accept against the ring timeout, two
 * agents accepting) leave exactly one winner: the one whose statement changed a row.
 */
export const conversationCallsStore = {
  /** Stores a new ringing call; false when the conversation already has one open. */
  async insert(db: Db, row: ConversationCallRow): Promise<boolean> {
    const inserted = await db
      .insertInto('conversation_calls')
      .values(row)
      .onConflict((oc) => oc.doNothing())
      .returning('call_id')
      .execute();
    return inserted.length > 0;
  },

  async get(db: Db, conversationId: string): Promise<ConversationCallRow | undefined> {
    return (await callOf(db, conversationId))[0];
  },

  /** Ringing → active, bound to the callee's link; undefined when it was no longer ringing (answered elsewhere, ended). */
  async accept(
    db: Db,
    callId: string,
    callee: Pick<ConversationCallRow, 'callee_role' | 'callee_id' | 'callee_name' | 'callee_link' | 'accepted_at'>,
  ): Promise<ConversationCallRow | undefined> {
    return db
      .updateTable('conversation_calls')
      .set({ ...callee, state: 'active' })
      .where('call_id', '=', callId)
      .where('state', '=', 'ringing')
      .returningAll()
      .executeTakeFirst();
  },

  /** Removes the call (it ended); undefined when another node ended it first. `ringingOnly`: only if still ringing. */
  async remove(db: Db, callId: string, ringingOnly = false): Promise<ConversationCallRow | undefined> {
    let query = db.deleteFrom('conversation_calls').where('call_id', '=', callId);
    if (ringingOnly) query = query.where('state', '=', 'ringing');
    return query.returningAll().executeTakeFirst();
  },

  /** Of these conversations, the calls their visitors are offering (ringing): the inbox rings for them. */
  ringingFromVisitors(
    db: Db,
    conversationIds: readonly string[],
  ): Promise<Pick<ConversationCallRow, 'conversation_id' | 'call_id' | 'kind'>[]> {
    if (conversationIds.length === 0) return Promise.resolve([]);
    return db
      .selectFrom('conversation_calls')
      .select(['conversation_id', 'call_id', 'kind'])
      .where('conversation_id', 'in', conversationIds)
      .where('state', '=', 'ringing')
      .where('caller_role', '=', 'visitor')
      .execute();
  },

  /** Every open call (a handful per node: the liveness sweep reads them all). */
  all(db: Db): Promise<ConversationCallRow[]> {
    return db.selectFrom('conversation_calls').selectAll().execute();
  },

  /**
   * The node's lease on its call links (a `job_leases` row named `calls:<node>`), written again every liveness
   * interval: while it holds, the calls bound to its links are alive; once it expires (the node died) any node ends them.
   */
  async holdLinks(db: Db, node: string, expiresAt: string): Promise<void> {
    await db
      .insertInto('job_leases')
      .values({ name: `${LEASE_PREFIX}${node}`, holder: node, expires_at: expiresAt, last_run_at: null })
      .onConflict((oc) => oc.column('name').doUpdateSet({ expires_at: expiresAt }))
      .execute();
  },

  /** Of `nodes`, those whose lease holds at `now`. */
  async liveNodes(db: Db, nodes: readonly string[], now: string): Promise<Set<string>> {
    if (nodes.length === 0) return new Set();
    const rows = await db
      .selectFrom('job_leases')
      .select('holder')
      .where(
        'name',
        'in',
        nodes.map((node) => `${LEASE_PREFIX}${node}`),
      )
      .where('expires_at', '>', now)
      .execute();
    return new Set(rows.flatMap((row) => (row.holder === null ? [] : [row.holder])));
  },

  /** Drops this node's lease (it stops), and the leases of nodes that expired before `before` (they died long ago). */
  async dropLeases(db: Db, node: string | null, before: string): Promise<void> {
    await db
      .deleteFrom('job_leases')
      .where('name', 'like', `${LEASE_PREFIX}%`)
      .where((eb) => eb.or([eb('expires_at', '<', before), ...(node === null ? [] : [eb('name', '=', `${LEASE_PREFIX}${node}`)])]))
      .execute();
  },
};

const LEASE_PREFIX = 'calls:';
