import {
  CLOSE_CODES,
  HEARTBEAT_MS,
  HELLO_TIMEOUT_MS,
  MAX_BATCH_FRAME_BYTES,
  MAX_BATCH_MESSAGES,
  MAX_OUTBOUND_BYTES,
  REALTIME_VERSION,
  type ClientFrame,
  type Message,
  type ServerFrame,
  type StatusFrame,
} from '@parley/protocol';
import { randomUUID } from 'node:crypto';
import type { FastifyBaseLogger } from 'fastify';
import { conversationChannel, type Bus } from '../bus/bus.js';
import type { BotTurns } from '../engine/bot-turns.js';
import type { ConversationEngine } from '../engine/conversation-engine.js';
import { decodeEvent, originKey } from '../engine/conversation-events.js';
import type { ConversationSignals } from '../engine/conversation-signals.js';
import { agentsChannel, isNote } from '../engine/private-notes.js';
import { inboxOnly, type RealtimeConversationHooks, type WelcomeConversation } from './conversation-hooks.js';
import type { Principal } from './authenticate.js';
import { connectionRateLimit, errorFrame, parseClientFrame } from './client-frames.js';
import type { VisitorLimits } from '../limits/visitor-limits.js';
import { isCallFrame, type CallService } from './calls/index.js';
import type { Admission, AdmissionTicket } from './admission.js';
import { sendAway } from './rebalancer.js';

/** What a transport gives the session: a way to write a serialised frame, to see its backlog, and to end the link. */
export interface Sink {
  write(json: string, frame: { readonly type: string; readonly seq: number }): void;
  /** Bytes written but not yet flushed to the client. */
  pendingBytes(): number;
  close(code: number, reason: string): void;
}

export interface SessionDeps {
  readonly engine: ConversationEngine;
  readonly botTurns: BotTurns;
  readonly signals: ConversationSignals;
  readonly bus: Bus;
  readonly log: FastifyBaseLogger;
  readonly helloTimeoutMs?: number;
  /** How often transports send a heartbeat (tests shorten it); HEARTBEAT_MS by default. */
  readonly heartbeatMs?: number;
  /** Ownership and presence in `welcome`, agents' replies; left out by tests of the bare protocol. */
  readonly conversations?: RealtimeConversationHooks;
  /** Visitors' sends count against the volume limits (left out by tests of the bare protocol). */
  readonly limits?: VisitorLimits;
  /** Voice and video calls (calls/); without it call frames are refused. */
  readonly calls?: CallService;
  /** Hellos take turns (reconnect storms); without it each starts its reads at once. */
  readonly admission?: Admission;
}

const BACKLOG_BATCH = 500;

/**
 * The realtime protocol, whatever the transport: hello → welcome → backlog after lastSeq → live
 * frames, plus the client's send / typing / read / ping. Messages reach the client strictly in seq
 * order, each once: the bus subscription starts before the backlog is read, every delivery goes
 * through one queue, and a live message that skips ahead makes the session read the gap from the DB.
 */
export class RealtimeSession {
  private state: 'awaiting-hello' | 'open' | 'closed' = 'awaiting-hello';
  /**
   * Who owns the conversation, as this link last heard (its welcome, then `status` frames): a visitor's send to a
   * conversation a human holds or has queued starts no bot turn, so it is not counted against the bot-turn limits.
   * Only a count: a status frame lost on the bus makes one message counted (or not) wrongly, never a turn skipped.
   */
  private owner: StatusFrame['owner'] | undefined;
  /** The highest seq written to this client. */
  private delivered = 0;
  /** The client said `batch` in hello: stored messages read from the database go out as `messages` frames. */
  private batch = false;
  private outbound: Promise<void> = Promise.resolve();
  private inbound: Promise<void> = Promise.resolve();
  private unsubscribe: (() => Promise<void>) | undefined;
  private helloTimer: NodeJS.Timeout | undefined;
  /** This hello's turn while it waits for or does its reads; gone once the welcome and backlog are written. */
  private turn: AdmissionTicket | undefined;
  private readonly bucket = connectionRateLimit();
  private readonly self: string;
  /**
   * This link's own id: calls bind to links (one browser tab), and their signalling is addressed to one.
   * Copied flat: randomUUID() returns a rope of 13 pieces (~500 B kept per idle link instead of ~60).
   */
  readonly linkId = Buffer.from(randomUUID(), 'latin1').toString('latin1');

  constructor(
    private readonly deps: SessionDeps,
    readonly principal: Principal,
    private readonly sink: Sink,
    private readonly onClosed: (session: RealtimeSession) => void = () => undefined,
  ) {
    this.self = originKey(principal.author);
  }

  get closed(): boolean {
    return this.state === 'closed';
  }

  /** Events may have been lost between nodes (the bus reconnected): re-read everything after what was delivered. */
  resync(): void {
    if (this.state === 'open') this.enqueue(() => this.catchUp());
  }

  /** WebSocket: wait for the client's hello. (SSE and poll say lastSeq in the URL and call `hello` at once.) */
  awaitHello(): void {
    this.helloTimer = setTimeout(() => {
      this.send(errorFrame('PARLEY_ERR_FRAME_HELLO_REQUIRED', 'Send hello first, within the hello timeout.'));
      this.close(CLOSE_CODES.PROTOCOL_ERROR.code, 'no hello');
    }, this.deps.helloTimeoutMs ?? HELLO_TIMEOUT_MS);
  }

  /** Handles one raw frame from the client, in arrival order. */
  receive(raw: string): Promise<void> {
    if (this.state === 'closed') return Promise.resolve();
    if (!this.bucket.take()) {
      this.send(errorFrame('PARLEY_ERR_FRAME_RATE_LIMITED', 'Too many frames; slow down.'));
      this.close(CLOSE_CODES.RATE_LIMITED.code, 'rate limited');
      return Promise.resolve();
    }
    this.inbound = this.inbound.then(() => this.handle(raw)).catch((error: unknown) => this.fail(error));
    return this.inbound;
  }

  async hello(lastSeq: number, batch = false): Promise<void> {
    if (this.state !== 'awaiting-hello' || this.turn !== undefined) return;
    // The client did its part: waiting for a turn below is the server's doing, not a missing hello.
    clearTimeout(this.helloTimer);
    // A cleared timer is still an object (and its closure): not kept for the connection's life.
    this.helloTimer = undefined;
    const admission = this.deps.admission;
    if (admission === undefined) return this.welcome(lastSeq, batch);
    const turn = admission.enter();
    // Too many hellos waiting already: come back later, at a moment the node's pace has kept free.
    if (turn === undefined) return sendAway(this, 'busy', admission.retryAfterMs());
    this.turn = turn;
    try {
      // Closed while it waited (the client gave up, the node drains): nothing to welcome.
      if (!(await turn.admitted) || this.closed) return;
      await this.welcome(lastSeq, batch);
    } finally {
      this.turn = undefined;
      turn.leave();
    }
  }

  /** Subscribes, writes the welcome, then the backlog, read cursors and open call: every read a hello needs. */
  private async welcome(lastSeq: number, batch: boolean): Promise<void> {
    this.state = 'open';
    this.batch = batch;
    const { conversationId } = this.principal;
    this.delivered = lastSeq;
    // Live events wait behind the welcome: one arriving while the conversation is read below would
    // otherwise be written before the welcome and then again by the catch-up, once `delivered` is set.
    let welcomed: () => void = () => undefined;
    this.outbound = new Promise<void>((resolve) => (welcomed = resolve));
    let stored = 0;
    try {
      // Subscribed before the backlog is read: a message committed in between arrives live and is de-duplicated by seq.
      const unsubscribe = await this.subscribe(conversationId);
      if (this.closed) {
        await unsubscribe();
        return;
      }
      this.unsubscribe = unsubscribe;
      const conversation = await this.deps.engine.getConversation(conversationId);
      stored = Number(conversation?.last_seq ?? 0);
      // A client can claim more than exists (a database restored from backup, a buggy client): trusting
      // it would hold back every message up to its number. Count from what the conversation really has.
      this.delivered = Math.min(lastSeq, stored);
      this.send({
        type: 'welcome',
        v: REALTIME_VERSION,
        conversationId,
        lastSeq: stored,
        heartbeatMs: this.deps.heartbeatMs ?? HEARTBEAT_MS,
        ...(conversation === undefined ? {} : await this.ownershipFields(conversation)),
      });
    } finally {
      welcomed();
    }
    this.enqueue(async () => {
      // A client that holds everything (most of a restarted node's clients) costs no backlog read: a message stored
      // since the conversation was read comes through the subscription, which was open before that read.
      if (this.delivered < stored) await this.catchUp();
      for (const frame of await this.deps.signals.readFrames(conversationId)) this.send(frame);
      const call = await this.deps.calls?.openCallFrame(conversationId);
      if (call !== undefined) this.send(call);
    });
    await this.outbound;
  }

  /** Agents also get the agents-only channel (private notes); visitors never subscribe to it. */
  private async subscribe(conversationId: string): Promise<() => Promise<void>> {
    const handler = (payload: string): void => this.fromBus(payload);
    const main = await this.deps.bus.subscribe(conversationChannel(conversationId), handler);
    if (this.principal.author.role !== 'agent') return main;
    const notes = await this.deps.bus.subscribe(agentsChannel(conversationId), handler).catch(async (error: unknown) => {
      await main();
      throw error;
    });
    return async () => {
      await Promise.all([main(), notes()]);
    };
  }

  /** The conversation's owner (everyone) and presence (visitors) as of this welcome; changes follow as frames. */
  private async ownershipFields(
    conversation: WelcomeConversation,
  ): Promise<Pick<Extract<ServerFrame, { type: 'welcome' }>, 'status' | 'presence'>> {
    const hooks = this.deps.conversations;
    if (hooks === undefined) return {};
    const fields = await hooks.welcomeFields(conversation, this.principal.author.role === 'visitor');
    this.owner = fields.status.owner;
    return fields;
  }

  /** Writes a frame now (ack, error, pong, reconnect); live conversation events go through the queue instead. */
  send(frame: ServerFrame): void {
    this.write(JSON.stringify(frame), frame.type, frame.type === 'message' ? frame.message.seq : 0);
  }

  /**
   * One `messages` frame from messages already serialised (spliced in, not serialised twice); its seq
   * (the SSE event id) is the last one it holds, where a resumed stream starts after.
   */
  private sendBatch(messages: readonly string[], lastSeq: number): void {
    if (messages.length > 0) this.write(`{"type":"messages","messages":[${messages.join(',')}]}`, 'messages', lastSeq);
  }

  close(code: number, reason: string): void {
    if (this.state === 'closed') return;
    this.state = 'closed';
    clearTimeout(this.helloTimer);
    this.helloTimer = undefined;
    // A hello still waiting for its turn leaves the line.
    this.turn?.leave();
    const unsubscribe = this.unsubscribe;
    this.unsubscribe = undefined;
    unsubscribe?.().catch((error: unknown) => this.deps.log.warn({ err: error }, 'could not end a bus subscription'));
    this.sink.close(code, reason);
    this.onClosed(this);
    this.deps.calls
      ?.linkClosed(this.principal, this.linkId)
      .catch((error: unknown) => this.deps.log.warn({ err: error }, 'could not end the call of a closed link'));
  }

  private async handle(raw: string): Promise<void> {
    if (this.state === 'closed') return;
    const parsed = parseClientFrame(raw);
    if (!parsed.ok) {
      this.send(parsed.error);
      if (parsed.closeCode !== undefined) this.close(parsed.closeCode, parsed.error.type);
      return;
    }
    const frame = parsed.frame;
    if (frame.type === 'hello') {
      if (this.state === 'awaiting-hello') await this.hello(frame.lastSeq, frame.batch === true);
      else this.send(errorFrame('PARLEY_ERR_FRAME_INVALID', 'hello was already received on this connection.'));
      return;
    }
    if (this.state === 'awaiting-hello') {
      this.send(
        errorFrame(
          'PARLEY_ERR_FRAME_HELLO_REQUIRED',
          'Send hello before any other frame.',
          frame.type === 'send' ? frame.clientId : undefined,
        ),
      );
      return;
    }
    const answer = await executeFrame(this.deps, this.principal, frame, this.linkId, this.owner);
    if (answer !== undefined) this.send(answer);
  }

  private fromBus(payload: string): void {
    const event = decodeEvent(payload);
    if (event === undefined || this.state !== 'open') return;
    // Addressed to one link (a call's signalling): not this one.
    if (event.to !== undefined && event.to !== this.linkId) return;
    // The sender already shows its own typing; echoing it back would light up its own indicator.
    if (event.kind === 'typing' && event.origin === this.self) return;
    if (event.kind !== 'message') {
      if (event.kind === 'status') this.owner = ownerIn(event.json) ?? this.owner;
      this.enqueue(async () => this.write(event.json, event.kind, 0));
      return;
    }
    this.enqueue(async () => {
      if (event.seq <= this.delivered) return;
      if (event.seq === this.delivered + 1) {
        this.write(event.json, 'message', event.seq);
        this.delivered = event.seq;
        return;
      }
      // Published out of order (concurrent commits) or an event lost on the bus: fill the gap from the database.
      await this.catchUp();
    });
  }

  /**
   * Writes every stored message after `delivered`, in order, pausing while the client is behind on
   * reading. A client that said `batch` gets them as `messages` frames of at most MAX_BATCH_MESSAGES
   * (and MAX_BATCH_FRAME_BYTES): it then renders a long backlog a few times, not once per message.
   */
  private async catchUp(): Promise<void> {
    for (;;) {
      const rows = await this.deps.engine.messagesAfter(this.principal.conversationId, this.delivered, BACKLOG_BATCH);
      // A private note holds a seq but is never shown to a visitor: it is skipped, not a gap to fill.
      const shown = this.principal.author.role === 'agent' ? rows : rows.filter((message) => !isNote(message));
      if (this.batch) await this.writeBatches(shown);
      else for (const message of shown) this.send({ type: 'message', message });
      if (this.state === 'closed') return;
      this.delivered = Math.max(this.delivered, rows.at(-1)?.seq ?? 0);
      if (rows.length < BACKLOG_BATCH) return;
      await this.drained();
    }
  }

  private async writeBatches(messages: readonly Message[]): Promise<void> {
    let frame: string[] = [];
    let bytes = 0;
    let lastSeq = 0;
    for (const message of messages) {
      const json = JSON.stringify(message);
      // Counted in UTF-16 units: close enough for a bound that only keeps frames well below MAX_OUTBOUND_BYTES.
      if (frame.length > 0 && (frame.length >= MAX_BATCH_MESSAGES || bytes + json.length > MAX_BATCH_FRAME_BYTES)) {
        this.sendBatch(frame, lastSeq);
        frame = [];
        bytes = 0;
        await this.drained();
        if (this.state === 'closed') return;
      }
      frame.push(json);
      bytes += json.length;
      lastSeq = message.seq;
    }
    this.sendBatch(frame, lastSeq);
  }

  /** Waits while the client has half the outbound limit unread. */
  private async drained(): Promise<void> {
    while (this.state !== 'closed' && this.sink.pendingBytes() > MAX_OUTBOUND_BYTES / 2) await new Promise((r) => setTimeout(r, 20));
  }

  private enqueue(task: () => Promise<void>): void {
    this.outbound = this.outbound.then(task).catch((error: unknown) => this.fail(error));
  }

  /** A failure inside the server (database down): the client resumes from its lastSeq on reconnect, so closing is always safe. */
  fail(error: unknown): void {
    this.deps.log.error({ err: error, conversationId: this.principal.conversationId }, 'realtime session failed');
    this.close(CLOSE_CODES.SERVER_RESTART.code, 'server error');
  }

  private write(json: string, type: string, seq: number): void {
    if (this.state === 'closed') return;
    this.sink.write(json, { type, seq });
    // A client that stopped reading must not grow our memory: drop it; it resyncs from its lastSeq.
    if (this.sink.pendingBytes() > MAX_OUTBOUND_BYTES) this.close(CLOSE_CODES.SLOW_CONSUMER.code, 'slow consumer');
  }
}

/**
 * send / typing / read / ping / call frames for a principal: shared by the streaming session and the HTTP
 * send endpoints of SSE and poll (which have no `link`: calls refuse them). Returns the frame that answers
 * it (ack, error, pong) if any.
 */
export async function executeFrame(
  deps: SessionDeps,
  principal: Principal,
  frame: ClientFrame,
  link?: string,
  /** The owner the link last heard of (a streaming session); unknown: counted as a bot turn when the widget has a bot. */
  owner?: StatusFrame['owner'],
): Promise<ServerFrame | undefined> {
  const { conversationId, author } = principal;
  if (principal.inbox === true) return frame.type === 'ping' ? { type: 'pong' } : inboxOnly(frame);
  if (author.role === 'agent') deps.conversations?.agentActivity(author.id);
  if (isCallFrame(frame)) {
    if (deps.calls === undefined) return errorFrame('PARLEY_ERR_CALL_NOT_ALLOWED', 'Calls are not available on this server.');
    return deps.calls.handle(principal, link, frame);
  }
  switch (frame.type) {
    case 'hello':
      return errorFrame('PARLEY_ERR_FRAME_INVALID', 'hello is only sent on a stream.');
    case 'ping':
      return { type: 'pong' };
    case 'typing':
      await deps.signals.typing(conversationId, author, frame.active);
      return undefined;
    case 'read':
      await deps.signals.markRead(conversationId, author, frame.seq);
      return undefined;
    case 'send': {
      const wait = await sendWait(deps, principal, owner !== 'human' && owner !== 'queued');
      if (wait > 0) {
        return {
          type: 'error',
          code: 'PARLEY_ERR_RATE_LIMITED',
          message: `You are sending messages too fast; this one was not stored. Send it again in ${wait} s.`,
          clientId: frame.clientId,
          retryAfterMs: wait * 1000,
        };
      }
      try {
        const result = await deps.engine.append({ conversationId, author, type: 'text', text: frame.text, clientId: frame.clientId });
        if (result.created && principal.botId !== null) {
          deps.botTurns.startBotTurn(conversationId, principal.botId, principal.language, result.ownerAtCommit);
        }
        if (result.created && author.role === 'agent') await deps.conversations?.agentReplied(result);
        const { message } = result;
        return { type: 'ack', clientId: frame.clientId, seq: message.seq, messageId: message.id, duplicate: !result.created };
      } catch (error) {
        deps.log.error({ err: error, conversationId }, 'realtime send failed');
        return errorFrame('PARLEY_ERR_SEND_FAILED', 'The message could not be stored; resend it with the same clientId.', frame.clientId);
      }
    }
  }
}

/** Seconds a visitor's send must wait for the volume limits (0: go ahead); agents are not limited. */
async function sendWait(
  deps: SessionDeps,
  { author, widgetId, address, conversationId, botId }: Principal,
  botMayAnswer: boolean,
): Promise<number> {
  if (deps.limits === undefined || author.role !== 'visitor' || widgetId === undefined) return 0;
  return deps.limits.message({ address: address ?? '', widgetId, sessionId: conversationId }, botId !== null && botMayAnswer);
}

/** The owner a `status` frame names (its JSON as the bus carried it); undefined when it cannot be read. */
function ownerIn(json: string): StatusFrame['owner'] | undefined {
  try {
    const frame = JSON.parse(json) as { owner?: unknown };
    return typeof frame.owner === 'string' ? (frame.owner as StatusFrame['owner']) : undefined;
  } catch {
    return undefined;
  }
}
