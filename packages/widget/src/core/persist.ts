import type { Message } from '@parley/protocol';
import type { OutboxEntry } from '@parley/client';
import type { SessionInfo } from './chat-source.js';

/** What survives a reload and is shared by the tabs of one browser, per widget. */
export interface Persisted {
  readonly session: SessionInfo | null;
  readonly messages: readonly Message[];
  readonly lastSeq: number;
  readonly outbox: readonly OutboxEntry[];
  readonly open: boolean;
  readonly draft: string;
  /** The visitor has seen everything up to here (drives the unread badge). */
  readonly seenSeq: number;
  readonly language: string | null;
  /** Message ids whose form was submitted, and whether the rating was given: submitted once, across reloads. */
  readonly done: readonly string[];
  readonly contact: Readonly<Record<'name' | 'email' | 'phone', string | undefined>> | null;
  /** The consent gate (privacy.consent): the version the visitor accepted, and its record's id for the session. */
  readonly consent?: string;
  readonly consentId?: string;
  /** The campaigns extra: when this browser's first visit began, and when each campaign was last shown (ms). */
  readonly firstVisit?: number;
  readonly campaigns?: Readonly<Record<string, number>>;
}

/** Enough history to read back; older messages stay on the server. */
const KEEP_MESSAGES = 300;

export const EMPTY: Persisted = {
  session: null,
  messages: [],
  lastSeq: 0,
  outbox: [],
  open: false,
  draft: '',
  seenSeq: 0,
  language: null,
  done: [],
  contact: null,
};

/**
 * localStorage under one key per widget. Every write re-reads first and changes only its own fields,
 * because other tabs write the same key (the leader its messages, any tab its open state or draft).
 * Storage may be unavailable (privacy modes, sandboxed frames): the widget then works for this page only.
 */
export class PersistStore {
  private memory: Persisted = EMPTY;
  /**
   * The consent version the widget asks for (privacy.consent), else undefined. While it is not the one stored, nothing
   * is written, and a key another tab removed (a withdrawal) reads as empty, not as this tab's copy.
   */
  ask: string | undefined;

  constructor(private readonly key: string) {}

  read(): Persisted {
    try {
      const text = localStorage.getItem(this.key);
      if (text === null) return this.ask ? EMPTY : this.memory;
      const parsed: unknown = JSON.parse(text);
      return typeof parsed === 'object' && parsed !== null ? { ...EMPTY, ...parsed } : EMPTY;
    } catch {
      return this.memory; // Storage blocked: keep state in memory for this page.
    }
  }

  update(change: (current: Persisted) => Partial<Persisted>): Persisted {
    const current = this.read();
    const next = { ...current, ...change(current) };
    this.memory = next;
    try {
      if (!this.ask || next.consent === this.ask) localStorage.setItem(this.key, JSON.stringify(next));
    } catch {
      // Quota or blocked storage: the in-memory copy above still serves this page.
    }
    return next;
  }

  /** One read and one write per batch (the tab share passes a backlog on in slices of 50, newest first). */
  appendMessages(batch: readonly Message[]): void {
    this.update((current) => {
      const held = new Set(current.messages.map((message) => message.id));
      const fresh = batch.filter((message) => !held.has(message.id));
      if (fresh.length === 0) return {};
      const messages = [...current.messages, ...fresh].sort((a, b) => a.seq - b.seq).slice(-KEEP_MESSAGES);
      return { messages, lastSeq: Math.max(current.lastSeq, ...fresh.map((message) => message.seq)) };
    });
  }

  clear(): void {
    this.memory = EMPTY;
    try {
      localStorage.removeItem(this.key);
    } catch {
      // Nothing stored to forget.
    }
  }
}
