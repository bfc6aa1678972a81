// Past 400 lines: offers, answers, ends, the ring timers and the dead-node sweep all end calls through one `end`
// (the row's removal decides who wins, then the transcript line and the frame); splitting them would export it.
import { randomUUID } from 'node:crypto';
import type { FastifyBaseLogger } from 'fastify';
import {
  CALL_RETRY_WINDOW_MS,
  CALL_RING_MS,
  visitorMayOffer,
  type Author,
  type CallEndReason,
  type CallEventPayload,
  type CallInfo,
  type CallKind,
  type ClientFrame,
  type ServerFrame,
  type VisitorCallMode,
} from '@parley/protocol';
import { conversationChannel, type Bus } from '../../bus/bus.js';
import type { ConversationEngine } from '../../engine/conversation-engine.js';
import { encodeEvent, originKey } from '../../engine/conversation-events.js';
import { conversationLanguage } from '../../engine/conversation-visitor.js';
import { publishInboxEvent } from '../../engine/inbox-feed.js';
import { conversationCallsStore as calls, type ConversationCallRow } from '../../store/conversation-calls-store.js';
import type { Db } from '../../store/database.js';
import { nowIso } from '../../store/ids.js';
import type { Principal } from '../authenticate.js';
import { errorFrame } from '../client-frames.js';
import { iceServersFor, type IceConfig } from './ice-servers.js';
import { callEventText } from './call-event-text.js';

export type CallFrame = Extract<ClientFrame, { type: 'call_offer' | 'call_accept' | 'call_decline' | 'call_end' | 'call_signal' }>;

export const isCallFrame = (frame: ClientFrame): frame is CallFrame => frame.type.startsWith('call_');

export interface CallServiceDeps {
  readonly db: Db;
  readonly engine: ConversationEngine;
  readonly bus: Bus;
  readonly log: FastifyBaseLogger;
  readonly ice: IceConfig;
  /** Which calls a widget's visitors may start (its effective settings' `calls.visitor`). */
  visitorMode(widgetId: string): Promise<VisitorCallMode>;
  /** A widget's language, for the transcript line of a call in a conversation that chose none ('en' without it). */
  widgetLanguage?(widgetId: string): Promise<string>;
  /** How long an offer rings before it ends as `unanswered` (tests shorten it); CALL_RING_MS by default. */
  readonly ringMs?: number;
  /** This node's name in its link lease (tests give two services in one process their own); random by default. */
  readonly node?: string;
}

const SYSTEM: Author = { role: 'system', id: 'parley', name: 'Parley' };

/**
 * Calls between a conversation's visitor and an agent (docs/calls.md). The state lives in the database
 * (conversation_calls: at most one open call per conversation, shared by every node); each change reaches
 * every link of the conversation as a `call` frame through the bus, and signalling goes only to the other
 * of the two links the call is bound to (the offering link, and the one that accepted). When a call ends its
 * row goes and an `event` message records it in the transcript: who started it, kind, when it was accepted
 * and ended, how long it lasted and why it ended. Media never passes through here.
 */
export class CallService {
  /** Ring timeouts of the offers made on this node. */
  private readonly ringTimers = new Map<string, NodeJS.Timeout>();
  /** Links on this node bound to a call (link → callId), so a closing link ends its call without a query per close. */
  private readonly boundLinks = new Map<string, string>();
  /**
   * A call's row names each bound link as `<link>@<node>`: while the node's lease holds (renewed every liveness
   * interval), its links are alive; a node that died without closing them (SIGKILL, power, OOM) stops renewing,
   * and the sweep of any node, the restarted one included, ends its calls as `peer-gone`.
   */
  private readonly node: string;
  private livenessTimer: NodeJS.Timeout | undefined;
  private sweeping: Promise<void> | undefined;
  private closed = false;

  constructor(private readonly deps: CallServiceDeps) {
    this.node = deps.node ?? `node-${randomUUID()}`;
  }

  /** Starts the liveness interval: the first sweep at once (a restarted node ends the calls its old self left). */
  start(): void {
    if (this.closed || this.livenessTimer !== undefined) return;
    const every = this.deps.ice.livenessSeconds * 1000;
    this.livenessTimer = setInterval(() => void this.sweep(), every);
    this.livenessTimer.unref();
    void this.sweep();
  }

  /**
   * Renews this node's link lease, then ends the open calls whose links belong to a node whose lease ran out, and
   * rings that outlived their node's timer. Every node runs it; the row's removal in `end` makes one of them win.
   */
  sweep(): Promise<void> {
    this.sweeping ??= this.sweepOnce().finally(() => (this.sweeping = undefined));
    return this.sweeping;
  }

  private async sweepOnce(): Promise<void> {
    const { db, ice, log } = this.deps;
    const now = Date.now();
    const leaseMs = 3 * ice.livenessSeconds * 1000;
    try {
      await calls.holdLinks(db, this.node, new Date(now + leaseMs).toISOString());
      const open = await calls.all(db);
      const nodes = [
        ...new Set(open.flatMap((row) => [row.caller_link, row.callee_link].flatMap((link) => (link === null ? [] : [nodeOf(link)])))),
      ];
      const live = await calls.liveNodes(
        db,
        nodes.filter((node): node is string => node !== null && node !== this.node),
        new Date(now).toISOString(),
      );
      live.add(this.node);
      for (const row of open) {
        const dead = [row.caller_link, row.callee_link].some((link) => link !== null && !live.has(nodeOf(link) ?? ''));
        if (dead) await this.end(row, 'peer-gone', null);
        else if (row.state === 'ringing' && this.rangOut(row)) await this.end(row, 'unanswered', null, true);
      }
      await calls.dropLeases(db, null, new Date(now - leaseMs).toISOString());
    } catch (error) {
      log.warn({ err: error }, 'could not check the open calls of other nodes');
    }
  }

  /** One call frame from a link; answers the error frame when it is refused. `link` is undefined for HTTP sends (SSE, poll). */
  async handle(principal: Principal, link: string | undefined, frame: CallFrame): Promise<ServerFrame | undefined> {
    if (principal.author.role !== 'visitor' && principal.author.role !== 'agent') {
      return errorFrame('PARLEY_ERR_CALL_NOT_ALLOWED', 'Only the visitor and agents take part in calls.');
    }
    if (link === undefined) {
      return errorFrame('PARLEY_ERR_CALL_NOT_ALLOWED', 'Calls need a WebSocket link: send call frames on the WebSocket, not by HTTP.');
    }
    switch (frame.type) {
      case 'call_offer':
        return this.offer(principal, link, frame.callId, frame.kind);
      case 'call_accept':
        return this.accept(principal, link, frame.callId);
      case 'call_decline':
        return this.decline(principal, frame.callId);
      case 'call_end':
        return this.hangUp(principal, link, frame.callId, frame.reason);
      case 'call_signal': {
        const row = await this.bound(principal, link, frame.callId);
        if (row === undefined || row.state !== 'active' || row.callee_link === null) return notFound(frame.callId);
        const to = linkOf(row.caller_link === this.at(link) ? row.callee_link : row.caller_link);
        await this.publish(
          principal.conversationId,
          { type: 'call_signal', callId: row.call_id, signal: frame.signal },
          principal.author,
          to,
        );
        return undefined;
      }
    }
  }

  /** The conversation's open call as a `call` frame, for a link that just joined (after its welcome). */
  async openCallFrame(conversationId: string): Promise<ServerFrame | undefined> {
    const row = await calls.get(this.deps.db, conversationId);
    if (row === undefined) return undefined;
    if (row.state === 'ringing' && this.rangOut(row)) {
      await this.end(row, 'unanswered', null, true);
      return undefined;
    }
    return { type: 'call', call: info(row, null) };
  }

  /** A link went away (tab closed, network lost, node shutting down): the call it is bound to ends as `peer-gone`. */
  async linkClosed(principal: Principal, link: string): Promise<void> {
    const callId = this.boundLinks.get(link);
    if (callId === undefined) return;
    this.boundLinks.delete(link);
    const row = await calls.get(this.deps.db, principal.conversationId);
    if (row === undefined || row.call_id !== callId || (row.caller_link !== this.at(link) && row.callee_link !== this.at(link))) return;
    await this.end(row, 'peer-gone', null);
  }

  /** Stops the ring timers and the liveness interval, and gives up this node's link lease (shutdown). */
  async close(): Promise<void> {
    this.closed = true;
    for (const timer of this.ringTimers.values()) clearTimeout(timer);
    this.ringTimers.clear();
    clearInterval(this.livenessTimer);
    await this.sweeping;
    // Its links closed first (each ended its call); whatever is left is no longer held by anyone.
    await calls.dropLeases(this.deps.db, this.node, new Date(0).toISOString()).catch((error: unknown) => {
      this.deps.log.warn({ err: error }, 'could not give up the call link lease');
    });
  }

  /** A link of this node as a call's row names it. */
  private at(link: string): string {
    return `${link}@${this.node}`;
  }

  private async offer(principal: Principal, link: string, callId: string, kind: CallKind): Promise<ServerFrame | undefined> {
    const { author, conversationId } = principal;
    if (author.role === 'visitor') {
      const mode = principal.widgetId === undefined ? 'off' : await this.deps.visitorMode(principal.widgetId);
      if (!visitorMayOffer(mode, kind) && !(await this.mayCallBack(conversationId, kind))) {
        return errorFrame(
          'PARLEY_ERR_CALL_NOT_ALLOWED',
          `This widget does not let visitors start ${kind === 'screen' ? 'screen sharing' : `${kind} calls`} (its calls.visitor is ${mode}).`,
        );
      }
    }
    const open = await calls.get(this.deps.db, conversationId);
    // A ring whose timer died with its node: it is over, and must not keep the conversation busy.
    if (open !== undefined && open.state === 'ringing' && this.rangOut(open)) await this.end(open, 'unanswered', null, true);
    else if (open !== undefined) return busy(open);
    const row: ConversationCallRow = {
      conversation_id: conversationId,
      call_id: callId,
      kind,
      state: 'ringing',
      caller_role: author.role,
      caller_id: author.id,
      caller_name: author.name,
      caller_link: this.at(link),
      callee_role: null,
      callee_id: null,
      callee_name: null,
      callee_link: null,
      created_at: nowIso(),
      accepted_at: null,
    };
    let inserted: boolean;
    try {
      inserted = await calls.insert(this.deps.db, row);
    } catch (error) {
      // The callId of a call still open in another conversation (unique): the client must pick a fresh one.
      this.deps.log.info({ err: error, conversationId }, 'call offer refused');
      return errorFrame('PARLEY_ERR_CALL_BUSY', `The callId ${callId} is in use; offer again with a new one.`);
    }
    if (!inserted) {
      const other = await calls.get(this.deps.db, conversationId);
      return other === undefined ? errorFrame('PARLEY_ERR_CALL_BUSY', 'Another call was just offered; try again.') : busy(other);
    }
    this.boundLinks.set(link, callId);
    const timer = setTimeout(() => {
      this.ringTimers.delete(callId);
      void this.ringOut(conversationId, callId);
    }, this.ringMs());
    timer.unref();
    this.ringTimers.set(callId, timer);
    await this.publish(conversationId, { type: 'call', call: info(row, null) }, author);
    // Agents who do not have the conversation open see it ring in their inbox list.
    if (author.role === 'visitor') await publishInboxEvent(this.deps.bus, this.deps.log, conversationId, 'call');
    return undefined;
  }

  /**
   * A visitor whose agent's call just failed may call back (the widget's Retry) whatever its calls.visitor: the
   * conversation's last call is an agent's of this kind that ended `failed` within CALL_RETRY_WINDOW_MS.
   */
  private async mayCallBack(conversationId: string, kind: CallKind): Promise<boolean> {
    const recent = await this.deps.engine.messagesBefore(conversationId, Number.MAX_SAFE_INTEGER, 20);
    const last = recent.filter((message) => message.type === 'event' && message.payload?.['event'] === 'call').at(-1)?.payload as
      Partial<CallEventPayload> | undefined;
    return (
      last?.endReason === 'failed' &&
      last.kind === kind &&
      last.caller?.role === 'agent' &&
      typeof last.endedAt === 'string' &&
      Date.now() - Date.parse(last.endedAt) < CALL_RETRY_WINDOW_MS
    );
  }

  private async accept(principal: Principal, link: string, callId: string): Promise<ServerFrame | undefined> {
    const { author, conversationId } = principal;
    const row = await calls.get(this.deps.db, conversationId);
    if (row === undefined || row.call_id !== callId || row.state !== 'ringing') return notFound(callId);
    if (row.caller_role === author.role)
      return errorFrame('PARLEY_ERR_CALL_NOT_ALLOWED', 'A call is accepted by the other side, not by its caller.');
    const accepted = await calls.accept(this.deps.db, callId, {
      callee_role: author.role,
      callee_id: author.id,
      callee_name: author.name,
      callee_link: this.at(link),
      accepted_at: nowIso(),
    });
    if (accepted === undefined) return notFound(callId);
    this.stopRinging(callId);
    this.boundLinks.set(link, callId);
    await this.publish(conversationId, { type: 'call', call: info(accepted, null) }, author);
    if (accepted.caller_role === 'visitor') await publishInboxEvent(this.deps.bus, this.deps.log, conversationId, 'call');
    const iceServers = iceServersFor(this.deps.ice, callId);
    const connectTimeoutMs = this.deps.ice.connectTimeoutSeconds * 1000;
    await this.publish(
      conversationId,
      { type: 'call_connect', callId, offerer: true, iceServers, connectTimeoutMs },
      author,
      linkOf(accepted.caller_link),
    );
    await this.publish(conversationId, { type: 'call_connect', callId, offerer: false, iceServers, connectTimeoutMs }, author, link);
    return undefined;
  }

  private async decline(principal: Principal, callId: string): Promise<ServerFrame | undefined> {
    const row = await calls.get(this.deps.db, principal.conversationId);
    if (row === undefined || row.call_id !== callId || row.state !== 'ringing') return notFound(callId);
    if (row.caller_role === principal.author.role) {
      return errorFrame('PARLEY_ERR_CALL_NOT_ALLOWED', 'A call is declined by the other side; its caller ends it with call_end.');
    }
    await this.end(row, 'declined', principal.author, true);
    return undefined;
  }

  /**
   * `call_end` from a bound link; while ringing, also from the other side (it could not get a camera or
   * microphone before accepting: no-device, permission-denied).
   */
  private async hangUp(principal: Principal, link: string, callId: string, reason: CallEndReason): Promise<ServerFrame | undefined> {
    const row = await calls.get(this.deps.db, principal.conversationId);
    if (row === undefined || row.call_id !== callId) return notFound(callId);
    const bound = row.caller_link === this.at(link) || row.callee_link === this.at(link);
    const answering = row.state === 'ringing' && row.caller_role !== principal.author.role;
    if (!bound && !answering) return notFound(callId);
    await this.end(row, reason, answering ? principal.author : null);
    return undefined;
  }

  /** The open call if this link is one of its two ends. */
  private async bound(principal: Principal, link: string, callId: string): Promise<ConversationCallRow | undefined> {
    const row = await calls.get(this.deps.db, principal.conversationId);
    if (row === undefined || row.call_id !== callId || (row.caller_link !== this.at(link) && row.callee_link !== this.at(link)))
      return undefined;
    return row;
  }

  private async ringOut(conversationId: string, callId: string): Promise<void> {
    try {
      const row = await calls.get(this.deps.db, conversationId);
      if (row !== undefined && row.call_id === callId && row.state === 'ringing') await this.end(row, 'unanswered', null, true);
    } catch (error) {
      this.deps.log.warn({ err: error, conversationId, callId }, 'could not end an unanswered call');
    }
  }

  /**
   * Ends the call once, whichever node or link asks first: the row's removal decides. Then the transcript
   * event is written and every link is told.
   */
  private async end(row: ConversationCallRow, reason: CallEndReason, answeredBy: Author | null, ringingOnly = false): Promise<void> {
    const removed = await calls.remove(this.deps.db, row.call_id, ringingOnly);
    if (removed === undefined) return;
    this.stopRinging(removed.call_id);
    for (const bound of [removed.caller_link, removed.callee_link]) {
      const link = bound === null || nodeOf(bound) !== this.node ? null : linkOf(bound);
      if (link !== null && this.boundLinks.get(link) === removed.call_id) this.boundLinks.delete(link);
    }
    const call = info(removed, { at: nowIso(), reason, answeredBy });
    const { state: _state, ...record } = call;
    const payload: CallEventPayload = { event: 'call', ...record };
    try {
      await this.deps.engine.append({
        conversationId: removed.conversation_id,
        author: SYSTEM,
        type: 'event',
        text: callEventText(call, await this.language(removed.conversation_id)),
        payload: { ...payload },
      });
    } catch (error) {
      // The call is over either way; only its line in the transcript is missing.
      this.deps.log.error(
        { err: error, conversationId: removed.conversation_id, callId: removed.call_id },
        'could not record a call in the transcript',
      );
    }
    await this.publish(removed.conversation_id, { type: 'call', call }, SYSTEM);
    if (removed.state === 'ringing' && removed.caller_role === 'visitor') {
      await publishInboxEvent(this.deps.bus, this.deps.log, removed.conversation_id, 'call');
    }
  }

  /** The conversation's language (chosen at its start), else its widget's: the transcript line is written in it. */
  private async language(conversationId: string): Promise<string> {
    const conversation = await this.deps.engine.getConversation(conversationId);
    if (conversation === undefined) return 'en';
    // A widget deleted meanwhile: its conversations fall back to English.
    const widget =
      conversation.widget_id === null ? 'en' : ((await this.deps.widgetLanguage?.(conversation.widget_id).catch(() => 'en')) ?? 'en');
    return conversationLanguage(conversation, widget);
  }

  private stopRinging(callId: string): void {
    clearTimeout(this.ringTimers.get(callId));
    this.ringTimers.delete(callId);
  }

  private ringMs(): number {
    return this.deps.ringMs ?? CALL_RING_MS;
  }

  private rangOut(row: ConversationCallRow): boolean {
    return Date.now() - Date.parse(row.created_at) >= this.ringMs();
  }

  private async publish(conversationId: string, frame: ServerFrame, origin: Pick<Author, 'role' | 'id'>, to?: string): Promise<void> {
    try {
      await this.deps.bus.publish(conversationChannel(conversationId), encodeEvent(frame, originKey(origin), to));
    } catch (error) {
      this.deps.log.warn({ err: error, conversationId }, 'could not publish a call frame');
    }
  }
}

function info(row: ConversationCallRow, ended: { at: string; reason: CallEndReason; answeredBy: Author | null } | null): CallInfo {
  const callee: Author | null =
    row.callee_role !== null && row.callee_id !== null
      ? { role: authorRole(row.callee_role), id: row.callee_id, name: row.callee_name ?? '' }
      : (ended?.answeredBy ?? null);
  return {
    id: row.call_id,
    kind: callKind(row.kind),
    state: ended !== null ? 'ended' : row.state === 'active' ? 'active' : 'ringing',
    caller: { role: authorRole(row.caller_role), id: row.caller_id, name: row.caller_name },
    callee,
    startedAt: row.created_at,
    acceptedAt: row.accepted_at,
    endedAt: ended?.at ?? null,
    durationMs: ended !== null && row.accepted_at !== null ? Math.max(0, Date.parse(ended.at) - Date.parse(row.accepted_at)) : null,
    endReason: ended?.reason ?? null,
  };
}

/** The link of a row's `<link>@<node>` (all of it for a row written before links named their node). */
function linkOf(bound: string): string;
function linkOf(bound: string | null): string | undefined;
function linkOf(bound: string | null): string | undefined {
  if (bound === null) return undefined;
  const at = bound.lastIndexOf('@');
  return at < 0 ? bound : bound.slice(0, at);
}

/** The node holding a row's bound link; null for a row written before links named their node (it is then taken as dead). */
function nodeOf(bound: string): string | null {
  const at = bound.lastIndexOf('@');
  return at < 0 ? null : bound.slice(at + 1);
}

function busy(open: ConversationCallRow): ServerFrame {
  return errorFrame(
    'PARLEY_ERR_CALL_BUSY',
    `This conversation already has a call ${open.state === 'active' ? 'in progress' : 'ringing'} (${open.call_id}).`,
  );
}

function notFound(callId: string): ServerFrame {
  return errorFrame('PARLEY_ERR_CALL_NOT_FOUND', `No open call ${callId} that this link may act on: it ended, or another link took it.`);
}

function authorRole(value: string): Author['role'] {
  return value === 'bot' || value === 'agent' || value === 'system' ? value : 'visitor';
}

function callKind(value: string): CallKind {
  return value === 'video' || value === 'screen' ? value : 'audio';
}
