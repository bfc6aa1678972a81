import type { Message } from '@parley/protocol';
import type { PersistStore } from '../core/persist.js';
import type { ViewStore } from '../core/view-store.js';

/** Messages asked of the server per scroll past the stored history. */
const PAGE = 50;

export interface HistoryDeps {
  readonly store: ViewStore;
  readonly persist: PersistStore;
  readonly server: string;
}

/**
 * The page of messages before the oldest one held, read from the server with the session token:
 * the visitor scrolled past what the browser stores (its newest 300). They are shown, not stored:
 * storage keeps the newest messages, and these come back from the server when asked again.
 */
export function loadOlder({ store, persist, server }: HistoryDeps): void {
  const { session } = persist.read();
  const { messages, older } = store.state;
  const oldest = messages[0];
  if (session === null || oldest === undefined || oldest.seq <= 1 || older !== 'idle') return;
  store.set({ older: 'loading' });
  const url = `${server}/v1/conversations/${encodeURIComponent(session.conversationId)}/messages?before=${oldest.seq}&limit=${PAGE}`;
  void fetch(url, { headers: { authorization: `Bearer ${session.token}` } })
    .then((response) =>
      response.ok ? (response.json() as Promise<{ items: Message[] }>) : Promise.reject(new Error(String(response.status))),
    )
    .then(
      ({ items }) =>
        store.set((state) => ({
          messages: [...items.filter((message) => message.seq < (state.messages[0]?.seq ?? 0)), ...state.messages],
          older: items.length < PAGE ? 'none' : 'idle',
        })),
      // Offline or refused: the button stays, and the next scroll up asks again.
      () => store.set({ older: 'idle' }),
    );
}
