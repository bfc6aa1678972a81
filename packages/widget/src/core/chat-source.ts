import type { Author, ConversationOwner, Message, SessionCreate, SessionCreated } from '@parley/protocol';
import type { ConnectionState, OutboxEntry } from '@parley/client';

/** Where a conversation lives for the widget: what every chat source persists between page loads. */
export interface SessionInfo {
  readonly token: string;
  readonly conversationId: string;
  /** ISO time; a managed session cannot be refreshed, so past it a new conversation starts. */
  readonly expiresAt: string;
}

/** The visitor's place while waiting for a human. */
export interface QueueView {
  readonly position: number;
  readonly estimatedWaitMs: number | null;
}

/** Who can answer; `offline` switches the widget to offline mode (it asks for an email). */
export interface PresenceView {
  readonly agentsOnline: number;
  readonly typicalReplyMs: number | null;
  readonly offline?: boolean;
  readonly offlineMessage?: string;
  /** Whether the server mails agents' replies to an email left in offline mode. */
  readonly emailReplies?: boolean;
  /** Async mode: humans are there but the expected reply is long; the desk extra asks for an email up front. */
  readonly asyncMode?: boolean;
}

/** Everything a source reports; the UI store folds these into what it shows. */
export interface SourceEvents {
  /**
   * Durable messages, each seq once and in order: one live message, or a whole batch of the backlog. The
   * tab share passes a batch on to storage, the UI and the other tabs in slices, newest first (see SLICE).
   */
  messages: readonly Message[];
  /** The unacked messages, whole (small): rendered as pending or failed bubbles. */
  outbox: readonly OutboxEntry[];
  typing: { readonly author: Author; readonly active: boolean };
  /** Someone else's read cursor: the visitor's messages up to `seq` show as read. */
  read: { readonly seq: number };
  /** A streamed bot reply growing (`text` is the whole text so far), or ending (`done`). */
  stream: {
    readonly streamId: string;
    readonly author: Author;
    readonly text: string;
    readonly done: boolean;
    /** At the end: the stored message that replaces the stream (null: nothing was stored). */
    readonly messageId?: string | null;
  };
  status: { readonly owner: ConversationOwner; readonly assignee: string | null; readonly queue?: QueueView | null };
  presence: PresenceView;
  state: ConnectionState;
  session: SessionInfo | null;
  /** The conversation was replaced (restart, expired session): drop every message held. */
  reset: undefined;
}

/** Who the visitor is right now: read when a conversation starts, so `identify` and `setAttributes` made later count. */
export interface VisitorProfile {
  readonly language: string;
  readonly attributes: Readonly<Record<string, string>>;
  readonly identity: { readonly userId: string; readonly userHash: string } | null;
  /** Contact details the visitor gave before the conversation started (contact collection). */
  readonly contact: Readonly<Record<'name' | 'email' | 'phone', string | undefined>> | null;
  /** The consent record the visitor's acceptance made (privacy.consent), sent with the session request. */
  readonly consentId?: string;
  /** What opened the conversation in the view (the campaigns extra sets it): stored first by the server. */
  readonly opener?: SessionOpener | undefined;
}

/** The campaign whose message the visitor answers, and whether the returning visitors' greeting showed. */
export type SessionOpener = Pick<SessionCreate, 'campaignId' | 'greeting'>;

/** What a source needs from where it runs: the persisted position, and the visitor's current profile. */
export interface SourceContext {
  readonly session: SessionInfo | null;
  readonly lastSeq: number;
  readonly outbox: readonly OutboxEntry[];
  readonly profile: () => VisitorProfile;
}

/**
 * The chat-source port: the UI talks to a conversation through these few calls, whether it is a
 * Parley server (managed) or an n8n-compatible webhook called straight from the browser (direct).
 * Only the embed entries pick the implementation.
 */
export interface ChatSource {
  on<K extends keyof SourceEvents>(event: K, listener: (payload: SourceEvents[K]) => void): () => void;
  /** Connects when a session exists already; otherwise does nothing until the first send. */
  start(): void;
  /**
   * Sends a visitor message. `clientId`, when given, is its idempotency key, made by the tab that asked: a
   * source that already holds that key (queued, or sent) does not send it again.
   */
  send(text: string, clientId?: string): void;
  retry(clientId: string): void;
  typing(active: boolean): void;
  markRead(seq: number): void;
  /** Starts a conversation now if there is none (an upload needs one); its `session` event follows. */
  ensureSession?(): void;
  /** Switches to a session the server answered (another of the visitor's conversations): managed mode only. */
  adopt?(created: SessionCreated): void;
  /** Ends the current conversation; the next send starts a new one. */
  restart(): Promise<void>;
  close(): void;
}
