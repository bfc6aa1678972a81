import { Component } from 'preact';
import type { InboxItem, InboxStatus, InboxView } from '../types.js';
import { Empty, ErrorNote } from '../ui/feedback.js';
import { Link } from '../ui/link.js';
import { exactTime, relativeTime } from '../ui/relative-time.js';

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
  readonly assignee: string | null;
  readonly unread: number;
  readonly selected: boolean;
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

  override render({ id, name, when, whenExact, whenIso, waiting, preview, owner, assignee, unread, selected }: RowProps) {
    return (
      <li>
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
        <ul class="conversations" data-testid="conversation-list">
          {props.items.map((item) => {
            const last = item.lastMessage;
            const prefix =
              last === null ? '' : last.type === 'note' ? 'Note: ' : last.author.role === 'agent' ? `${last.author.name}: ` : '';
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
                waiting={waitingText(item.waitingSinceMs)}
                preview={last === null ? 'No messages yet' : `${prefix}${typeof file === 'string' ? `File: ${file}` : last.text}`}
                owner={item.conversation.owner}
                assignee={item.conversation.assignee?.name ?? null}
                unread={item.unread}
                selected={props.selected === item.conversation.id}
              />
            );
          })}
          {props.onMore === null ? null : (
            <li class="more">
              <button type="button" class="button small" onClick={props.onMore}>
                Load more
              </button>
            </li>
          )}
        </ul>
      )}
    </section>
  );
}
