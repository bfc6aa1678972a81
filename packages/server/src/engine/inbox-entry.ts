import type { InboxItem, Message } from '@parley/protocol';
import type { InboxRow, ReadPositions } from '../store/inbox-store.js';
import { messageOf, toItem } from './inbox-service.js';

/** What one read of a conversation's inbox entry gives (InboxService.entry): the entry, and where each agent stands. */
export interface InboxSnapshot extends ReadPositions {
  readonly row: InboxRow;
  readonly call: InboxItem['call'] | undefined;
}

/**
 * A conversation's inbox entry as a node's inbox streams keep it, so that the common events need no read: a new
 * message (the next seq) becomes its last message and activity, and is unread for every agent whose cursor is
 * below it; an agent's read moves their cursor. Everything else an entry shows (owner, assignee, team, status,
 * contact, call) changes only by a read (InboxService.entry): `apply*` answers false when an event cannot be
 * applied, and the caller reads the entry again.
 *
 * Unread counts: at the read, the count after each agent's position up to `base` (the entry's last seq then); after
 * it, the seqs of the visitor messages applied since. An agent at or after `base` counts those after their cursor;
 * one before it, their count at the read plus all of them.
 */
export class InboxEntry {
  private readonly base: number;
  private lastSeq: number;
  private updatedAt: string;
  private lastMessage: Message | null;
  /** Visitor messages applied since the read, ascending (all after `base`). */
  private readonly visitorSeqs: number[] = [];
  private readonly cursors: Map<string, number>;

  /** `readAt`: when it was read (ms); the caller reads it again past an age of its choosing. */
  constructor(
    private readonly snapshot: InboxSnapshot,
    readonly readAt: number,
  ) {
    this.base = Number(snapshot.row.last_seq);
    this.lastSeq = this.base;
    this.updatedAt = snapshot.row.updated_at;
    this.lastMessage = messageOf(snapshot.row);
    this.cursors = new Map(snapshot.cursors);
  }

  /** A message stored in this conversation. False when it cannot be applied (a seq was skipped: read again). */
  applyMessage(message: Message): boolean {
    if (message.seq <= this.lastSeq) return true; // Already in the entry: it was read after this message was stored.
    if (message.seq !== this.lastSeq + 1) return false;
    this.lastSeq = message.seq;
    // The append sets the conversation's activity to the message's time (store/message-writer.ts).
    this.updatedAt = message.createdAt;
    this.lastMessage = {
      id: message.id,
      conversationId: message.conversationId,
      seq: message.seq,
      author: { role: message.author.role, id: message.author.id, name: message.author.name },
      type: message.type,
      text: message.text,
      payload: message.payload,
      clientId: message.clientId,
      createdAt: message.createdAt,
    };
    if (message.author.role === 'visitor') this.visitorSeqs.push(message.seq);
    return true;
  }

  /**
   * An agent's read cursor moved to `seq` (cursors only move forward). False when their unread count there is not
   * known (a position before the read that no agent held then): read again.
   */
  applyRead(agentId: string, seq: number): boolean {
    const position = Math.max(this.cursors.get(agentId) ?? 0, seq);
    if (this.unreadAfter(position) === undefined) return false;
    this.cursors.set(agentId, position);
    return true;
  }

  /** The entry as it is now, for every agent: `unread` is theirs (`unread`), 0 here. */
  itemAt(now: number): InboxItem {
    const row = { ...this.snapshot.row, updated_at: this.updatedAt, last_seq: this.lastSeq, unread: 0 };
    return toItem(row, now, this.snapshot.call, this.lastMessage);
  }

  /** The agent's unread count: the visitor messages after their read cursor. */
  unread(agentId: string): number {
    return this.unreadAfter(this.cursors.get(agentId) ?? 0) ?? 0;
  }

  private unreadAfter(position: number): number | undefined {
    if (position >= this.base) {
      let count = 0;
      for (let at = this.visitorSeqs.length - 1; at >= 0 && (this.visitorSeqs[at] ?? 0) > position; at--) count++;
      return count;
    }
    const atRead = this.snapshot.unreadAfter.get(position);
    return atRead === undefined ? undefined : atRead + this.visitorSeqs.length;
  }
}
