import type { RealtimeErrorCode } from '@parley/protocol';

/**
 * One message the server has not acknowledged yet. `failed` entries stay until they are resent (by the
 * user, or on the next link when retryable) or discarded: a message is never dropped silently. `retryable: false` means resending the same
 * frame cannot succeed (too large, invalid), so it is not resent automatically.
 */
export interface OutboxEntry {
  readonly clientId: string;
  readonly text: string;
  readonly createdAt: number;
  readonly status: 'pending' | 'failed';
  readonly retryable: boolean;
  /** `retryAfterMs`: a volume limit refused it; it is resent by itself once that wait is over. */
  readonly error?: { readonly code: RealtimeErrorCode; readonly message: string; readonly retryAfterMs?: number };
}

const PERMANENT: readonly RealtimeErrorCode[] = ['PARLEY_ERR_FRAME_TOO_LARGE', 'PARLEY_ERR_FRAME_INVALID', 'PARLEY_ERR_FRAME_INVALID_JSON'];

/** Whether a refusal with this code is for good: resending the same frame cannot succeed. */
export const permanent = (code: RealtimeErrorCode): boolean => PERMANENT.includes(code);

/** Unacked messages in send order. Plain data, so the widget can persist `snapshot()` and restore it. */
export class Outbox {
  private entries: OutboxEntry[];
  /** Passing refusals of each entry since it was last (re)tried: when the first came, and how many. Not persisted. */
  private readonly refusals = new Map<string, { readonly since: number; readonly count: number }>();

  constructor(initial: readonly OutboxEntry[] = []) {
    this.entries = [...initial];
  }

  /** Queues a new message, pending until its ack. */
  push(clientId: string, text: string, createdAt: number): OutboxEntry {
    const entry: OutboxEntry = { clientId, text, createdAt, status: 'pending', retryable: true };
    this.entries.push(entry);
    return entry;
  }

  get(clientId: string): OutboxEntry | undefined {
    return this.entries.find((entry) => entry.clientId === clientId);
  }

  /** Removes the entry on its ack; returns it, or undefined when it was already acked (a second ack for a resend). */
  ack(clientId: string): OutboxEntry | undefined {
    const entry = this.get(clientId);
    if (entry !== undefined) this.entries = this.entries.filter((other) => other !== entry);
    this.refusals.delete(clientId);
    return entry;
  }

  fail(clientId: string, code: RealtimeErrorCode, message: string, retryAfterMs?: number): OutboxEntry | undefined {
    return this.replace(clientId, (entry) => ({
      ...entry,
      status: 'failed',
      retryable: !permanent(code),
      error: retryAfterMs === undefined ? { code, message } : { code, message, retryAfterMs },
    }));
  }

  /** Counts a passing refusal of an entry: how many since it was last (re)tried, and for how long; undefined when it is gone. */
  refused(clientId: string, now: number): { readonly count: number; readonly forMs: number } | undefined {
    if (this.get(clientId) === undefined) return undefined;
    const { since, count } = this.refusals.get(clientId) ?? { since: now, count: 0 };
    this.refusals.set(clientId, { since, count: count + 1 });
    return { count: count + 1, forMs: now - since };
  }

  /** Marks a failed entry pending again (the user pressed retry, or a new link resends it); returns it when it exists. */
  retry(clientId: string): OutboxEntry | undefined {
    this.refusals.delete(clientId);
    return this.replace(clientId, ({ error: _error, ...entry }) => ({ ...entry, status: 'pending', retryable: true }));
  }

  discard(clientId: string): boolean {
    const before = this.entries.length;
    this.refusals.delete(clientId);
    this.entries = this.entries.filter((entry) => entry.clientId !== clientId);
    return this.entries.length !== before;
  }

  /** What to (re)send on a fresh link, in the order the user wrote them. Failed but retryable ones get another chance. */
  sendable(): readonly OutboxEntry[] {
    return this.entries.filter((entry) => entry.retryable);
  }

  snapshot(): readonly OutboxEntry[] {
    return [...this.entries];
  }

  private replace(clientId: string, change: (entry: OutboxEntry) => OutboxEntry): OutboxEntry | undefined {
    let result: OutboxEntry | undefined;
    this.entries = this.entries.map((entry) => (entry.clientId === clientId ? (result = change(entry)) : entry));
    return result;
  }
}
