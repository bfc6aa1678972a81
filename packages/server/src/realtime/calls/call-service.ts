import type { FastifyBaseLogger } from 'fastify';
import {
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
  /** How long an offer rings before it ends as `unanswered` (tests shorten it); CALL_RING_MS by default. */
  readonly ringMs?: number;
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

  constructor(private readonly deps: CallServiceDeps) {}

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
        const to = row.caller_link === link ? row.callee_link : row.caller_link;
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
    if (row === undefined || row.call_id !== callId || (row.caller_link !== link && row.callee_link !== link)) return;
    await this.end(row, 'peer-gone', null);
  }

  /** Stops the ring timers (shutdown). */
  close(): void {
    for (const timer of this.ringTimers.values()) clearTimeout(timer);
    this.ringTimers.clear();
  }

  private async offer(principal: Principal, link: string, callId: string, kind: CallKind): Promise<ServerFrame | undefined> {
    const { author, conversationId } = principal;
    if (author.role === 'visitor') {
      const mode = principal.widgetId === undefined ? 'off' : await this.deps.visitorMode(principal.widgetId);
      if (!visitorMayOffer(mode, kind)) {
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
      caller_link: link,
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
    return undefined;
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
      callee_link: link,
      accepted_at: nowIso(),
    });
    if (accepted === undefined) return notFound(callId);
    this.stopRinging(callId);
    this.boundLinks.set(link, callId);
    await this.publish(conversationId, { type: 'call', call: info(accepted, null) }, author);
    const iceServers = iceServersFor(this.deps.ice, callId);
    await this.publish(conversationId, { type: 'call_connect', callId, offerer: true, iceServers }, author, accepted.caller_link);
    await this.publish(conversationId, { type: 'call_connect', callId, offerer: false, iceServers }, author, link);
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
    const bound = row.caller_link === link || row.callee_link === link;
    const answering = row.state === 'ringing' && row.caller_role !== principal.author.role;
    if (!bound && !answering) return notFound(callId);
    await this.end(row, reason, answering ? principal.author : null);
    return undefined;
  }

  /** The open call if this link is one of its two ends. */
  private async bound(principal: Principal, link: string, callId: string): Promise<ConversationCallRow | undefined> {
    const row = await calls.get(this.deps.db, principal.conversationId);
    if (row === undefined || row.call_id !== callId || (row.caller_link !== link && row.callee_link !== link)) return undefined;
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
    for (const link of [removed.caller_link, removed.callee_link])
      if (link !== null && this.boundLinks.get(link) === removed.call_id) this.boundLinks.delete(link);
    const call = info(removed, { at: nowIso(), reason, answeredBy });
    const { state: _state, ...record } = call;
    const payload: CallEventPayload = { event: 'call', ...record };
    try {
      await this.deps.engine.append({
        conversationId: removed.conversation_id,
        author: SYSTEM,
        type: 'event',
        text: callEventText(call),
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
