import { useEffect } from 'preact/hooks';
import { api, type Page } from '../api.js';
import { navigate } from '../router.js';
import type { InboxItem } from '../types.js';
import { contactName } from './conversation-list.js';
import { notifyMessage, setTitleCount } from './notifications.js';

/** The unread count in the tab title is read this often; and the list, while the inbox stream is down. */
const REFRESH_MS = 5_000;
/**
 * While the stream is up its events carry each changed conversation's entry, which the list applies itself. A few
 * changes come without an event (a snooze ending after a node restarted): the list's first page is read again
 * this often, as a safety net.
 */
const SAFETY_NET_MS = 60_000;

/** A conversation's new list entry (an inbox event), or null: something changed that no event describes. */
export type InboxChange = InboxItem | null;

const listeners = new Set<(change: InboxChange) => void>();

/**
 * Called on every inbox event with the conversation's new entry (a conversation the agent may see changed,
 * including their own reads), and with null when the list should be read again: the stream reconnected (events
 * are not replayed), is down (every REFRESH_MS), or the safety net is due. Returns the unsubscribe.
 */
export function onInboxChange(listener: (change: InboxChange) => void): () => void {
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
    const changed = (change: InboxChange) => {
      listeners.forEach((listener) => listener(change));
      void check();
    };
    void check();
    // The console's own EventSource (no outbox or resume needed: after a reconnect the list is read again).
    const query = new URLSearchParams(token === null ? { inbox: '1' } : { token, inbox: '1' });
    const source = typeof EventSource === 'undefined' ? null : new EventSource(`/v1/realtime/sse?${query.toString()}`);
    let welcomed = false;
    let readAt = Date.now();
    // One timer for the whole console: the unread count, and the list when no stream tells it what changed.
    const interval = setInterval(() => {
      if (source !== null && source.readyState === EventSource.OPEN && Date.now() - readAt < SAFETY_NET_MS) return void check();
      readAt = Date.now();
      changed(null);
    }, REFRESH_MS);
    if (source !== null)
      source.onmessage = (event: MessageEvent<string>) => {
        const frame = parseFrame(event.data);
        // Heartbeats (`ping` frames, every 25 s) say nothing changed; the first welcome opens the stream.
        if (frame.type === 'ping') return;
        if (frame.type === 'welcome' && !welcomed) return void (welcomed = true);
        if (frame.type === 'inbox' && frame.item !== undefined) return changed(frame.item);
        // A later welcome is a reconnect: what changed meanwhile was not sent. So is anything this console cannot read.
        readAt = Date.now();
        changed(null);
      };
    return () => {
      stopped = true;
      clearInterval(interval);
      source?.close();
    };
  }, [token]);
}

/** An inbox stream frame as far as the console reads it (its own server's, over its own stream). */
function parseFrame(data: string): { readonly type?: string; readonly item?: InboxItem } {
  try {
    const frame: unknown = JSON.parse(data);
    return typeof frame === 'object' && frame !== null ? frame : {};
  } catch {
    return {};
  }
}
