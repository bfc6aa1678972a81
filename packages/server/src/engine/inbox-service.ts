import type { Author, InboxDetail, InboxItem, InboxQuery, Message, MessageType, Page } from '@parley/protocol';
import { CALL_KINDS, CONVERSATION_PRIORITIES, MESSAGE_TYPES } from '@parley/protocol';
import { ApiError } from '../http/api-error.js';
import { conversationCallsStore } from '../store/conversation-calls-store.js';
import type { Db } from '../store/database.js';
import { inboxRows, readPositions, type InboxFilter, type InboxRow } from '../store/inbox-store.js';
import { nowIso } from '../store/ids.js';
import { readJson } from '../store/json.js';
import { decodeTimeCursor, encodeTimeCursor } from '../store/pagination.js';
import type { OwnershipHooks, Ownership } from './ownership.js';
import type { InboxSnapshot } from './inbox-entry.js';
import { ownerOf, statusOf } from './ownership-state.js';

export interface InboxReader {
  readonly id: string;
  readonly teamIds: readonly string[];
}

/** Meta keys the widget sends about the page; every other key is shown as a custom attribute. */
const CONTEXT_KEYS = ['pageUrl', 'url', 'referrer', 'browser', 'userAgent', 'language', 'app', 'widgetId'] as const;

/** The inbox as agents see it: lists with filters and search, one item, and the detail with the visitor's context. */
export class InboxService {
  constructor(
    private readonly db: Db,
    private readonly ownership: Ownership,
    private readonly queuePlace: () => OwnershipHooks['queuePlace'],
  ) {}

  async list(reader: InboxReader, query: InboxQuery): Promise<Page<InboxItem>> {
    const take = query.take ?? 20;
    const filter: InboxFilter = {
      agentId: reader.id,
      now: nowIso(),
      take,
      ...(query.view === 'mine' ? { assigneeId: reader.id } : {}),
      ...(query.view === 'unassigned' ? { unassigned: true } : {}),
      ...(query.view === 'team' ? { teamIds: reader.teamIds } : {}),
      ...(query.status === undefined ? {} : { status: query.status }),
      ...(query.owner === undefined ? {} : { owner: query.owner }),
      ...(query.widgetId === undefined ? {} : { widgetId: query.widgetId }),
      ...(query.priority === undefined ? {} : { priority: query.priority }),
      ...(query.q === undefined || query.q === '' ? {} : { q: query.q }),
      ...(query.cursor === undefined ? {} : { after: afterCursor(query.cursor) }),
    };
    const rows = await inboxRows(this.db, filter);
    const items = rows.slice(0, take);
    const last = items.at(-1);
    const now = Date.now();
    const ringing = await ringingCalls(this.db, items);
    return {
      items: items.map((row) => toItem(row, now, ringing.get(row.id))),
      nextCursor: rows.length > take && last !== undefined ? encodeTimeCursor(last.updated_at, last.id) : null,
    };
  }

  async item(conversationId: string, readerId: string): Promise<InboxItem | undefined> {
    const rows = await inboxRows(this.db, { agentId: readerId, conversationIds: [conversationId], now: nowIso(), take: 1 });
    const row = rows[0];
    return row === undefined ? undefined : toItem(row, Date.now(), (await ringingCalls(this.db, [row])).get(row.id));
  }

  /**
   * One conversation's entry as the inbox streams of a node keep it (engine/inbox-entry.ts): the entry, its ringing
   * call, and where each of `agentIds` stands in it (their read cursors and the unread count at each), so that
   * later messages and reads update it without reading. Undefined when the conversation is gone.
   */
  async entry(conversationId: string, agentIds: readonly string[]): Promise<InboxSnapshot | undefined> {
    const rows = await inboxRows(this.db, { agentId: agentIds[0] ?? '', conversationIds: [conversationId], now: nowIso(), take: 1 });
    const row = rows[0];
    if (row === undefined) return undefined;
    const call = (await ringingCalls(this.db, [row])).get(row.id);
    // Counted up to the entry's last seq: a message stored since is counted when its event is applied.
    const positions = await readPositions(this.db, conversationId, agentIds, Number(row.last_seq));
    return { row, call, ...positions };
  }

  async detail(conversationId: string, readerId: string): Promise<InboxDetail> {
    const rows = await inboxRows(this.db, { agentId: readerId, conversationIds: [conversationId], now: nowIso(), take: 1 });
    const row = rows[0];
    if (row === undefined) throw new ApiError('PARLEY_ERR_CONVERSATION_NOT_FOUND', `No conversation has the id ${conversationId}.`);
    const now = Date.now();
    const meta = readJson<Record<string, string>>(row.meta);
    const earlier =
      row.contact_id === null
        ? []
        : (await inboxRows(this.db, { agentId: readerId, contactId: row.contact_id, now: nowIso(), take: 20 })).filter(
            (other) => other.id !== row.id,
          );
    const state = await this.ownership.state(conversationId);
    const attributes = Object.fromEntries(Object.entries(meta).filter(([key]) => !(CONTEXT_KEYS as readonly string[]).includes(key)));
    return {
      ...toItem(row, now, (await ringingCalls(this.db, [row])).get(row.id)),
      context: {
        pageUrl: meta['pageUrl'] ?? meta['url'] ?? null,
        referrer: meta['referrer'] ?? null,
        browser: meta['browser'] ?? meta['userAgent'] ?? null,
        language: meta['language'] ?? null,
        attributes,
        earlierConversations: earlier.map((other) => {
          const item = toItem(other, now);
          return { id: other.id, status: item.conversation.status, createdAt: other.created_at, lastMessage: item.lastMessage };
        }),
      },
      queue: state.owner === 'queued' ? await this.queuePlace()(state) : null,
    };
  }
}

/** The calls these conversations' visitors are offering now, by conversation (one query for a page of the list). */
async function ringingCalls(db: Db, rows: readonly InboxRow[]): Promise<Map<string, NonNullable<InboxItem['call']>>> {
  const calls = await conversationCallsStore.ringingFromVisitors(
    db,
    rows.map((row) => row.id),
  );
  return new Map(
    calls.map((call) => [call.conversation_id, { id: call.call_id, kind: CALL_KINDS.find((kind) => kind === call.kind) ?? 'audio' }]),
  );
}

/** The list entry of an inbox row; `lastMessage` when it is known otherwise (an inbox stream's entry updated by an event). */
export function toItem(row: InboxRow, now: number, call?: InboxItem['call'], lastMessage: Message | null = messageOf(row)): InboxItem {
  const owner = ownerOf(row.owner);
  const waitingSince =
    owner === 'queued' && row.queued_at !== null
      ? Date.parse(row.queued_at)
      : owner === 'human' && lastMessage?.author.role === 'visitor'
        ? Date.parse(lastMessage.createdAt)
        : null;
  return {
    conversation: {
      id: row.id,
      widgetId: row.widget_id,
      owner,
      status: statusOf({ owner, snoozedUntil: row.snoozed_until }, new Date(now).toISOString()),
      assignee: row.assignee_id === null ? null : { id: row.assignee_id, name: row.assignee_name ?? 'Admin' },
      teamId: row.team_id,
      priority: CONVERSATION_PRIORITIES.find((known) => known === row.priority) ?? 'normal',
      createdAt: row.created_at,
      updatedAt: row.updated_at,
      snoozedUntil: row.snoozed_until,
    },
    contact: { id: row.contact_id, name: row.contact_name, email: row.contact_email, phone: row.contact_phone },
    lastMessage,
    unread: Number(row.unread ?? 0),
    waitingSinceMs: waitingSince === null ? null : Math.max(0, now - waitingSince),
    ...(call === undefined ? {} : { call }),
  };
}

export function messageOf(row: InboxRow): Message | null {
  if (row.m_id === null || row.m_seq === null || row.m_created_at === null) return null;
  const role = row.m_author_role;
  const authorRole: Author['role'] = role === 'bot' || role === 'agent' || role === 'system' ? role : 'visitor';
  const type: MessageType = MESSAGE_TYPES.find((t) => t === row.m_type) ?? 'text';
  return {
    id: row.m_id,
    conversationId: row.id,
    seq: Number(row.m_seq),
    author: { role: authorRole, id: row.m_author_id ?? '', name: row.m_author_name ?? '' },
    type,
    text: row.m_text ?? '',
    payload: row.m_payload === null ? null : readJson<Record<string, unknown>>(row.m_payload),
    clientId: row.m_client_id,
    createdAt: row.m_created_at,
  };
}

function afterCursor(cursor: string): { updatedAt: string; id: string } {
  const { at, id } = decodeTimeCursor(cursor, 'conv');
  return { updatedAt: at, id };
}
