import { useEffect } from 'preact/hooks';
import { api, type Page } from '../api.js';
import { navigate } from '../router.js';
import type { InboxItem } from '../types.js';
import { contactName } from './conversation-list.js';
import { notifyMessage, setTitleCount } from './notifications.js';

/**
 * Polling is the safety net for a missed inbox event (the stream replays nothing after a reconnect);
 * events themselves trigger a refresh at once.
 */
const REFRESH_MS = 5_000;

const listeners = new Set<() => void>();

/**
 * Called on every inbox event (a conversation the agent may see changed, including their own reads)
 * and on every safety-net poll. Returns the unsubscribe.
 */
export function onInboxChange(listener: () => void): () => void {
  listeners.add(listener);
  return () => listeners.delete(listener);
}

/**
 * Runs while an agent is logged in, on every page: the inbox stream (`?inbox=1`) and the agent's own
 * open conversations, for the unread count in the tab title, the sound and browser notifications.
 */
export function useInboxWatcher(token: string | null): void {
  useEffect(() => {
    const seen = new Map<string, number>();
    let stopped = false;
    const check = async () => {
      const page = await api.poll<Page<InboxItem>>('/v1/inbox?view=mine&status=open').catch(() => null);
      if (stopped || page === null) return;
      let total = 0;
      for (const item of page.items) {
        total += item.unread;
        const before = seen.get(item.conversation.id) ?? 0;
        if (item.unread > before && item.lastMessage !== null && item.lastMessage.author.role === 'visitor') {
          notifyMessage(contactName(item), item.lastMessage.text, () => navigate(`/inbox/${item.conversation.id}`));
        }
        seen.set(item.conversation.id, item.unread);
      }
      setTitleCount(total);
    };
    const changed = () => {
      listeners.forEach((listener) => listener());
      void check();
    };
    void check();
    // One timer for the whole console: the unread count and any open list read again together.
    const interval = setInterval(changed, REFRESH_MS);
    // The console's own EventSource (no outbox or resume needed: any event just means "look again").
    const query = new URLSearchParams(token === null ? { inbox: '1' } : { token, inbox: '1' });
    const source = typeof EventSource === 'undefined' ? null : new EventSource(`/v1/realtime/sse?${query.toString()}`);
    // Heartbeats (`ping` frames, every 25 s) say nothing changed.
    if (source !== null)
      source.onmessage = (event: MessageEvent<unknown>) => {
        if (event.data !== '{"type":"ping"}') changed();
      };
    return () => {
      stopped = true;
      clearInterval(interval);
      source?.close();
    };
  }, [token]);
}
