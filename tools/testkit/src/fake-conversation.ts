import type { AuthorRole, Message, ServerFrame } from '@parley/protocol';

/** One live link of the fake gateway, whatever its transport. */
export interface Subscriber {
  send(frame: ServerFrame): void;
  /** Drops the link without a word (network failure). */
  kill(): void;
  /** Ends the link politely, with a WebSocket close code where the transport has one. */
  close(code: number, reason: string): void;
}

interface Waiter {
  readonly since: number;
  readonly reply: (frames: readonly ServerFrame[]) => void;
  readonly kill: () => void;
  readonly timer: ReturnType<typeof setTimeout>;
}

/** The fake gateway's one conversation: seq assignment, de-dup by clientId, and fan-out to every link. */
export class FakeConversation {
  readonly id = 'conv_fake';
  readonly messages: Message[] = [];
  private readonly byClientId = new Map<string, Message>();
  private readonly subscribers = new Set<Subscriber>();
  private waiters: Waiter[] = [];

  get lastSeq(): number {
    return this.messages.at(-1)?.seq ?? 0;
  }

  /** Stores a message (or finds it by clientId: then `duplicate`) and sends it to every live link but `exclude`. */
  append(
    input: { readonly text: string; readonly clientId: string | null; readonly role: AuthorRole },
    exclude?: Subscriber,
  ): { message: Message; duplicate: boolean } {
    const known = input.clientId === null ? undefined : this.byClientId.get(input.clientId);
    if (known !== undefined) return { message: known, duplicate: true };
    const seq = this.lastSeq + 1;
    const message: Message = {
      id: `msg_${String(seq).padStart(6, '0')}`,
      conversationId: this.id,
      seq,
      author: { role: input.role, id: `${input.role}_1`, name: input.role },
      type: 'text',
      text: input.text,
      payload: null,
      clientId: input.clientId,
      createdAt: new Date().toISOString(),
    };
    this.messages.push(message);
    if (input.clientId !== null) this.byClientId.set(input.clientId, message);
    for (const subscriber of this.subscribers) if (subscriber !== exclude) subscriber.send({ type: 'message', message });
    const waiters = this.waiters;
    this.waiters = [];
    for (const waiter of waiters) {
      clearTimeout(waiter.timer);
      waiter.reply(this.after(waiter.since));
    }
    return { message, duplicate: false };
  }

  after(since: number): ServerFrame[] {
    return this.messages.filter((message) => message.seq > since).map((message) => ({ type: 'message', message }));
  }

  /** Sends the backlog after `lastSeq`, then live frames. */
  subscribe(subscriber: Subscriber, lastSeq: number): void {
    for (const frame of this.after(lastSeq)) subscriber.send(frame);
    this.subscribers.add(subscriber);
  }

  unsubscribe(subscriber: Subscriber): void {
    this.subscribers.delete(subscriber);
  }

  broadcast(frame: ServerFrame): void {
    for (const subscriber of this.subscribers) subscriber.send(frame);
  }

  /** A long poll: answered by the next message, or empty after `waitMs`. */
  waitForNews(since: number, waitMs: number, reply: (frames: readonly ServerFrame[]) => void, kill: () => void): void {
    const timer = setTimeout(() => {
      this.waiters = this.waiters.filter((waiter) => waiter.timer !== timer);
      reply([]);
    }, waitMs);
    this.waiters.push({ since, reply, kill, timer });
  }

  killAll(): void {
    for (const subscriber of [...this.subscribers]) subscriber.kill();
    this.subscribers.clear();
    for (const waiter of this.waiters.splice(0)) {
      clearTimeout(waiter.timer);
      waiter.kill();
    }
  }

  /** Closes the oldest live link only (say, a link the client believes it already replaced). */
  closeOldest(code: number, reason: string): void {
    const [oldest] = this.subscribers;
    if (oldest === undefined) return;
    this.subscribers.delete(oldest);
    oldest.close(code, reason);
  }

  closeAll(code: number, reason: string): void {
    for (const subscriber of [...this.subscribers]) subscriber.close(code, reason);
    this.subscribers.clear();
    for (const waiter of this.waiters.splice(0)) {
      clearTimeout(waiter.timer);
      waiter.reply([{ type: 'close', code, reason }]);
    }
  }
}
