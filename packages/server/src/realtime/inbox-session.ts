import { CLOSE_CODES, HEARTBEAT_MS, HELLO_TIMEOUT_MS, MAX_OUTBOUND_BYTES, REALTIME_VERSION, type ServerFrame } from '@parley/protocol';
import type { FastifyBaseLogger } from 'fastify';
import type { Principal } from './authenticate.js';
import { connectionRateLimit, errorFrame, parseClientFrame } from './client-frames.js';
import { inboxOnly } from './conversation-hooks.js';
import type { InboxItems, InboxStream } from './inbox-items.js';
import type { Sink } from './session.js';

export interface InboxSessionDeps {
  readonly log: FastifyBaseLogger;
  /** The node's inbox entries: every changed conversation's entry as each stream's agent sees it. */
  readonly items: Pick<InboxItems, 'join' | 'leave' | 'resync'>;
  readonly helloTimeoutMs?: number;
  readonly heartbeatMs?: number;
}

/** Past this many stale entries a resync asks the client to refetch its list rather than reading each. */
const RESYNC_ENTRIES_MAX = 50;
/** Inbox streams asked to refetch at once reconnect over this spread, so a Redis blip is not a stampede. */
const RESYNC_RECONNECT_SPREAD_MS = 3000;

/**
 * An agent's inbox stream (`?inbox=1`): hello → welcome, then an `inbox` frame with the fresh list
 * entry whenever a conversation changes (new message, owner, assignee, status, the agent's reads).
 * Nothing is replayed: after a reconnect the console refetches its list (`GET /v1/inbox`).
 */
export class InboxSession implements InboxStream {
  private state: 'awaiting-hello' | 'open' | 'closed' = 'awaiting-hello';
  private joined = false;
  /** Entries are sent after the welcome: one that changed before it is in the list the client reads after it. */
  private welcomed = false;
  private helloTimer: NodeJS.Timeout | undefined;
  private readonly bucket = connectionRateLimit();

  constructor(
    private readonly deps: InboxSessionDeps,
    readonly principal: Principal,
    private readonly sink: Sink,
    private readonly onClosed: (session: InboxSession) => void = () => undefined,
  ) {}

  get closed(): boolean {
    return this.state === 'closed';
  }

  get agentId(): string {
    return this.principal.author.id;
  }

  /**
   * Inbox events may have been lost between nodes: the entries of the conversations named are sent
   * again as they are now (as `message` events: the reason is not known); when they cannot be named,
   * or are too many, the client is asked to reconnect, which makes it refetch its whole list.
   */
  resync(conversations: ReadonlySet<string> | 'all'): void {
    if (this.state !== 'open') return;
    if (conversations === 'all' || conversations.size > RESYNC_ENTRIES_MAX) {
      this.deps.items.resync('all');
      const afterMs = Math.floor(Math.random() * RESYNC_RECONNECT_SPREAD_MS);
      this.send({ type: 'reconnect', afterMs, reason: 'inbox events may have been missed' });
      this.close(CLOSE_CODES.SERVER_RESTART.code, 'inbox resync');
      return;
    }
    // Read again once for the node's streams, and sent to each (as `message` events: the reason is not known).
    this.deps.items.resync(conversations);
  }

  awaitHello(): void {
    this.helloTimer = setTimeout(() => {
      this.send(errorFrame('PARLEY_ERR_FRAME_HELLO_REQUIRED', 'Send hello first, within the hello timeout.'));
      this.close(CLOSE_CODES.PROTOCOL_ERROR.code, 'no hello');
    }, this.deps.helloTimeoutMs ?? HELLO_TIMEOUT_MS);
  }

  async receive(raw: string): Promise<void> {
    if (this.state === 'closed') return;
    if (!this.bucket.take()) {
      this.send(errorFrame('PARLEY_ERR_FRAME_RATE_LIMITED', 'Too many frames; slow down.'));
      this.close(CLOSE_CODES.RATE_LIMITED.code, 'rate limited');
      return;
    }
    const parsed = parseClientFrame(raw);
    if (!parsed.ok) {
      this.send(parsed.error);
      if (parsed.closeCode !== undefined) this.close(parsed.closeCode, parsed.error.type);
      return;
    }
    if (parsed.frame.type === 'hello') {
      await this.hello();
      return;
    }
    const answer = parsed.frame.type === 'ping' ? ({ type: 'pong' } as const) : inboxOnly(parsed.frame);
    if (answer !== undefined) this.send(answer);
  }

  async hello(): Promise<void> {
    if (this.state !== 'awaiting-hello') return;
    clearTimeout(this.helloTimer);
    this.state = 'open';
    this.joined = true;
    await this.deps.items.join(this);
    if (this.closed) return;
    this.send({ type: 'welcome', v: REALTIME_VERSION, conversationId: '', lastSeq: 0, heartbeatMs: this.deps.heartbeatMs ?? HEARTBEAT_MS });
    this.welcomed = true;
  }

  send(frame: ServerFrame): void {
    if (this.state === 'closed') return;
    this.sink.write(JSON.stringify(frame), { type: frame.type, seq: 0 });
    if (this.sink.pendingBytes() > MAX_OUTBOUND_BYTES) this.close(CLOSE_CODES.SLOW_CONSUMER.code, 'slow consumer');
  }

  close(code: number, reason: string): void {
    if (this.state === 'closed') return;
    this.state = 'closed';
    clearTimeout(this.helloTimer);
    if (this.joined) this.deps.items.leave(this);
    this.sink.close(code, reason);
    this.onClosed(this);
  }

  fail(error: unknown): void {
    this.deps.log.error({ err: error, agentId: this.principal.author.id }, 'inbox stream failed');
    this.close(CLOSE_CODES.SERVER_RESTART.code, 'server error');
  }

  /** An `inbox` frame, serialised by the node's entries (realtime/inbox-items.ts) once for every stream of its agent. */
  deliver(frame: string): void {
    if (!this.welcomed || this.state === 'closed') return;
    this.sink.write(frame, { type: 'inbox', seq: 0 });
    if (this.sink.pendingBytes() > MAX_OUTBOUND_BYTES) this.close(CLOSE_CODES.SLOW_CONSUMER.code, 'slow consumer');
  }
}
