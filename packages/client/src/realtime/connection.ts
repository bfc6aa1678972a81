import { CLOSE_CODES, closeAction, HEARTBEAT_MS, type ClientFrame, type Message, type ServerFrame } from '@parley/protocol';
import { BACKOFF_CAP_MS, backoffDelay } from './backoff.js';
import { createClientId } from './client-id.js';
import type { ConnectionEvents, ConnectionOptions, ConnectionState, Schedule } from './connection-types.js';
import { availableTransports, createTransport } from './create-transport.js';
import { BacklogBuffer } from './backlog-buffer.js';
import { Emitter } from './emitter.js';
import { isHttpClose } from './http-send.js';
import { FramePacer } from './frame-pacer.js';
import { Outbox, permanent, type OutboxEntry } from './outbox.js';
import { defaultSchedule, noop } from './schedule.js';
import { TransportPicker, type LinkFailure } from './transport-picker.js';
import { ABNORMAL_CLOSE, closeFromStatus, oversized, type Transport, type TransportClose } from './transport.js';

/**
 * The longest wait before retrying a link that was refused or reset (full jitter below it; the widget waits
 * the same before retrying a session creation that failed for a passing reason): a node that
 * restarts is back in seconds, and so should its clients be; the jitter spreads them so it is not stormed.
 * Waits the server names (`reconnect`) and repeated re-auth failures keep the long backoff.
 */
export const LOST_CAP_MS = 5_000;
/** How long a send may keep failing for a passing reason before the visitor sees it failed (with Retry). */
export const SEND_PATIENCE_MS = 30_000;

/**
 * One visitor's (or agent's) realtime link: picks a transport, resumes from lastSeq, keeps the outbox
 * until acks, reconnects with full-jitter backoff. Every transport callback carries the generation it
 * was created in; once a link is replaced its late callbacks are ignored (centrifuge-js `_transportId`).
 */
export class Connection extends Emitter<ConnectionEvents> {
  private current: ConnectionState = { kind: 'idle' };
  private transport: Transport | undefined;
  /** Bumped per link: frames of a replaced link are ignored, and sends wait for theirs (protected for CallingConnection). */
  protected generation = 0;
  private attempt = 0;
  private seq: number;
  private token: string;
  private heartbeatMs = HEARTBEAT_MS;
  private pendingRead = 0;
  private conversationId: string | null = null;
  private sendChain: Promise<unknown> = Promise.resolve();
  private pacer: FramePacer;
  private readonly outbox: Outbox;
  private readonly picker: TransportPicker;
  private readonly schedule: Schedule;
  private readonly cancels = { open: noop, watchdog: noop, stable: noop, retry: noop };
  private readonly unsubscribe: (() => void)[] = [];
  private readonly backlog: BacklogBuffer;

  constructor(private readonly options: ConnectionOptions) {
    super();
    this.seq = options.lastSeq ?? 0;
    this.pacer = new FramePacer(options.now ?? Date.now);
    this.token = options.token;
    this.outbox = new Outbox(options.initialOutbox);
    this.picker = new TransportPicker(options.transports ?? availableTransports(options));
    this.schedule = options.schedule ?? defaultSchedule;
    this.backlog = new BacklogBuffer(this.schedule, (messages, acks) => {
      this.emit('messages', messages);
      for (const ack of acks) this.emit('ack', ack);
    });
  }

  get state(): ConnectionState {
    return this.current;
  }

  /** The highest message seq received: persist it beside the messages to resume there next time. */
  get lastSeq(): number {
    return this.seq;
  }

  connect(): void {
    if (this.current.kind !== 'idle') return;
    const network = this.options.network;
    if (network !== undefined) {
      this.unsubscribe.push(network.onOffline(() => this.goOffline()));
      this.unsubscribe.push(network.onOnline(() => this.wake('offline')));
      if (network.onVisible !== undefined) this.unsubscribe.push(network.onVisible(() => this.wake('lost')));
    }
    this.start();
  }

  close(): void {
    this.teardown();
    for (const stop of this.unsubscribe.splice(0)) stop();
    this.setState({ kind: 'closed', reason: 'client', code: null });
  }

  /**
   * Queues a message; it stays in the outbox (see `snapshot()`) until the server acks it. `clientId` is the
   * idempotency key when the caller made one (a widget tab asking another to send); a key already queued is not
   * queued twice, and the server stores a key once per conversation.
   */
  send(text: string, clientId?: string): OutboxEntry {
    const now = (this.options.now ?? Date.now)();
    const held = clientId === undefined ? undefined : this.outbox.get(clientId);
    if (held !== undefined) return held;
    const entry = this.outbox.push(clientId ?? createClientId(now, this.options.random), text, now);
    if (this.current.kind === 'open') this.transmit(entry, this.generation);
    return entry;
  }

  /** Sends a failed message again (the user pressed retry). */
  retry(clientId: string): void {
    const entry = this.outbox.retry(clientId);
    if (entry !== undefined && this.current.kind === 'open') this.transmit(entry, this.generation);
  }

  discard(clientId: string): boolean {
    return this.outbox.discard(clientId);
  }

  /** The unacked messages, for the widget to persist and pass back as `initialOutbox`. */
  snapshot(): readonly OutboxEntry[] {
    return this.outbox.snapshot();
  }

  typing(active: boolean): void {
    // Typing is ephemeral: when the link is down there is nothing worth keeping.
    if (this.current.kind === 'open') this.sendFrame({ type: 'typing', active }, this.generation);
  }

  /** Marks everything up to `seq` read; kept and sent on the next link when offline (read cursors are durable). */
  markRead(seq: number): void {
    if (seq <= this.pendingRead) return;
    this.pendingRead = seq;
    if (this.current.kind === 'open') this.sendFrame({ type: 'read', seq }, this.generation);
  }

  private start(): void {
    const generation = ++this.generation;
    const name = this.picker.current();
    const target = { baseUrl: this.options.baseUrl, token: this.token, lastSeq: this.seq, batch: this.options.batches === true };
    const transport = createTransport(name, target, this.options);
    this.transport = transport;
    this.setState({ kind: 'connecting', transport: name, attempt: this.attempt });
    this.cancels.open = this.schedule(
      () => this.linkFailed(generation, { code: ABNORMAL_CLOSE, reason: 'open timeout' }, 'timeout'),
      this.options.openTimeoutMs ?? 4000,
    );
    transport
      .open(
        (frame) => this.onFrame(generation, frame),
        (close) => this.linkFailed(generation, close, 'error'),
      )
      .then(
        () => this.onOpen(generation),
        // A transport that fails reports through onClose too; this covers constructors that throw.
        () => this.linkFailed(generation, { code: ABNORMAL_CLOSE, reason: 'open failed' }, 'error'),
      );
  }

  private onOpen(generation: number): void {
    if (generation !== this.generation || this.transport === undefined) return;
    this.cancels.open();
    this.picker.opened();
    const conversationId = this.conversationId;
    this.setState({ kind: 'open', transport: this.transport.name, conversationId });
    this.kickWatchdog(generation);
    this.cancels.stable = this.schedule(() => (this.attempt = 0), this.options.stableMs ?? 5000);
    this.emit('ready', { transport: this.transport.name, conversationId });
    for (const entry of this.outbox.sendable()) this.transmit(this.outbox.retry(entry.clientId) ?? entry, generation);
    if (this.pendingRead > 0) this.sendFrame({ type: 'read', seq: this.pendingRead }, generation);
  }

  private onFrame(generation: number, frame: ServerFrame): void {
    if (generation !== this.generation) return;
    this.kickWatchdog(generation);
    // Held backlog goes first: every other frame keeps its place after the messages it followed.
    if (frame.type !== 'messages' && frame.type !== 'ping' && frame.type !== 'pong') this.backlog.flush();
    switch (frame.type) {
      case 'welcome':
        this.backlog.expect(frame.lastSeq);
        this.conversationId = frame.conversationId;
        this.heartbeatMs = frame.heartbeatMs > 0 ? frame.heartbeatMs : HEARTBEAT_MS;
        // The conversation's owner and (to visitors) presence as of this welcome: a page that reconnects (a reload, a
        // return) shows who answers, the expected reply time and offline or async mode before anything changes.
        if (frame.status) this.emit('frame', frame.status);
        if (frame.presence) this.emit('frame', frame.presence);
        return;
      case 'message': {
        if (frame.message.seq <= this.seq) return; // Already held: a resend overlap or a replayed backlog.
        this.seq = frame.message.seq;
        // Our own message coming back proves it is stored, even if its ack was lost.
        const own = frame.message.clientId === null ? undefined : this.outbox.ack(frame.message.clientId);
        this.emit('message', frame.message);
        if (own !== undefined)
          this.emit('ack', { clientId: own.clientId, seq: frame.message.seq, messageId: frame.message.id, duplicate: false });
        return;
      }
      case 'messages':
        return this.onMessages(frame.messages);
      case 'ack':
        if (this.outbox.ack(frame.clientId) !== undefined) {
          this.emit('ack', { clientId: frame.clientId, seq: frame.seq, messageId: frame.messageId, duplicate: frame.duplicate });
        }
        return;
      case 'error': {
        const entry = frame.clientId === undefined ? undefined : this.refused(frame.clientId, frame, generation);
        const about = entry === undefined ? {} : { clientId: entry.clientId, retryable: entry.retryable };
        return this.emit('error', { code: frame.code, message: frame.message, ...about });
      }
      case 'typing':
        return this.emit('typing', frame);
      case 'read':
        return this.emit('read', frame);
      case 'close':
        // SSE and poll have no close frame of their own: the server names the WebSocket close code in-band.
        return this.linkFailed(generation, { code: frame.code, reason: frame.reason }, 'error');
      case 'reconnect':
        this.teardown();
        this.scheduleRetry(frame.afterMs, 'server');
        return;
      case 'ping':
      case 'pong':
        return; // Liveness only: the watchdog was kicked above.
      default:
        this.emit('frame', frame);
    }
  }

  /** A batch: what is new in it joins the backlog, delivered in one `messages` event (or `message` each, to a caller that did not ask for batches). */
  private onMessages(messages: readonly Message[]): void {
    const fresh: Message[] = [];
    const acks: ConnectionEvents['ack'][] = [];
    for (const message of messages) {
      if (message.seq <= this.seq) continue;
      this.seq = message.seq;
      fresh.push(message);
      const own = message.clientId === null ? undefined : this.outbox.ack(message.clientId);
      if (own !== undefined) acks.push({ clientId: own.clientId, seq: message.seq, messageId: message.id, duplicate: false });
    }
    if (fresh.length === 0) return;
    if (this.options.batches === true) return this.backlog.add(fresh, acks);
    for (const message of fresh) this.emit('message', message);
    for (const ack of acks) this.emit('ack', ack);
  }

  /** A link ended or never opened. Only the current generation counts. */
  private linkFailed(generation: number, close: TransportClose, kind: LinkFailure): void {
    if (generation !== this.generation) return;
    const wasOpen = this.current.kind === 'open';
    this.teardown();
    const action = closeAction(close.code);
    if (action === 'stop') return this.setState({ kind: 'closed', reason: 'forbidden', code: close.code });
    if (action === 'reauth') return void this.reauth(close.code);
    // A link gone silent may be held back by a proxy: the picker decides whether another transport is worth a try.
    if ((!wasOpen || kind === 'silent') && this.picker.failed(kind)) return this.start(); // Falling back: no reason to wait.
    this.scheduleRetry(this.nextDelay(LOST_CAP_MS), 'lost');
  }

  private nextDelay(lostCapMs = Infinity): number {
    const { backoffBaseMs: baseMs, backoffCapMs, random } = this.options;
    return backoffDelay(this.attempt++, { baseMs, capMs: Math.min(backoffCapMs ?? BACKOFF_CAP_MS, lostCapMs), random });
  }

  private async reauth(code: number): Promise<void> {
    const generation = this.generation;
    this.setState({ kind: 'reconnecting', attempt: this.attempt, delayMs: null, reason: 'reauth' });
    this.emit('reauth', undefined);
    const getToken = this.options.getToken;
    const token = getToken === undefined ? undefined : await getToken().catch(() => undefined);
    if (generation !== this.generation || this.current.kind !== 'reconnecting') return; // Closed or offline meanwhile.
    if (token === undefined) return this.setState({ kind: 'closed', reason: 'unauthorized', code });
    this.token = token;
    // The first re-auth is immediate; a token refused again and again backs off like any failure.
    this.scheduleRetry(this.attempt === 0 ? (this.attempt++, 0) : this.nextDelay(), 'reauth');
  }

  private scheduleRetry(delayMs: number, reason: 'lost' | 'server' | 'reauth'): void {
    const generation = this.generation;
    this.setState({ kind: 'reconnecting', attempt: this.attempt, delayMs, reason });
    this.cancels.retry = this.schedule(() => {
      if (generation === this.generation && this.current.kind === 'reconnecting') this.start();
    }, delayMs);
  }

  private goOffline(): void {
    if (this.current.kind === 'idle' || this.current.kind === 'closed') return;
    this.teardown();
    this.setState({ kind: 'reconnecting', attempt: this.attempt, delayMs: null, reason: 'offline' });
  }

  /**
   * Back online (`also` = 'offline') or the page shown again: a link waiting out a backoff tries now, not
   * seconds later. A wait the server asked for (`reconnect`) and a pending re-auth are left alone.
   */
  private wake(also: 'offline' | 'lost'): void {
    const state = this.current;
    if (state.kind !== 'reconnecting' || (state.reason !== 'lost' && state.reason !== also)) return;
    this.cancels.retry();
    this.attempt = 0;
    this.start();
  }

  /**
   * A send the server refused. Resending is safe (the server stores a clientId once), so a passing refusal
   * (the store could not write, the rate limit) is resent on this link after a backoff and stays pending,
   * "sending…", until refusals have lasted SEND_PATIENCE_MS; then it shows failed, with Retry, and each new
   * link still resends it. Permanent ones (too large, invalid) fail at once.
   */
  private refused(clientId: string, error: Extract<ServerFrame, { type: 'error' }>, generation: number): OutboxEntry | undefined {
    if (error.retryAfterMs !== undefined) return this.limited(clientId, error, error.retryAfterMs, generation);
    const refusal = permanent(error.code) ? undefined : this.outbox.refused(clientId, (this.options.now ?? Date.now)());
    if (refusal === undefined || refusal.forMs >= SEND_PATIENCE_MS) return this.outbox.fail(clientId, error.code, error.message);
    this.schedule(
      () => {
        const entry = this.outbox.get(clientId);
        if (generation === this.generation && this.current.kind === 'open' && entry?.status === 'pending') this.transmit(entry, generation);
      },
      backoffDelay(refusal.count - 1, { baseMs: 1_000, random: this.options.random }),
    );
    return this.outbox.get(clientId);
  }

  /**
   * A volume limit refused the send and said how long to wait: the entry shows failed at once with that
   * wait (the visitor learns why, "try again in N s") and is resent by itself when the wait is over,
   * or on the next link; an earlier resend would only be refused again.
   */
  private limited(
    clientId: string,
    error: Extract<ServerFrame, { type: 'error' }>,
    waitMs: number,
    generation: number,
  ): OutboxEntry | undefined {
    const failed = this.outbox.fail(clientId, error.code, error.message, waitMs);
    this.schedule(() => {
      const entry = this.outbox.get(clientId);
      if (entry === undefined || generation !== this.generation || this.current.kind !== 'open' || entry.error !== failed?.error) return;
      this.transmit(this.outbox.retry(clientId) ?? entry, generation);
    }, waitMs);
    return failed;
  }

  private transmit(entry: OutboxEntry, generation: number): void {
    const frame: ClientFrame = { type: 'send', clientId: entry.clientId, text: entry.text };
    // The server would answer an oversized frame with a 4009 close, and a resend would loop: refuse it here.
    if (!oversized(frame)) return this.sendFrame(frame, generation);
    this.onFrame(generation, { type: 'error', code: 'PARLEY_ERR_FRAME_TOO_LARGE', message: 'message too large', clientId: entry.clientId });
  }

  /** Sends in order (HTTP transports wait for each answer), and treats a failed send as a broken link. */
  protected sendFrame(frame: ClientFrame, generation: number): void {
    const transport = this.transport;
    if (transport === undefined) return;
    this.sendChain = this.sendChain.then(async () => {
      if (generation !== this.generation) return; // Left for the next link's flush.
      for (let wait = this.pacer.delay(); wait > 0; wait = this.pacer.delay()) {
        await new Promise<void>((resume) => this.schedule(resume, wait));
        if (generation !== this.generation) return;
      }
      try {
        const answer = await transport.send(frame);
        if (answer !== undefined) this.onFrame(generation, answer);
      } catch (error) {
        const close = isHttpClose(error) ? closeFromStatus(error.status) : { code: ABNORMAL_CLOSE, reason: 'send failed' };
        this.linkFailed(generation, close, 'error');
      }
    });
  }

  private kickWatchdog(generation: number): void {
    this.cancels.watchdog();
    if (this.current.kind !== 'open' || this.transport?.heartbeats !== true) return;
    this.cancels.watchdog = this.schedule(
      () => this.linkFailed(generation, { code: CLOSE_CODES.HEARTBEAT_TIMEOUT.code, reason: 'heartbeat timeout' }, 'silent'),
      this.heartbeatMs * 2.5,
    );
  }

  /** Ends the current link and its timers; bumping the generation makes every late callback of it a no-op. */
  private teardown(): void {
    this.backlog.flush();
    this.generation++;
    for (const key of ['open', 'watchdog', 'stable', 'retry'] as const) {
      this.cancels[key]();
      this.cancels[key] = noop;
    }
    this.transport?.close();
    this.transport = undefined;
    // A send still hanging on the old link must not hold up the next link's flush.
    this.sendChain = Promise.resolve();
    this.pacer = new FramePacer(this.options.now ?? Date.now);
  }

  private setState(state: ConnectionState): void {
    this.current = state;
    this.emit('state', state);
  }
}
