import type { InboxEventReason } from '@parley/protocol';
import type { Bus, BusLog } from '../bus/bus.js';
import { InboxEntry, type InboxSnapshot } from '../engine/inbox-entry.js';
import { INBOX_CHANNEL, parseInboxEvent, type InboxEvent } from '../engine/inbox-feed.js';

/** Reads one conversation's inbox entry for several agents at once (InboxService.entry); undefined when it is gone. */
export type ReadEntry = (conversationId: string, agentIds: readonly string[]) => Promise<InboxSnapshot | undefined>;

/** An agent's inbox stream, as the node's entries reach it. */
export interface InboxStream {
  readonly agentId: string;
  /** A conversation's entry changed: this is its `inbox` frame as the stream's agent sees it, serialised. */
  deliver(frame: string): void;
  /** Reading an entry failed: the stream cannot say what changed. */
  fail(error: unknown): void;
}

export interface InboxItemsOptions {
  readonly bus: Bus;
  readonly log: BusLog;
  readonly read: ReadEntry;
  /**
   * An entry older than this is read again at its next event. A few changes an entry shows publish no inbox event (a
   * contact edited, an agent renamed, a routing rule's priority): this bounds how long a stream shows them stale, as
   * the console's own safety net does (it reads its list again every minute).
   */
  readonly maxAgeMs?: number;
  /** Entries kept; the least recently changed go first. */
  readonly maxEntries?: number;
  readonly now?: () => number;
}

const MAX_AGE_MS = 60_000;
const MAX_ENTRIES = 20_000;

/** A bus event, or `reread`: the entry may be stale (a bus gap), read it again. */
type Change = InboxEvent | 'reread';

interface Slot {
  entry: InboxEntry | undefined;
  /** `agentJoins` when the entry was read: agents who joined later are not in it. */
  agentsAt: number;
  readonly queue: Change[];
  running: boolean;
}

/**
 * The inbox entries of a node's agent streams. Every change of every conversation is announced on one bus channel
 * (engine/inbox-feed.ts), which the node subscribes to once while it holds streams. It keeps each recently changed
 * conversation's entry (InboxEntry): a new message or an agent's read carried by its event updates it, so its frames
 * are made without reading the database; anything else (ownership, a call, a note, a skipped seq, an event of an
 * earlier version without its frame, an entry too old or not holding an agent who joined since) reads it once for
 * all the node's agents (InboxService.entry). Events of one conversation are applied in order; those that arrive
 * while its entry is being read are applied together after it, and each stream gets one frame for them. Every
 * agent may see every conversation in the inbox (GET /v1/inbox: views are filters, not permissions), so every
 * stream gets every changed entry.
 */
export class InboxItems {
  private readonly streams = new Set<InboxStream>();
  /** Agents with a stream here, and the join count at which they joined (entries read before do not hold them). */
  private readonly agents = new Map<string, { streams: number; joinedAt: number }>();
  private agentJoins = 0;
  /** By conversation, least recently changed first. */
  private slots = new Map<string, Slot>();
  private subscription: Promise<() => Promise<void>> | undefined;
  private subscriptions = 0;
  private readonly rereads = new Set<string>();
  private rereadScheduled = false;
  /** Entries read from the database (counted for tests and benches). */
  reads = 0;

  constructor(private readonly options: InboxItemsOptions) {}

  /** Adds a stream; resolves once the node hears the inbox channel. */
  async join(stream: InboxStream): Promise<void> {
    this.streams.add(stream);
    const agent = this.agents.get(stream.agentId);
    if (agent === undefined) this.agents.set(stream.agentId, { streams: 1, joinedAt: ++this.agentJoins });
    else agent.streams += 1;
    if (this.subscription === undefined) {
      const id = ++this.subscriptions;
      const subscription = this.options.bus.subscribe(INBOX_CHANNEL, (payload) => {
        if (id === this.subscriptions) this.receive(payload);
      });
      this.subscription = subscription;
      subscription.catch(() => {
        if (this.subscription === subscription) this.subscription = undefined;
      });
    }
    await this.subscription;
  }

  leave(stream: InboxStream): void {
    if (!this.streams.delete(stream)) return;
    const agent = this.agents.get(stream.agentId);
    if (agent !== undefined && --agent.streams === 0) this.agents.delete(stream.agentId);
    if (this.streams.size > 0) return;
    // No stream left: the channel is not heard any more, so no entry can be kept up to date.
    const subscription = this.subscription;
    this.subscription = undefined;
    this.subscriptions += 1;
    this.slots = new Map();
    subscription
      ?.then((unsubscribe) => unsubscribe())
      .catch((error: unknown) => this.options.log.warn({ err: error }, 'could not end the inbox subscription'));
  }

  /**
   * Inbox events may have been lost (a bus gap): the entries of the conversations named are read again and sent to
   * every stream; with 'all' every entry is dropped (the streams ask their clients to refetch their lists).
   */
  resync(conversations: ReadonlySet<string> | 'all'): void {
    if (conversations === 'all') {
      this.slots = new Map();
      return;
    }
    for (const conversationId of conversations) {
      const slot = this.slots.get(conversationId);
      if (slot !== undefined) slot.entry = undefined;
      this.rereads.add(conversationId);
    }
    if (this.rereadScheduled) return;
    this.rereadScheduled = true;
    // Every stream of the node is told of the same gap in the same turn: one read each for all of them.
    setImmediate(() => {
      this.rereadScheduled = false;
      const named = [...this.rereads];
      this.rereads.clear();
      for (const conversationId of named) this.change(conversationId, 'reread');
    });
  }

  private receive(payload: string): void {
    const event = parseInboxEvent(payload);
    if (event !== undefined) this.change(event.conversationId, event);
  }

  private change(conversationId: string, change: Change): void {
    let slot = this.slots.get(conversationId);
    if (slot === undefined) slot = { entry: undefined, agentsAt: 0, queue: [], running: false };
    // Last changed, last out.
    this.slots.delete(conversationId);
    this.slots.set(conversationId, slot);
    slot.queue.push(change);
    if (!slot.running) void this.drain(conversationId, slot);
    this.evict();
  }

  private evict(): void {
    const max = this.options.maxEntries ?? MAX_ENTRIES;
    if (this.slots.size <= max) return;
    for (const [conversationId, slot] of this.slots) {
      if (this.slots.size <= max) return;
      if (!slot.running) this.slots.delete(conversationId);
    }
  }

  private async drain(conversationId: string, slot: Slot): Promise<void> {
    slot.running = true;
    try {
      while (slot.queue.length > 0) {
        const changes = slot.queue.splice(0);
        const agentIds = [...this.agents.keys()];
        if (agentIds.length === 0) {
          slot.entry = undefined;
          continue;
        }
        let entry = slot.entry;
        if (!this.applied(slot, changes)) {
          slot.entry = undefined;
          const slots = this.slots;
          const agentsAt = this.agentJoins;
          this.reads += 1;
          const snapshot = await this.options.read(conversationId, agentIds);
          entry = snapshot === undefined ? undefined : new InboxEntry(snapshot, this.now());
          // Kept unless the entries were dropped meanwhile (a gap, no stream left): it may predate what was lost.
          if (slots === this.slots && this.slots.get(conversationId) === slot) {
            slot.entry = entry;
            slot.agentsAt = agentsAt;
          }
        }
        // Gone (erased): nothing to show.
        if (entry !== undefined) this.deliver(entry, reasonOf(changes));
      }
    } catch (error) {
      slot.entry = undefined;
      slot.queue.length = 0;
      for (const stream of [...this.streams]) stream.fail(error);
    } finally {
      slot.running = false;
    }
  }

  /**
   * Applies the changes to the slot's entry; false when it must be read instead: there is none, it is too old or
   * does not hold every agent with a stream here, or a change cannot be applied (the entry is then half updated:
   * the caller drops it).
   */
  private applied(slot: Slot, changes: readonly Change[]): boolean {
    const entry = slot.entry;
    if (entry === undefined || this.now() - entry.readAt > (this.options.maxAgeMs ?? MAX_AGE_MS)) return false;
    for (const agent of this.agents.values()) if (agent.joinedAt > slot.agentsAt) return false;
    return changes.every((change) => {
      if (change === 'reread') return false;
      if (change.message !== undefined) return entry.applyMessage(change.message);
      // Another node's agent, or one gone from here: nothing of theirs is shown here.
      if (change.read !== undefined) return !this.agents.has(change.read.agentId) || entry.applyRead(change.read.agentId, change.read.seq);
      return false;
    });
  }

  /**
   * Serialised once per change, not once per stream: every agent's frame is the same but for their unread count,
   * which is written first (`{"type":"inbox","reason":…,"item":{"unread":N,…the rest}}`).
   */
  private deliver(entry: InboxEntry, reason: InboxEventReason): void {
    const { unread: _unread, ...rest } = entry.itemAt(this.now());
    const head = `{"type":"inbox","reason":${JSON.stringify(reason)},"item":{"unread":`;
    const tail = `,${JSON.stringify(rest).slice(1)}}`;
    const frames = new Map<string, string>();
    for (const stream of [...this.streams]) {
      let frame = frames.get(stream.agentId);
      if (frame === undefined) {
        frame = `${head}${entry.unread(stream.agentId)}${tail}`;
        frames.set(stream.agentId, frame);
      }
      stream.deliver(frame);
    }
  }

  private now(): number {
    return (this.options.now ?? Date.now)();
  }
}

/** One frame for several changes says `created` if one was the conversation's first message, else the last reason. */
function reasonOf(changes: readonly Change[]): InboxEventReason {
  if (changes.some((change) => change !== 'reread' && change.reason === 'created')) return 'created';
  const last = changes.at(-1);
  return last === undefined || last === 'reread' ? 'message' : last.reason;
}
