import { sql, type Expression, type SqlBool } from 'kysely';
import type { Db } from './database.js';

export interface InboxFilter {
  /** The reading agent: unread counts are theirs; `mine` is theirs. */
  readonly agentId: string;
  readonly assigneeId?: string;
  readonly unassigned?: boolean;
  readonly teamIds?: readonly string[];
  readonly owner?: 'bot' | 'queued' | 'human';
  readonly status?: 'open' | 'pending' | 'resolved' | 'snoozed';
  readonly widgetId?: string;
  readonly priority?: string;
  readonly q?: string;
  readonly conversationIds?: readonly string[];
  readonly contactId?: string;
  readonly now: string;
  readonly take: number;
  /** Position after which to continue: the last row's updated_at and id. */
  readonly after?: { readonly updatedAt: string; readonly id: string };
}

export interface InboxRow {
  id: string;
  widget_id: string;
  contact_id: string | null;
  meta: string;
  last_seq: number;
  priority: string;
  created_at: string;
  updated_at: string;
  owner: string | null;
  assignee_id: string | null;
  assignee_name: string | null;
  team_id: string | null;
  snoozed_until: string | null;
  queued_at: string | null;
  offline: number | null;
  contact_name: string | null;
  contact_email: string | null;
  contact_phone: string | null;
  m_id: string | null;
  m_seq: number | null;
  m_author_role: string | null;
  m_author_id: string | null;
  m_author_name: string | null;
  m_type: string | null;
  m_text: string | null;
  m_payload: string | null;
  m_client_id: string | null;
  m_created_at: string | null;
  unread: string | number | bigint | null;
}

/**
 * The inbox query: conversations with their owner, contact, last message and the reader's unread
 * count, newest activity first. One statement on both dialects (plain joins and correlated subqueries).
 */
export function inboxRows(db: Db, filter: InboxFilter): Promise<InboxRow[]> {
  return inboxQuery(db, filter).execute();
}

/**
 * The inbox statement itself, unexecuted: tests read its query plan. The page's conversations are chosen first
 * (inboxPageQuery: filters, order, limit), and the columns (last message, contact, assignee, unread count) are
 * read for those rows only. Read in one statement, SQLite worked them out for every conversation the filter let
 * through before sorting: the open view of an inbox with 10,000 conversations waiting took over a second.
 */
export function inboxQuery(db: Db, filter: InboxFilter) {
  return db
    .selectFrom('conversations as c')
    .leftJoin('conversation_states as s', 's.conversation_id', 'c.id')
    .leftJoin('agents as a', 'a.id', 's.assignee_id')
    .leftJoin('contacts as ct', 'ct.id', 'c.contact_id')
    .leftJoin('messages as m', (join) => join.onRef('m.conversation_id', '=', 'c.id').onRef('m.seq', '=', 'c.last_seq'))
    .select([
      'c.id',
      'c.widget_id',
      'c.contact_id',
      'c.meta',
      'c.last_seq',
      'c.priority',
      'c.created_at',
      'c.updated_at',
      's.owner',
      's.assignee_id',
      'a.name as assignee_name',
      's.team_id',
      's.snoozed_until',
      's.queued_at',
      's.offline',
      'ct.name as contact_name',
      'ct.email as contact_email',
      'ct.phone as contact_phone',
      'm.id as m_id',
      'm.seq as m_seq',
      'm.author_role as m_author_role',
      'm.author_id as m_author_id',
      'm.author_name as m_author_name',
      'm.type as m_type',
      'm.text as m_text',
      'm.payload as m_payload',
      'm.client_id as m_client_id',
      'm.created_at as m_created_at',
    ])
    .select((eb) =>
      eb
        .selectFrom('messages as u')
        .select((u) => u.fn.countAll().as('n'))
        .whereRef('u.conversation_id', '=', 'c.id')
        .where('u.author_role', '=', 'visitor')
        .where(
          'u.seq',
          '>',
          eb.fn.coalesce(
            eb
              .selectFrom('read_cursors as r')
              .select('r.seq')
              .whereRef('r.conversation_id', '=', 'c.id')
              .where('r.reader_role', '=', 'agent')
              .where('r.reader_id', '=', filter.agentId),
            sql.lit(0),
          ),
        )
        .as('unread'),
    )
    .where('c.id', 'in', inboxPageQuery(db, filter))
    .orderBy('c.updated_at', 'desc')
    .orderBy('c.id', 'desc');
}

/**
 * The ids of the page's conversations, newest activity first: the filters and the order, joining only what they
 * read. Its plan is the one that makes a read cost the page (tests read it): an index walked in order and stopped
 * at the page, or (the open views) the owners' index, whose conversations are sorted by their id and time alone.
 */
export function inboxPageQuery(db: Db, filter: InboxFilter) {
  let query = db
    .selectFrom('conversations as c')
    .leftJoin('conversation_states as s', 's.conversation_id', 'c.id')
    .leftJoin('contacts as ct', 'ct.id', 'c.contact_id')
    .select('c.id');
  if (filter.assigneeId !== undefined) query = query.where('s.assignee_id', '=', filter.assigneeId);
  if (filter.unassigned === true) query = query.where('s.assignee_id', 'is', null);
  if (filter.teamIds !== undefined) {
    const teamIds = filter.teamIds;
    query = teamIds.length === 0 ? query.where(sql.lit(false)) : query.where('s.team_id', 'in', teamIds);
  }
  if (filter.widgetId !== undefined) query = query.where('c.widget_id', '=', filter.widgetId);
  if (filter.priority !== undefined) query = query.where('c.priority', '=', filter.priority);
  if (filter.contactId !== undefined) query = query.where('c.contact_id', '=', filter.contactId);
  if (filter.conversationIds !== undefined) {
    const ids = filter.conversationIds;
    query = ids.length === 0 ? query.where(sql.lit(false)) : query.where('c.id', 'in', ids);
  }
  if (filter.owner === 'bot') query = query.where((eb) => eb.or([eb('s.owner', 'is', null), eb('s.owner', '=', 'bot')]));
  else if (filter.owner !== undefined) query = query.where('s.owner', '=', filter.owner);
  if (filter.status !== undefined) {
    const now = filter.now;
    query = query.where((eb) => {
      const snoozed = eb.and([eb('s.snoozed_until', 'is not', null), eb('s.snoozed_until', '>', now)]);
      const awake = eb.or([eb('s.snoozed_until', 'is', null), eb('s.snoozed_until', '<=', now)]);
      const notResolved: Expression<SqlBool> = eb.or([eb('s.owner', 'is', null), eb('s.owner', '!=', 'resolved')]);
      switch (filter.status) {
        case 'resolved':
          return eb('s.owner', '=', 'resolved');
        case 'snoozed':
          return eb.and([notResolved, snoozed]);
        case 'pending':
          return eb.and([eb.or([eb('s.owner', 'is', null), eb('s.owner', '=', 'bot')]), awake]);
        default:
          return eb.and([eb('s.owner', 'in', ['queued', 'human']), awake]);
      }
    });
  }
  if (filter.q !== undefined && filter.q !== '') {
    const like = `%${filter.q.toLowerCase().replace(/[\\%_]/g, (ch) => `\\${ch}`)}%`;
    query = query.where((eb) =>
      eb.or([
        eb(eb.fn('lower', ['ct.name']), 'like', sql<string>`${like} escape '\\'`),
        eb(eb.fn('lower', ['ct.email']), 'like', sql<string>`${like} escape '\\'`),
        eb.exists(
          eb
            .selectFrom('messages as t')
            .select('t.id')
            .whereRef('t.conversation_id', '=', 'c.id')
            .where((t) => t(t.fn('lower', ['t.text']), 'like', sql<string>`${like} escape '\\'`)),
        ),
      ]),
    );
  }
  if (filter.after !== undefined) {
    const { updatedAt, id } = filter.after;
    query = query.where((eb) =>
      eb.or([eb('c.updated_at', '<', updatedAt), eb.and([eb('c.updated_at', '=', updatedAt), eb('c.id', '<', id)])]),
    );
  }
  return query
    .orderBy('c.updated_at', 'desc')
    .orderBy('c.id', 'desc')
    .limit(filter.take + 1);
}

/** Distinct read positions counted in one statement (a column each); more are counted in further statements. */
const UNREAD_COLUMNS_MAX = 100;

/** Where several agents stand in one conversation: what their unread counts are computed from. */
export interface ReadPositions {
  /** The read cursors of the agents asked about that have one; the others are at 0. */
  readonly cursors: ReadonlyMap<string, number>;
  /** Visitor messages after each of those agents' positions (0 included when one has no cursor), up to `upToSeq`. */
  readonly unreadAfter: ReadonlyMap<number, number>;
}

/**
 * The read cursors of several agents in one conversation and the unread count at each of their positions, for
 * the inbox streams' entries. Two statements whatever the number of agents: their cursors, then one pass over the
 * visitor messages after the lowest with a sum per distinct position. Counted up to `upToSeq` (the last seq of the
 * entry read with them), so that a message stored meanwhile is counted once, when its own event comes.
 */
export async function readPositions(db: Db, conversationId: string, agentIds: readonly string[], upToSeq: number): Promise<ReadPositions> {
  if (agentIds.length === 0) return { cursors: new Map(), unreadAfter: new Map() };
  const rows = await db
    .selectFrom('read_cursors')
    .select(['reader_id', 'seq'])
    .where('conversation_id', '=', conversationId)
    .where('reader_role', '=', 'agent')
    .where('reader_id', 'in', agentIds)
    .execute();
  const cursors = new Map(rows.map((cursor) => [cursor.reader_id, Number(cursor.seq)]));
  const positions = [...new Set(agentIds.map((agentId) => cursors.get(agentId) ?? 0))].sort((a, b) => a - b);
  const unreadAfter = new Map<number, number>();
  for (let start = 0; start < positions.length; start += UNREAD_COLUMNS_MAX) {
    const group = positions.slice(start, start + UNREAD_COLUMNS_MAX);
    const lowest = group[0] ?? 0;
    if (lowest >= upToSeq) {
      for (const position of group) unreadAfter.set(position, 0);
      continue;
    }
    const row = await db
      .selectFrom('messages')
      .where('conversation_id', '=', conversationId)
      .where('author_role', '=', 'visitor')
      .where('seq', '>', lowest)
      .where('seq', '<=', upToSeq)
      .select((eb) =>
        group.map((position, at) =>
          eb.fn.sum<number | string | bigint | null>(sql`case when seq > ${position} then 1 else 0 end`).as(`after${at}`),
        ),
      )
      .executeTakeFirst();
    const sums = (row ?? {}) as Record<string, number | string | bigint | null>;
    group.forEach((position, at) => unreadAfter.set(position, Number(sums[`after${at}`] ?? 0)));
  }
  return { cursors, unreadAfter };
}
