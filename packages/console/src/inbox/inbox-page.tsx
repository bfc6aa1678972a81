import { useEffect, useRef, useState } from 'preact/hooks';
import { api, errorText } from '../api.js';
import { navigate } from '../router.js';
import type { InboxItem } from '../types.js';
import { ConversationList, type Filters } from './conversation-list.js';
import { ConversationView } from './conversation-view.js';
import { onInboxChange } from './inbox-watcher.js';

const PAGE_SIZE = 50;

function inboxQuery(filters: Filters): string {
  const params = new URLSearchParams({ view: filters.view, status: filters.status });
  if (filters.q.trim() !== '') params.set('q', filters.q.trim());
  return `/v1/inbox?${params.toString()}`;
}

export function InboxPage(props: { conversationId: string | null }) {
  const [filters, setFilters] = useState<Filters>({ view: 'all', status: 'open', q: '' });
  const [items, setItems] = useState<readonly InboxItem[] | null>(null);
  const [error, setError] = useState<string | null>(null);
  const [pages, setPages] = useState(1);
  const [hasMore, setHasMore] = useState(false);
  const refresh = useRef<() => void>(() => {});

  useEffect(() => {
    let stopped = false;
    const load = async (background = true) => {
      try {
        // The first `pages` pages, re-read whole on each refresh so the order stays the server's.
        const loaded = await api.pages<InboxItem>(inboxQuery(filters), { take: PAGE_SIZE, max: pages, background });
        if (stopped) return;
        setItems(loaded.items);
        setHasMore(loaded.nextCursor !== null);
        setError(null);
      } catch (caught) {
        if (!stopped) setError(`The inbox could not be loaded: ${errorText(caught)}`);
      }
    };
    refresh.current = () => void load();
    // Typing in search waits a moment so each keystroke does not query the server.
    const timer = setTimeout(() => void load(false), filters.q === '' ? 0 : 250);
    return () => {
      stopped = true;
      clearTimeout(timer);
    };
  }, [filters, pages]);

  // Every inbox event, and the watcher's safety-net poll for a missed one, reads the list again.
  useEffect(() => onInboxChange(() => refresh.current()), []);

  // j / k move through the list (when not typing in a field). The listener reads the list and the
  // selection as last rendered: an effect registering it anew runs only after paint, and j pressed
  // quickly twice would otherwise start again from the old selection.
  const shown = useRef({ items, selected: props.conversationId });
  shown.current = { items, selected: props.conversationId };
  useEffect(() => {
    const onKey = (event: KeyboardEvent) => {
      const target = event.target as HTMLElement | null;
      if (event.metaKey || event.ctrlKey || event.altKey || (target !== null && /^(INPUT|TEXTAREA|SELECT)$/.test(target.tagName))) return;
      const { items: list, selected } = shown.current;
      if ((event.key !== 'j' && event.key !== 'k') || list === null || list.length === 0) return;
      const index = list.findIndex((item) => item.conversation.id === selected);
      const next = list[Math.max(0, Math.min(list.length - 1, index + (event.key === 'j' ? 1 : -1)))];
      if (next !== undefined) navigate(`/inbox/${next.conversation.id}`);
    };
    addEventListener('keydown', onKey);
    return () => removeEventListener('keydown', onKey);
  }, []);

  const selected = items?.find((item) => item.conversation.id === props.conversationId) ?? null;
  return (
    <div class={`inbox${props.conversationId === null ? '' : ' has-selection'}`}>
      <ConversationList
        items={items}
        error={error}
        filters={filters}
        selected={props.conversationId}
        onFilters={(next) => (setPages(1), setFilters(next))}
        onMore={hasMore ? () => setPages(pages + 1) : null}
      />
      {props.conversationId === null ? (
        <section class="conversation-empty" aria-label="No conversation open">
          <p class="empty-title">Pick a conversation</p>
          <p class="muted">
            Shortcuts: <kbd>j</kbd>/<kbd>k</kbd> next and previous, <kbd>r</kbd> reply, <kbd>n</kbd> note, <kbd>e</kbd> resolve,{' '}
            <kbd>?</kbd> all of them.
          </p>
        </section>
      ) : (
        <ConversationView
          key={props.conversationId}
          conversationId={props.conversationId}
          listItem={selected}
          onChanged={() => refresh.current()}
        />
      )}
    </div>
  );
}
