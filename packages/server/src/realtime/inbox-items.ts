import type { InboxItem } from '@parley/protocol';

/** Reads one conversation's inbox entry for several agents at once (InboxService.itemsFor). */
export type ReadItems = (conversationId: string, agentIds: readonly string[]) => Promise<ReadonlyMap<string, InboxItem> | undefined>;

interface Waiting {
  readonly agentId: string;
  resolve(item: InboxItem | undefined): void;
  reject(error: unknown): void;
}

/**
 * The inbox entries a node's agent streams ask for, read together. A change to a conversation reaches every
 * agent's stream in the same turn of the event loop (one bus event, one handler each), and each asked the database
 * for the entry alone: 2 statements per agent signed in, for every message of the whole deployment. Requests for one
 * conversation made in the same turn are answered by one read (the entry once, the agents' unread counts together);
 * a stream that asks later (it was busy) joins the next read.
 */
export class InboxItems {
  private waiting = new Map<string, Waiting[]>();
  private scheduled = false;

  constructor(private readonly read: ReadItems) {}

  /** The conversation's entry as `agentId` sees it (their unread count); undefined when it is gone. */
  readonly item = (conversationId: string, agentId: string): Promise<InboxItem | undefined> =>
    new Promise((resolve, reject) => {
      const queue = this.waiting.get(conversationId);
      if (queue === undefined) this.waiting.set(conversationId, [{ agentId, resolve, reject }]);
      else queue.push({ agentId, resolve, reject });
      if (this.scheduled) return;
      this.scheduled = true;
      // After the I/O callbacks of this turn: every stream the bus event reached has asked by then.
      setImmediate(() => this.flush());
    });

  private flush(): void {
    const batch = this.waiting;
    this.waiting = new Map();
    this.scheduled = false;
    for (const [conversationId, waiters] of batch) void this.answer(conversationId, waiters);
  }

  private async answer(conversationId: string, waiters: readonly Waiting[]): Promise<void> {
    try {
      const items = await this.read(conversationId, [...new Set(waiters.map((waiter) => waiter.agentId))]);
      for (const waiter of waiters) waiter.resolve(items?.get(waiter.agentId));
    } catch (error) {
      for (const waiter of waiters) waiter.reject(error);
    }
  }
}
