import type { Message } from '@parley/protocol';
import type { ConnectionEvents, Schedule } from './connection-types.js';
import { noop } from './schedule.js';

type Ack = ConnectionEvents['ack'];

/**
 * A link's backlog can be a few `messages` frames in a row (the gateway sends at most 200 messages a
 * frame): held here until the last one is in, they reach the caller as one `messages` event, so a
 * thousand messages cost one render, not five. The backlog ends at the `welcome`'s lastSeq; as that
 * may be a private note a visitor never receives, a short wait after the last frame ends it too.
 */
export class BacklogBuffer {
  /** Longest wait for the rest of a backlog that did not reach welcome's lastSeq. */
  static readonly WAIT_MS = 50;
  private messages: Message[] = [];
  private acks: Ack[] = [];
  private until = 0;
  private cancel = noop;

  constructor(
    private readonly schedule: Schedule,
    private readonly deliver: (messages: readonly Message[], acks: readonly Ack[]) => void,
  ) {}

  /** A new link's welcome: its backlog goes up to this seq. */
  expect(lastSeq: number): void {
    this.until = lastSeq;
  }

  add(messages: readonly Message[], acks: readonly Ack[]): void {
    this.messages.push(...messages);
    this.acks.push(...acks);
    this.cancel();
    if ((messages.at(-1)?.seq ?? 0) >= this.until) return this.flush();
    this.cancel = this.schedule(() => this.flush(), BacklogBuffer.WAIT_MS);
  }

  /** Hands over what is held: at the end of the backlog, before any other frame, and when the link ends. */
  flush(): void {
    this.cancel();
    this.cancel = noop;
    if (this.messages.length === 0) return;
    const { messages, acks } = this;
    this.messages = [];
    this.acks = [];
    this.deliver(messages, acks);
  }
}
