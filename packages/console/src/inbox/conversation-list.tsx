import { Component } from 'preact';
import { useEffect, useLayoutEffect, useMemo, useRef } from 'preact/hooks';
import type { InboxItem, InboxStatus, InboxView } from '../types.js';
import { Empty, ErrorNote } from '../ui/feedback.js';
import { Link } from '../ui/link.js';
import { exactTime, relativeTime } from '../ui/relative-time.js';
import { waitedMs } from './inbox-apply.js';
import { useRowWindow } from './use-row-window.js';
import { plainText } from './markdown.js';

/**
 * The inbox's two questions, each asked once (docs/console.md): the status says where a conversation
 * stands — Open (a human's turn: waiting in the queue or with an agent), With the bot, Snoozed, Resolved —
 * and the view says whose it is. The bot's conversations have no agent, so "Mine" is not offered with
 * "With the bot" (it could only be empty).
 */
export interface Filters {
  readonly view: InboxView;
  readonly status: InboxStatus;
  readonly q: string;
}

const STATUSES: readonly { readonly id: InboxStatus; readonly label: string }[] = [
  { id: 'open', label: 'Open' },
  { id: 'pending', label: 'With the bot' },
  { id: 'snoozed', label: 'Snoozed' },
  { id: 'resolved', label: 'Resolved' },
];

/** Views that can hold something in a status: the bot's conversations are nobody's. */
export function viewFits(view: InboxView, status: InboxStatus): boolean {
  return !(view === 'mine' && status === 'pending');
}

const VIEWS: readonly { readonly id: InboxView; readonly label: string }[] = [
  { id: 'mine', label: 'Mine' },
  { id: 'unassigned', label: 'Unassigned' },
  { id: 'team', label: 'My team' },
  { id: 'all', label: 'All' },
];

export function contactName(item: Pick<InboxItem, 'contact' | 'conversation'>): string {
  const contact = item.contact;
  const name = contact?.name ?? contact?.email ?? null;
  return typeof name === 'string' && name !== '' ? name : `Visitor ${item.conversation.id.slice(-4).toUpperCase()}`;
}

export function waitingText(ms: number | null): string | null {
  if (ms === null || ms < 0) return null;
  const minutes = Math.floor(ms / 60_000);
  if (minutes < 1) return '< 1 min';
  if (minutes < 60) return `${minutes} min`;
  const hours = Math.floor(minutes / 60);
  return hours < 24 ? `${hours} h` : `${Math.floor(hours / 24)} d`;
}

const OWNER_LABEL: Readonly<Record<string, string>> = { bot: 'Bot', queued: 'Queued', human: 'Agent', resolved: 'Resolved' };

interface RowProps {
  readonly id: string;
  readonly name: string;
  /** When the last message (or the conversation's last change) was: relative, and exact for the title. */
  readonly when: string;
  readonly whenExact: string;
  readonly whenIso: string;
  readonly waiting: string | null;
  readonly preview: string;
  readonly owner: string;
  /** Shown only when above normal (a routing rule set it). */
  readonly priority: string | undefined;
  readonly assignee: string | null;
  readonly unread: number;
  readonly selected: boolean;
  /** The visitor is calling (their call rings): "Incoming video call"; null otherwise. */
  readonly ringing: string | null;
}

/**
 * One conversation in the list, from what it shows only: the list is read again on every inbox event
 * (new objects each time), and a row whose text did not change is not rendered again.
 */
class ConversationRow extends Component<RowProps> {
  override shouldComponentUpdate(next: RowProps): boolean {
    const props = this.props;
    return (Object.keys(next) as (keyof RowProps)[]).some((key) => props[key] !== next[key]);
  }

  override render({
    id,
    name,
    when,
    whenExact,
    whenIso,
    waiting,
    preview,
    owner,
    priority,
    assignee,
    unread,
    selected,
    ringing,
  }: RowProps) {
    return (
      // aria-posinset and aria-setsize are set by the list (ConversationRows), not here: a conversation moving to
      // the top changes every row's position, and the row need not render again for that.
      <li data-key={id}>
        <Link
          to={`/inbox/${id}`}
          class={`conversation-item${selected ? ' selected' : ''}${unread > 0 ? ' unread' : ''}`}
          aria-current={selected ? 'page' : undefined}
        >
          <span class="avatar" aria-hidden="true">
            {name.slice(0, 1).toUpperCase()}
          </span>
          <span class="conversation-text">
            <span class="conversation-top">
              <span class="conversation-name">{name}</span>
              <time class="conversation-time" dateTime={whenIso} title={whenExact}>
                {when}
              </time>
            </span>
            <span class="conversation-preview">{preview}</span>
            <span class="conversation-meta">
              <span class={`owner owner-${owner}`}>{OWNER_LABEL[owner] ?? owner}</span>
              {priority === 'high' || priority === 'urgent' ? (
                <span class="owner owner-queued">{priority === 'urgent' ? 'Urgent' : 'High priority'}</span>
              ) : null}
              {ringing === null ? null : <span class="owner owner-queued call-ringing">{ringing}</span>}
              {assignee === null ? null : <span class="conversation-assignee">{assignee}</span>}
              {waiting === null ? null : (
                <span class="waiting" title="How long the visitor has waited for a human">
                  waiting {waiting}
                </span>
              )}
            </span>
          </span>
          {unread > 0 ? (
            <span class="unread-count" aria-label={`${unread} unread`}>
              {unread}
            </span>
          ) : null}
        </Link>
      </li>
    );
  }
}

const RINGING = { audio: 'Incoming voice call', video: 'Incoming video call', screen: 'Wants to share their screen' } as const;

export function ConversationList(props: {
  items: readonly InboxItem[] | null;
  error: string | null;
  filters: Filters;
  selected: string | null;
  onFilters: (filters: Filters) => void;
  /** Loads the next page; null when there is none. */
  onMore: (() => void) | null;
}) {
  const { filters, onFilters } = props;
  return (
    <section class="inbox-list" aria-label="Conversations">
      <div class="inbox-list-head">
        <h1 class="inbox-title">Inbox</h1>
        <div class="tabs" role="group" aria-label="Which conversations">
          {VIEWS.map((view) => (
            <button
              type="button"
              class="tab"
              aria-pressed={filters.view === view.id}
              aria-disabled={viewFits(view.id, filters.status) ? undefined : 'true'}
              title={viewFits(view.id, filters.status) ? undefined : 'The bot’s conversations have no agent yet'}
              onClick={() => viewFits(view.id, filters.status) && onFilters({ ...filters, view: view.id })}
            >
              {view.label}
            </button>
          ))}
        </div>
        <div class="filter-row">
          <label class="visually-hidden" for="inbox-status">
            Status
          </label>
          <select
            id="inbox-status"
            value={filters.status}
            onChange={(e) => {
              const status = STATUSES.find((option) => option.id === e.currentTarget.value)?.id ?? 'open';
              onFilters({ ...filters, status, view: viewFits(filters.view, status) ? filters.view : 'all' });
            }}
          >
            {STATUSES.map((status) => (
              <option value={status.id}>{status.label}</option>
            ))}
          </select>
        </div>
        <input
          type="search"
          class="search"
          aria-label="Search by contact or text"
          placeholder="Search contact or text"
          value={filters.q}
          onInput={(e) => onFilters({ ...filters, q: e.currentTarget.value })}
        />
      </div>
      {props.error !== null ? (
        <ErrorNote message={props.error} />
      ) : props.items === null ? (
        <p class="muted pad">Loading…</p>
      ) : props.items.length === 0 ? (
        <Empty title="Nothing here.">
          <p class="muted">New conversations appear on their own; try another filter.</p>
        </Empty>
      ) : (
        <ConversationRows items={props.items} selected={props.selected} onMore={props.onMore} />
      )}
    </section>
  );
}

/** A row's height before any is measured (the rows are alike: two lines and a meta line). */
const ROW_ESTIMATE = 88;
/** Rows rendered beyond each edge of the view: a quick scroll or a Tab finds them already there. */
const OVERSCAN = 6;

/**
 * The rows of the list, windowed (use-row-window.ts): an inbox of 10,000 conversations has a screenful of rows in
 * the DOM, each saying its place in the whole (aria-posinset / aria-setsize). The arrow keys, Home and End move the
 * focus between rows (rendering the next first); Tab reaches the next row as before, since the focused row's
 * neighbours stay rendered. The row chosen with j / k is scrolled into view.
 */
function ConversationRows(props: { items: readonly InboxItem[]; selected: string | null; onMore: (() => void) | null }) {
  const { items } = props;
  const list = useRef<HTMLUListElement>(null);
  const keys = useMemo(() => items.map((item) => item.conversation.id), [items]);
  const rows = useRowWindow(keys, list, { estimate: ROW_ESTIMATE, overscan: OVERSCAN });
  const selectedIndex = props.selected === null ? -1 : keys.indexOf(props.selected);
  useEffect(() => {
    if (selectedIndex >= 0) rows.reveal(selectedIndex);
  }, [props.selected, selectedIndex >= 0]);
  // Each row's place in the whole list, for screen readers (only a window of it is in the DOM): written here, in
  // the DOM's order, so that rows whose place changed (all of them, when a conversation moves to the top) do not
  // render again for it.
  useLayoutEffect(() => {
    let position = rows.start;
    for (const row of list.current?.querySelectorAll(':scope > li[data-key]') ?? []) {
      position++;
      if (row.getAttribute('aria-posinset') !== String(position)) row.setAttribute('aria-posinset', String(position));
      if (row.getAttribute('aria-setsize') !== String(items.length)) row.setAttribute('aria-setsize', String(items.length));
    }
  });

  const onKeyDown = (event: KeyboardEvent): void => {
    const row = (event.target as HTMLElement | null)?.closest<HTMLElement>('li[data-key]');
    const at = row === null || row === undefined ? -1 : keys.indexOf(row.dataset['key'] ?? '');
    if (at < 0 || event.altKey || event.ctrlKey || event.metaKey) return;
    const to = { ArrowDown: at + 1, ArrowUp: at - 1, Home: 0, End: keys.length - 1 }[event.key];
    if (to === undefined) return;
    event.preventDefault();
    rows.focusRow(Math.max(0, Math.min(keys.length - 1, to)));
  };

  return (
    <ul
      class="conversations"
      data-testid="conversation-list"
      ref={list}
      onKeyDown={onKeyDown}
      onFocusIn={(event) => rows.onFocusKey((event.target as HTMLElement).closest<HTMLElement>('li[data-key]')?.dataset['key'] ?? null)}
      onFocusOut={(event) => {
        if (!list.current?.contains(event.relatedTarget as Node | null)) rows.onFocusKey(null);
      }}
    >
      {rows.before > 0 ? <li class="conversations-spacer" aria-hidden="true" style={{ height: `${rows.before}px` }} /> : null}
      {items.slice(rows.start, rows.end).map((item) => {
        const last = item.lastMessage;
        const prefix = last === null ? '' : last.type === 'note' ? 'Note: ' : last.author.role === 'agent' ? `${last.author.name}: ` : '';
        // A file's text is a Markdown link to it; its name reads better in one line.
        const file = last?.type === 'file' ? last.payload?.['name'] : undefined;
        const whenIso = last?.createdAt ?? item.conversation.updatedAt;
        return (
          <ConversationRow
            key={item.conversation.id}
            id={item.conversation.id}
            name={contactName(item)}
            when={relativeTime(whenIso)}
            whenExact={exactTime(whenIso)}
            whenIso={whenIso}
            waiting={waitingText(waitedMs(item))}
            preview={last === null ? 'No messages yet' : `${prefix}${typeof file === 'string' ? `File: ${file}` : plainText(last.text)}`}
            owner={item.conversation.owner}
            priority={item.conversation.priority}
            assignee={item.conversation.assignee?.name ?? null}
            unread={item.unread}
            selected={props.selected === item.conversation.id}
            ringing={item.call === undefined ? null : RINGING[item.call.kind]}
          />
        );
      })}
      {rows.after > 0 ? <li class="conversations-spacer" aria-hidden="true" style={{ height: `${rows.after}px` }} /> : null}
      {props.onMore === null || rows.end < items.length ? null : (
        <li class="more">
          <button type="button" class="button small" onClick={props.onMore}>
            Load more
          </button>
        </li>
      )}
    </ul>
  );
}
