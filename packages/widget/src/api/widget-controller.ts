import type { Message } from '@parley/protocol';
import type { Emitter } from '@parley/client';
import type { PersistStore } from '../core/persist.js';
import type { TabShare, UiPatch } from '../core/tab-share.js';
import { unreadCount, type ViewState, type ViewStore } from '../core/view-store.js';
import type { Controller } from '../ui/controller.js';
import { Notifier } from './notify.js';
import type { WidgetEvents } from './options.js';
import { fetchConfig } from './widget-config.js';

/** The view of a conversation starting afresh: a restart, another of the visitor's, or the visitor forgotten. */
const FRESH: Partial<ViewState> = {
  messages: [],
  streams: [],
  owner: null,
  seenSeq: 0,
  done: [],
  agentReadSeq: 0,
  typing: null,
  older: 'idle',
};

/**
 * Turns what the UI and the JS API ask for into source commands and shared UI state, and folds the
 * source's events into the view. UI state goes to every tab (open, draft, seen, submitted forms).
 */
export class WidgetController implements Controller {
  private unread: number;
  private readonly notifier = new Notifier();

  constructor(
    readonly store: ViewStore,
    readonly share: TabShare,
    readonly persist: PersistStore,
    private readonly events: Emitter<WidgetEvents>,
    readonly server: string | null,
    readonly widgetId: string | null,
  ) {
    this.unread = unreadCount(store.state);
    share.on('messages', (messages) => this.onMessages(messages));
    share.on('outbox', (outbox) => store.set({ outbox }));
    share.on('typing', ({ author, active }) => {
      if (author.role !== 'visitor') store.set({ typing: active ? author : null });
    });
    share.on('read', ({ seq }) => store.set((state) => ({ agentReadSeq: Math.max(state.agentReadSeq, seq) })));
    share.on('stream', (stream) =>
      store.set((state) => {
        const others = state.streams.filter((held) => held.streamId !== stream.streamId);
        // The stored message may already be here (it is sent before stream_end): then the preview goes.
        const replaced = stream.done && (stream.messageId === null || state.messages.some((message) => message.id === stream.messageId));
        return { streams: replaced ? others : [...others, stream], typing: null };
      }),
    );
    share.on('status', ({ owner, assignee, queue }) => store.set({ owner, assignee, queue: queue ?? null }));
    share.on('presence', (presence) => store.set({ presence }));
    share.on('state', (connection) => store.set({ connection }));
    share.on('reset', () => {
      store.set(FRESH);
      this.afterChange();
    });
    share.on('ui', (patch) => this.applyUi(patch));
    window.addEventListener('online', () => store.set({ online: true }));
    window.addEventListener('offline', () => store.set({ online: false }));
    document.addEventListener('visibilitychange', () => {
      if (document.visibilityState === 'visible') this.markSeen();
    });
  }

  send(text: string): void {
    const trimmed = text.trim();
    if (trimmed === '') return;
    this.share.send(trimmed);
    this.setOpen(true);
  }

  setOpen(open: boolean): void {
    if (this.store.state.open === open || this.store.state.layout !== 'bubble') return;
    this.store.set({ open, ...(open ? {} : { maximized: false, dialog: null }) });
    this.share.shareUi({ open });
    this.events.emit(open ? 'open' : 'close', undefined);
    if (open) this.markSeen();
    // startFirst: the conversation (and the bot's first words) begins when the visitor opens the chat.
    if (open && this.store.state.config.startFirst && this.persist.read().session === null) this.share.ensureSession();
  }

  setDraft(draft: string): void {
    this.shareUi({ draft });
  }

  retry(clientId: string): void {
    this.share.retry(clientId);
  }

  typing(active: boolean): void {
    this.share.typing(active);
  }

  askRestart(show: boolean): void {
    this.store.set({ dialog: show ? 'restart' : null });
  }

  restart(): void {
    this.store.set({ dialog: null });
    void this.share.restart();
  }

  /** Forgets the visitor: what the browser holds goes, and the next message starts a new conversation. */
  shutdown(): void {
    void this.share.restart();
    this.persist.clear();
    this.store.set({ ...FRESH, outbox: [], draft: '' });
    this.setOpen(false);
  }

  async setLocale(language: string): Promise<void> {
    await this.loadConfig(language);
    this.share.shareUi({ language });
  }

  /** The widget's texts in another language (managed mode; direct mode has only its own). */
  private async loadConfig(language: string): Promise<void> {
    if (this.server !== null && this.widgetId !== null) this.store.set({ config: await fetchConfig(this.server, this.widgetId, language) });
  }

  toggleMaximize(): void {
    this.store.set((state) => ({ maximized: !state.maximized }));
  }

  markDone(key: string): void {
    this.shareUi({ done: [...this.store.state.done, key] });
  }

  dismissPeek(): void {
    this.store.set((state) => ({ peekDismissed: state.messages.at(-1)?.seq ?? 0 }));
  }

  /** Everything shown in an open, visible window is seen: badge cleared, read receipt sent. */
  markSeen(): void {
    const { open, messages, seenSeq } = this.store.state;
    const last = messages.at(-1)?.seq ?? 0;
    if (!open || last <= seenSeq || document.visibilityState !== 'visible') return;
    this.shareUi({ seenSeq: last });
    this.share.markRead(last);
    this.afterChange();
  }

  attach(files: readonly File[]): void {
    if (!this.store.state.config.attachments || this.server === null) return;
    const server = this.server;
    const deps = { store: this.store, persist: this.persist, share: this.share, server };
    void import('../extras/upload.js').then(({ uploadFiles }) => uploadFiles(files, deps));
  }

  saveContact(contact: Readonly<Record<'name' | 'email' | 'phone', string | undefined>>): void {
    this.persist.update(() => ({ contact }));
    this.markDone('contact');
    if (contact.email === undefined || contact.email === '') return;
    // Once the conversation exists, the server records the contact on it (agents see it, replies can be emailed).
    // Best effort: the details stay stored in the browser for the next conversation.
    this.post('contact', { email: contact.email, ...(contact.name ? { name: contact.name } : {}) });
  }

  rate(score: number, comment: string): void {
    this.events.emit('rated', { score });
    // A chat message would reopen the resolved conversation to the bot; the rating endpoint only records the score.
    // Direct mode has no rating endpoint: the score goes to the webhook as a message.
    if (!this.post('rating', comment === '' ? { score } : { score, comment }))
      this.send(`${'★'.repeat(score)}${'☆'.repeat(5 - score)} (${score}/5)${comment === '' ? '' : `\n${comment}`}`);
  }

  post(path: string, body: object): Promise<Response | undefined> | undefined {
    const { session } = this.persist.read();
    if (session === null || this.server === null) return;
    return fetch(`${this.server}/v1/conversations/${encodeURIComponent(session.conversationId)}/${path}`, {
      method: 'POST',
      headers: { authorization: `Bearer ${session.token}`, 'content-type': 'application/json' },
      body: JSON.stringify(body),
    }).catch(() => undefined);
  }

  loadOlder(): void {
    if (this.server === null) return;
    // A lazy extra: most conversations are read from what the browser holds.
    const deps = { store: this.store, persist: this.persist, server: this.server };
    void import('../extras/history.js').then(({ loadOlder }) => loadOlder(deps));
  }

  dismissUpload(id: string): void {
    this.store.set((state) => ({ uploads: state.uploads.filter((upload) => upload.id !== id) }));
  }

  /** A live message or a batch of the backlog: one store change (one render) whatever its length. */
  private onMessages(batch: readonly Message[]): void {
    const state = this.store.state;
    const held = new Set(state.messages.map((message) => message.id));
    const fresh = batch.filter((message) => !held.has(message.id));
    const last = fresh.findLast((message) => message.author.role !== 'visitor');
    if (fresh.length === 0) return;
    this.store.set({
      // Nearly always appended in order already, which the sort only confirms.
      messages: [...state.messages, ...fresh].sort((a, b) => a.seq - b.seq),
      // The stored message replaces the streamed preview (it may come just before or just after stream_end).
      streams: state.streams.filter(
        (stream) => !fresh.some((message) => message.author.role !== 'visitor' && (stream.done || stream.text === message.text)),
      ),
      typing: fresh.some((message) => message.author.role !== 'visitor' && message.author.id === state.typing?.id) ? null : state.typing,
    });
    for (const message of fresh) {
      this.events.emit('message', message);
      if (message.type === 'event' && message.payload?.['event'] === 'handoff_requested') this.events.emit('handoff', message);
    }
    if (last !== undefined) {
      if (this.store.state.open && document.visibilityState === 'visible') this.markSeen();
      else if (this.store.state.config.notifications.sound !== false && this.share.leading) this.notifier.chime();
      if (state.config.voiceOut && state.open && this.share.leading) {
        void import('../extras/voice.js').then(({ speak }) => speak(last.text, state.config.language));
      }
    }
    this.afterChange();
  }

  /** A change of the UI state every tab mirrors: shown here, shared with the others, stored for the next page. */
  private shareUi(patch: Omit<UiPatch, 'language'>): void {
    this.store.set(patch);
    this.share.shareUi(patch);
  }

  private applyUi(patch: UiPatch): void {
    const { language, ...rest } = patch;
    const wasOpen = this.store.state.open;
    this.store.set(this.store.state.layout === 'bubble' ? rest : { ...rest, open: true });
    if (wasOpen !== this.store.state.open) this.events.emit(this.store.state.open ? 'open' : 'close', undefined);
    if (language !== undefined && language !== null && language !== this.store.state.config.language) void this.loadConfig(language);
    this.afterChange();
  }

  private afterChange(): void {
    const unread = unreadCount(this.store.state);
    if (unread === this.unread) return;
    this.unread = unread;
    this.events.emit('unread', { count: unread });
    if (this.store.state.config.notifications.tabTitle !== false) this.notifier.title(this.store.state.open ? 0 : unread);
  }
}
