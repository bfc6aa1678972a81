import { useEffect, useRef, useState } from 'preact/hooks';
import { api, errorText } from '../api.js';
import { navigate } from '../router.js';
import { useSession } from '../session.js';
import type { InboxItem } from '../types.js';
import { ConversationList, type Filters } from './conversation-list.js';
import { ConversationView } from './conversation-view.js';
import { applyItem, belongs, markReceived, mergeHead, type HeldList } from './inbox-apply.js';
import { onInboxChange, type InboxChange } from './inbox-watcher.js';

const PAGE_SIZE = 50;
/** The times in the list ("5 min", "waiting 3 min") are worked out again this often, without asking the server. */
const CLOCK_MS = 30_000;

function inboxQuery(filters: Filters): string {
  const params = new URLSearchParams({ view: filters.view, status: filters.status });
  if (filters.q.trim() !== '') params.set('q', filters.q.trim());
  return `/v1/inbox?${params.toString()}`;
}

/**
 * The inbox: the list (a page at a time, "Load more" reading the next one from where the list ends) and the open
 * conversation. Inbox events carry each changed conversation's new entry, which the list puts in its place itself;
 * only what an event cannot tell (a search, a reconnect of the stream, the watcher's safety net) reads the list's
 * first page again: never every page loaded, never the whole inbox in one answer.
 */
export function InboxPage(props: { conversationId: string | null }) {
  const { agent } = useSession();
  const [filters, setFilters] = useState<Filters>({ view: 'all', status: 'open', q: '' });
  const [list, setList] = useState<HeldList | null>(null);
  const [error, setError] = useState<string | null>(null);
  const [, setClock] = useState(0);
  // The list as last rendered, for "Load more" (its cursor), which runs outside a render.
  const held = useRef(list);
  held.current = list;
  const refresh = useRef<() => void>(() => {});
  const more = useRef<() => void>(() => {});
  const change = useRef<(change: InboxChange) => void>(() => {});

  useEffect(() => {
    let stopped = false;
    // The first read under these filters replaces what another filter's list held; later ones merge.
    let fresh = true;
    // One read of the first page at a time; asked again meanwhile, it runs once more after.
    let reading = false;
    let again = false;
    const readHead = async (background = true): Promise<void> => {
      if (reading) return void (again = true);
      reading = true;
      try {
        const page = await api.pages<InboxItem>(inboxQuery(filters), { take: PAGE_SIZE, max: 1, background });
        if (stopped) return;
        markReceived(page.items);
        setList((now) => mergeHead(fresh ? null : now, page));
        fresh = false;
        setError(null);
      } catch (caught) {
        if (!stopped) setError(`The inbox could not be loaded: ${errorText(caught)}`);
      } finally {
        reading = false;
        if (again && !stopped) {
          again = false;
          void readHead();
        }
      }
    };
    refresh.current = () => void readHead();
    more.current = () =>
      void (async () => {
        const cursor = fresh ? null : held.current?.cursor;
        if (cursor === null || cursor === undefined) return;
        try {
          const page = await api.pages<InboxItem>(inboxQuery(filters), { take: PAGE_SIZE, max: 1, cursor });
          if (stopped) return;
          markReceived(page.items);
          setList((now) => {
            const ids = new Set(now?.items.map((item) => item.conversation.id));
            return {
              items: [...(now?.items ?? []), ...page.items.filter((item) => !ids.has(item.conversation.id))],
              cursor: page.nextCursor,
            };
          });
        } catch (caught) {
          if (!stopped) setError(`More conversations could not be loaded: ${errorText(caught)}`);
        }
      })();
    change.current = (item) => {
      const keep = item === null || fresh ? undefined : belongs(item, filters, agent);
      if (item === null || keep === undefined) return refresh.current();
      markReceived([item]);
      setList((now) => (now === null ? now : { ...now, items: applyItem(now.items, item, keep, now.cursor === null) }));
    };
    // Typing in search waits a moment so each keystroke does not query the server.
    const timer = setTimeout(() => void readHead(false), filters.q === '' ? 0 : 250);
    return () => {
      stopped = true;
      clearTimeout(timer);
    };
  }, [filters, agent.id, agent.teamIds.join()]);

  useEffect(() => onInboxChange((item) => change.current(item)), []);
  useEffect(() => {
    const clock = setInterval(() => setClock((ticks) => ticks + 1), CLOCK_MS);
    return () => clearInterval(clock);
  }, []);

  const items = list?.items ?? null;
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
        onFilters={setFilters}
        onMore={list?.cursor === null || list === null ? null : () => more.current()}
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
