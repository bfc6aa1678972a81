import type { ConnectionState, OutboxEntry } from '@parley/client';
import type { Author, ConversationOwner, Message, PublicWidgetConfig } from '@parley/protocol';
import type { PresenceView, QueueView, SessionOpener } from './chat-source.js';

export interface StreamView {
  readonly streamId: string;
  readonly author: Author;
  readonly text: string;
  readonly done: boolean;
}

/** Everything the UI shows, in one immutable object: components read it, the controller replaces it. */
export interface ViewState {
  readonly config: PublicWidgetConfig;
  readonly layout: 'bubble' | 'inline' | 'fullscreen';
  readonly messages: readonly Message[];
  readonly outbox: readonly OutboxEntry[];
  readonly typing: Author | null;
  readonly streams: readonly StreamView[];
  readonly agentReadSeq: number;
  readonly owner: ConversationOwner | null;
  readonly presence: PresenceView | null;
  /** The agent answering (owner human), and the visitor's place while queued. */
  readonly assignee?: string | null;
  readonly queue?: QueueView | null;
  readonly connection: ConnectionState;
  readonly open: boolean;
  readonly launcher: boolean;
  readonly maximized: boolean;
  readonly draft: string;
  readonly seenSeq: number;
  readonly done: readonly string[];
  readonly dialog: 'restart' | null;
  readonly peekDismissed: number;
  readonly online: boolean;
  /**
   * Messages older than those held, asked of the server (the visitor scrolled past the stored history):
   * `loading` while asked, `none` once the conversation's first message is here.
   */
  readonly older: 'idle' | 'loading' | 'none';
  /** Files on their way (progress 0–1), or refused (`error` is the text to show). */
  readonly uploads: readonly UploadView[];
  /** The consent gate shows instead of the conversation (privacy.consent, not accepted in this version). */
  readonly gate?: boolean;
  /** Set by the campaigns extra: the campaign shown, or the returning greeting; sent with the session request. */
  readonly opener?: SessionOpener;
  /** Set by the call extra on the first call frame: the chrome shows the call's tools even where visitors may not call. */
  readonly call?: boolean;
}

export interface UploadView {
  readonly id: string;
  readonly name: string;
  readonly progress: number;
  readonly error: string | null;
}

/** A minimal observable: one state object, replaced on every change. */
export class ViewStore {
  private readonly listeners = new Set<() => void>();

  constructor(public state: ViewState) {}

  set(change: Partial<ViewState> | ((state: ViewState) => Partial<ViewState>)): void {
    const patch = typeof change === 'function' ? change(this.state) : change;
    this.state = { ...this.state, ...patch };
    for (const listener of [...this.listeners]) listener();
  }

  subscribe(listener: () => void): () => void {
    this.listeners.add(listener);
    return () => void this.listeners.delete(listener);
  }
}

/** Messages from the other side the visitor has not seen yet. */
export function unreadCount(state: ViewState): number {
  return state.messages.filter((message) => message.author.role !== 'visitor' && message.seq > state.seenSeq && message.type !== 'event')
    .length;
}
