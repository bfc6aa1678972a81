import type { Page } from '../api.js';
import type { InboxItem } from '../types.js';
import type { Filters } from './conversation-list.js';

/** Who reads the list: `mine` is theirs, `team` their teams'. */
export interface Reader {
  readonly id: string;
  readonly teamIds: readonly string[];
}

/**
 * Whether the conversation of an inbox event belongs in the list the agent has open, decided from the event's
 * own list entry as the server does for `GET /v1/inbox` (view and status); undefined when the console cannot
 * tell (a search matches message text it does not hold): then the list is read again.
 */
export function belongs(item: InboxItem, filters: Filters, reader: Reader): boolean | undefined {
  if (filters.q.trim() !== '') return undefined;
  const { assignee, teamId, status } = item.conversation;
  const inView =
    filters.view === 'all' ||
    (filters.view === 'mine' && assignee?.id === reader.id) ||
    (filters.view === 'unassigned' && assignee === null) ||
    (filters.view === 'team' && teamId !== null && reader.teamIds.includes(teamId));
  return inView && status === filters.status;
}

/** The server's order: newest activity first, then the larger id. */
function before(a: InboxItem, b: InboxItem): boolean {
  const at = a.conversation.updatedAt;
  const bt = b.conversation.updatedAt;
  return at > bt || (at === bt && a.conversation.id > b.conversation.id);
}

/**
 * The list with an event's entry applied: taken out, and put back where the server lists it when it belongs
 * there. An entry that would come after the last one held while more pages follow (`complete` false) is left
 * for "Load more", which reads from the last one held on. The other entries are the same objects, so their
 * rows do not render again.
 */
export function applyItem(items: readonly InboxItem[], item: InboxItem, keep: boolean, complete: boolean): readonly InboxItem[] {
  const rest = items.filter((held) => held.conversation.id !== item.conversation.id);
  if (!keep) return rest.length === items.length ? items : rest;
  const at = rest.findIndex((held) => before(item, held));
  if (at === -1 && !complete) return rest.length === items.length ? items : rest;
  const next = [...rest];
  next.splice(at === -1 ? rest.length : at, 0, item);
  return next;
}

/** What the list holds: the entries read so far, and where "Load more" reads on from (null: nothing more). */
export interface HeldList {
  readonly items: readonly InboxItem[];
  readonly cursor: string | null;
}

/**
 * The list after its first page was read again (a reconnect, the safety net, what an event could not tell): the
 * page's range is now what the page says (entries gone from it are gone), the entries held beyond it stay, and
 * "Load more" still reads on from the last one held. One request however many pages were loaded.
 */
export function mergeHead(held: HeldList | null, page: Page<InboxItem>): HeldList {
  const last = page.items.at(-1);
  const cursor = page.nextCursor;
  if (held === null || cursor === null || last === undefined) return { items: page.items, cursor };
  const read = new Set(page.items.map((item) => item.conversation.id));
  const beyond = held.items.filter((item) => before(last, item) && !read.has(item.conversation.id));
  return { items: [...page.items, ...beyond], cursor: beyond.length > 0 ? held.cursor : cursor };
}

const receivedAt = new WeakMap<InboxItem, number>();

/** Notes when entries came from the server: how long a visitor has waited keeps growing from there between reads. */
export function markReceived(items: readonly InboxItem[], now = Date.now()): void {
  for (const item of items) receivedAt.set(item, now);
}

/** How long the visitor has waited by now (the entry says how long when it was read); null when they are not waiting. */
export function waitedMs(item: InboxItem, now = Date.now()): number | null {
  return item.waitingSinceMs === null ? null : item.waitingSinceMs + Math.max(0, now - (receivedAt.get(item) ?? now));
}
