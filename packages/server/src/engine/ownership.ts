import type { FastifyBaseLogger } from 'fastify';
import type { HandoffReason, InboxActivity, InboxActivityKind, PresenceFrame, QueuePlace, StatusFrame } from '@parley/protocol';
import { conversationChannel, type Bus } from '../bus/bus.js';
import { ApiError } from '../http/api-error.js';
import type { AgentsStore } from '../store/agents-store.js';
import { conversationActivityStore as activityLog, type ActivityDetail } from '../store/conversation-activity-store.js';
import { conversationStatesStore as states } from '../store/conversation-states-store.js';
import type { Db } from '../store/database.js';
import { nowIso } from '../store/ids.js';
import type { ConversationEngine } from './conversation-engine.js';
import { encodeEvent } from './conversation-events.js';
import { conversationLanguage } from './conversation-visitor.js';
import { publishInboxEvent } from './inbox-feed.js';
import { noticeText } from './visitor-notices.js';
import { botState, check, fromRow, statusOf, type OwnershipAction, type OwnershipState } from './ownership-state.js';

export type { OwnershipState } from './ownership-state.js';

/**
 * Who owns a conversation, as one explicit state machine:
 *
 *   bot ──handoff──▶ queued ──assign(agent)──▶ human ──handback──▶ bot
 *    │                 ▲ │                       │ ▲
 *    │                 │ └───────handback──▶ bot  │ └─ assign(agent): transfer
 *    └─assign(agent)───┼──────────────────────────┘
 *                      └── assign(team) from human: back to the team's queue
 *   bot | queued | human ──resolve──▶ resolved ──reopen──▶ human (agent) / bot (visitor wrote)
 *
 * Snoozing hides a conversation until a time (or until the visitor writes) without changing its owner.
 * Every change is persisted, then announced: a `status` frame to the conversation (visitor and agents)
 * and an inbox event to agents' inbox streams.
 */
export type Actor = { readonly kind: 'agent'; readonly id: string; readonly name: string } | { readonly kind: 'system' };

/** What ownership needs from routing and presence, wired in app.ts (they in turn read ownership). */
export interface OwnershipHooks {
  /** A conversation joined the queue: try to assign it; returns whether nobody can answer now (offline mode). */
  queued(conversationId: string): Promise<void>;
  /** An agent's load went down, or a conversation left the queue: others may now be assigned. */
  capacityFreed(): void;
  /** The visitor's place in the queue and the estimated wait. */
  queuePlace(state: OwnershipState): Promise<QueuePlace | null>;
  /** The `presence` frame for this conversation's visitor. */
  presence(conversationId: string): Promise<PresenceFrame | null>;
  /** The conversation was resolved (work that follows it, such as mailing the transcript, runs on its own). */
  resolved(conversationId: string): void;
}

export const DEFAULT_BOT_SILENCE_MS = 30_000;
/** Snoozes ending later than this are not timed in memory (setTimeout's limit is ~24.8 days anyway). */
const MAX_WAKE_DELAY_MS = 7 * 24 * 3_600_000;
/** Activity lines a conversation's timeline reads: far more than a conversation sees in practice. */
const ACTIVITY_LIMIT = 500;

export class Ownership {
  hooks: OwnershipHooks = {
    queued: async () => undefined,
    capacityFreed: () => undefined,
    queuePlace: async () => null,
    presence: async () => null,
    resolved: () => undefined,
  };
  private readonly watchdogs = new Map<string, NodeJS.Timeout>();
  private readonly wakeups = new Map<string, NodeJS.Timeout>();

  constructor(
    private readonly db: Db,
    private readonly engine: ConversationEngine,
    private readonly agents: AgentsStore,
    private readonly bus: Bus,
    private readonly log: FastifyBaseLogger,
    private readonly botSilenceMs: number = DEFAULT_BOT_SILENCE_MS,
  ) {}

  async state(conversationId: string): Promise<OwnershipState> {
    const row = await states.get(this.db, conversationId);
    return row === undefined ? botState(conversationId) : fromRow(row);
  }

  /** The bot (or the visitor through it) asks for a human. Ignored unless the bot owns the conversation. */
  async handoff(conversationId: string, reason: HandoffReason): Promise<void> {
    const current = await this.existing(conversationId);
    if (current.owner !== 'bot') return;
    // The line the visitor sees, in the conversation's language (the console shows it in English by its key).
    const conversation = await this.engine.getConversation(conversationId);
    const notice = reason === 'bot_failed' ? 'handoff_bot_failed' : 'handoff_waiting';
    await this.engine.append({
      conversationId,
      author: { role: 'system', id: 'parley', name: 'Parley' },
      type: 'event',
      text: noticeText(notice, conversation === undefined ? 'en' : conversationLanguage(conversation, 'en')),
      payload: { event: 'handoff', reason, notice },
    });
    await this.write(current, { owner: 'queued', assigneeId: null, queuedAt: nowIso(), snoozedUntil: null }, 'handoff');
    await this.hooks.queued(conversationId);
  }

  /** Assign or transfer: to an agent (owner human) or to a team (back to that team's queue, routed again). */
  async assign(
    conversationId: string,
    target: { agentId?: string | null | undefined; teamId?: string | null | undefined },
    actor: Actor,
  ): Promise<OwnershipState> {
    const current = await this.existing(conversationId);
    check(current, 'assign');
    const teamId = target.teamId === undefined ? current.teamId : target.teamId;
    if (target.agentId !== undefined && target.agentId !== null) {
      const agent = await this.agents.get(target.agentId);
      if (agent === undefined) throw new ApiError('PARLEY_ERR_AGENT_NOT_FOUND', `No agent has the id ${target.agentId}.`, 'agentId');
      await this.agents.update(agent.id, { last_assigned_at: nowIso() });
      const next = await this.write(
        current,
        { owner: 'human', assigneeId: agent.id, teamId, queuedAt: current.queuedAt, snoozedUntil: null },
        'assign',
        actor,
      );
      if (current.owner === 'human' && current.assigneeId !== agent.id) this.hooks.capacityFreed();
      this.log.info({ conversationId, agentId: agent.id, by: actorId(actor) }, 'conversation assigned');
      return next;
    }
    // To a team (or unassigned): the conversation waits in the queue and routing picks an agent.
    const next = await this.write(
      current,
      { owner: 'queued', assigneeId: null, teamId, queuedAt: nowIso(), snoozedUntil: null },
      'assign',
      actor,
    );
    if (current.owner === 'human') this.hooks.capacityFreed();
    await this.hooks.queued(conversationId);
    return this.state(next.conversationId);
  }

  async handback(conversationId: string, actor: Actor = SYSTEM): Promise<OwnershipState> {
    const current = await this.existing(conversationId);
    check(current, 'handback');
    const next = await this.write(
      current,
      { owner: 'bot', assigneeId: null, queuedAt: null, snoozedUntil: null, offline: false },
      'handback',
      actor,
    );
    this.hooks.capacityFreed();
    return next;
  }

  async resolve(conversationId: string, actor: Actor = SYSTEM): Promise<OwnershipState> {
    const current = await this.existing(conversationId);
    check(current, 'resolve');
    const next = await this.write(current, { owner: 'resolved', queuedAt: null, snoozedUntil: null }, 'resolve', actor, 'resolved');
    if (current.owner !== 'bot') this.hooks.capacityFreed();
    this.hooks.resolved(conversationId);
    return next;
  }

  /** An agent reopens: it goes back to its last assignee (or the agent reopening it). */
  async reopen(conversationId: string, actor: Actor): Promise<OwnershipState> {
    const current = await this.existing(conversationId);
    check(current, 'reopen');
    // The last assignee may have been deleted since: then the agent reopening it takes it.
    const previous = current.assigneeId !== null && (await this.agents.get(current.assigneeId)) !== undefined ? current.assigneeId : null;
    const assigneeId = previous ?? (actor.kind === 'agent' && (await this.agents.get(actor.id)) !== undefined ? actor.id : null);
    const next = await this.write(
      current,
      { owner: assigneeId === null ? 'queued' : 'human', assigneeId, queuedAt: nowIso() },
      'reopen',
      actor,
      'open',
    );
    if (assigneeId === null) await this.hooks.queued(conversationId);
    return next;
  }

  async snooze(conversationId: string, until: string, actor: Actor = SYSTEM): Promise<OwnershipState> {
    const current = await this.existing(conversationId);
    check(current, 'snooze');
    const snoozedUntil = new Date(until).toISOString();
    const next = await this.write(current, { snoozedUntil }, 'snooze', actor);
    this.wakeAt(conversationId, snoozedUntil);
    return next;
  }

  /**
   * When a snooze ends the conversation is open again by itself (its status is derived); inbox streams
   * are told then. Per node and in memory: after a restart the console sees it on its next refetch.
   */
  private wakeAt(conversationId: string, snoozedUntil: string): void {
    clearTimeout(this.wakeups.get(conversationId));
    const delay = Date.parse(snoozedUntil) - Date.now();
    if (delay > MAX_WAKE_DELAY_MS) return;
    const timer = setTimeout(
      () => {
        this.wakeups.delete(conversationId);
        void (async () => {
          if ((await this.state(conversationId)).snoozedUntil !== snoozedUntil) return;
          await publishInboxEvent(this.bus, this.log, conversationId, 'ownership');
        })().catch((error: unknown) => this.log.warn({ err: error, conversationId }, 'could not announce the end of a snooze'));
      },
      Math.max(0, delay),
    );
    timer.unref();
    this.wakeups.set(conversationId, timer);
  }

  /** An agent replied: a conversation nobody holds becomes theirs (a reply is taking it). */
  async agentReplied(conversationId: string, agentId: string): Promise<void> {
    const current = await this.state(conversationId);
    const isAgent = (await this.agents.get(agentId)) !== undefined;
    if (current.snoozedUntil !== null) await this.write(current, { snoozedUntil: null }, 'snooze');
    if (!isAgent || current.owner === 'human') return;
    await this.assign(conversationId, { agentId }, { kind: 'system' });
  }

  /** A deleted agent's conversations go back to their team's queue, to be routed again. */
  async releaseAgent(agentId: string): Promise<void> {
    for (const conversationId of await states.heldBy(this.db, agentId)) {
      await this.assign(conversationId, {}, { kind: 'system' });
    }
  }

  /** Routing records the team a queued conversation waits for (the widget's), for the inbox's team view. */
  async setTeam(conversationId: string, teamId: string): Promise<void> {
    const current = await this.state(conversationId);
    if (current.teamId !== teamId) await this.write(current, { teamId }, null);
  }

  async setOffline(conversationId: string, offline: boolean): Promise<void> {
    const current = await this.state(conversationId);
    if (current.offline !== offline) await this.write(current, { offline }, null);
  }

  /**
   * The bots' port: asked before every bot turn. A visitor writing wakes a snoozed conversation and
   * reopens a resolved one to the bot; the bot answers only while it owns the conversation, and a bot
   * that then stays silent past botSilenceMs hands over by itself.
   */
  /** Keep in step with staysQuietUnder (below), which answers the same without a read. */
  async shouldBotAnswer(conversationId: string, lastSeq?: () => Promise<number | undefined>): Promise<boolean> {
    let current = await this.state(conversationId);
    if (current.snoozedUntil !== null) current = await this.write(current, { snoozedUntil: null }, 'snooze');
    if (current.owner === 'resolved') {
      current = await this.write(current, { owner: 'bot', assigneeId: null, queuedAt: null }, 'visitor_returned', SYSTEM, 'open');
    }
    if (current.owner !== 'bot') return false;
    await this.watchBot(conversationId, lastSeq);
    return true;
  }

  /** The conversation's activity lines, oldest first (the newest ACTIVITY_LIMIT of them). */
  async activity(conversationId: string): Promise<InboxActivity[]> {
    await this.mustExist(conversationId);
    return activityLog.list(this.db, conversationId, ACTIVITY_LIMIT);
  }

  /** Stops the silence watchdogs (shutdown). */
  close(): void {
    for (const timer of [...this.watchdogs.values(), ...this.wakeups.values()]) clearTimeout(timer);
    this.watchdogs.clear();
    this.wakeups.clear();
  }

  /** The frames a (re)connecting client gets after its backlog: the conversation's status, and presence for visitors. */
  /** The conversation's status as its `status` frame says it; `current` when its state was just read. */
  async statusFrame(conversationId: string, current?: OwnershipState): Promise<StatusFrame> {
    current ??= await this.state(conversationId);
    const assignee = current.assigneeId === null ? null : await this.agents.get(current.assigneeId);
    return {
      type: 'status',
      owner: current.owner,
      assignee: assignee === undefined || assignee === null ? null : { id: assignee.id, name: assignee.name },
      status: statusOf(current, nowIso()),
      queue: current.owner === 'queued' ? await this.hooks.queuePlace(current) : null,
    };
  }

  /** Re-announces a conversation's status (queue places move when others are assigned). */
  async announce(conversationId: string, withPresence: boolean): Promise<void> {
    try {
      await this.bus.publish(conversationChannel(conversationId), encodeEvent(await this.statusFrame(conversationId), 'system:parley'));
      const presence = withPresence ? await this.hooks.presence(conversationId) : null;
      if (presence !== null) await this.bus.publish(conversationChannel(conversationId), encodeEvent(presence, 'system:parley'));
    } catch (error) {
      this.log.warn({ err: error, conversationId }, 'could not announce a status change');
    }
  }

  private async watchBot(conversationId: string, lastSeq: (() => Promise<number | undefined>) | undefined): Promise<void> {
    const known = lastSeq === undefined ? undefined : await lastSeq();
    const afterSeq = Number(known ?? (await this.engine.getConversation(conversationId))?.last_seq ?? 0);
    clearTimeout(this.watchdogs.get(conversationId));
    const timer = setTimeout(() => {
      this.watchdogs.delete(conversationId);
      void this.checkSilence(conversationId, afterSeq).catch((error: unknown) =>
        this.log.error({ err: error, conversationId }, 'bot silence check failed'),
      );
    }, this.botSilenceMs);
    timer.unref();
    this.watchdogs.set(conversationId, timer);
  }

  private async checkSilence(conversationId: string, afterSeq: number): Promise<void> {
    const since = await this.engine.messagesAfter(conversationId, afterSeq, 200);
    if (since.some((message) => message.author.role === 'bot' || message.author.role === 'agent')) return;
    this.log.warn({ conversationId }, 'the bot stayed silent; handing over to a human');
    await this.handoff(conversationId, 'bot_failed');
  }

  private async existing(conversationId: string): Promise<OwnershipState> {
    await this.mustExist(conversationId);
    return this.state(conversationId);
  }

  private async mustExist(conversationId: string): Promise<void> {
    if ((await this.engine.getConversation(conversationId)) === undefined) {
      throw new ApiError('PARLEY_ERR_CONVERSATION_NOT_FOUND', `No conversation has the id ${conversationId}.`);
    }
  }

  /**
   * The change, as a line of the conversation's activity (the console's timeline). A handoff is not
   * recorded here: it already is a message ("Waiting for a human to join.") that the visitor sees too.
   * Read before the write's transaction; the line is written inside it.
   */
  private async activityLine(
    current: OwnershipState,
    next: OwnershipState,
    action: OwnershipAction,
    actor: Actor,
  ): Promise<{ readonly kind: InboxActivityKind; readonly detail: ActivityDetail } | null> {
    const kind = activityKind(action, current, next);
    if (kind === null) return null;
    const agentNamed = async (id: string | null) => {
      const agent = id === null ? undefined : await this.agents.get(id);
      return agent === undefined ? null : { id: agent.id, name: agent.name };
    };
    const team =
      kind === 'queued' && next.teamId !== null
        ? await this.db.selectFrom('teams').select(['id', 'name']).where('id', '=', next.teamId).executeTakeFirst()
        : undefined;
    const transferred = kind === 'assigned' && current.owner === 'human' && current.assigneeId !== next.assigneeId;
    return {
      kind,
      detail: {
        actor: actor.kind === 'agent' ? { id: actor.id, name: actor.name } : null,
        agent: kind === 'assigned' || kind === 'reopened' ? await agentNamed(next.assigneeId) : null,
        previousAgent: transferred || kind === 'queued' ? await agentNamed(current.assigneeId) : null,
        team: team ?? null,
        until: kind === 'snoozed' ? next.snoozedUntil : null,
      },
    };
  }

  /**
   * Stores a change: the state row, the conversation's activity time (and status, for resolve and
   * reopen), its activity line and its webhook's outbox rows in one transaction, so a node dying
   * midway leaves either all of them or none (never a change whose webhook is lost). Agents and teams
   * are read before it: on SQLite the transaction holds the connection the message writer needs too.
   * Announced (status frame, inbox event, reports) once committed.
   */
  private async write(
    current: OwnershipState,
    changes: Partial<Omit<OwnershipState, 'conversationId'>>,
    action: OwnershipAction | null,
    actor: Actor = SYSTEM,
    status?: 'open' | 'resolved',
  ): Promise<OwnershipState> {
    const next: OwnershipState = { ...current, ...changes };
    const line = action === null ? null : await this.activityLine(current, next, action, actor);
    const webhook =
      action === null
        ? null
        : await this.engine.webhooks.ownershipChanged(this.db, {
            kind: action === 'handoff' ? 'handoff' : (line?.kind ?? null),
            previous: current,
            next,
            actor: actor.kind === 'agent' ? { id: actor.id, name: actor.name } : null,
          });
    const now = nowIso();
    await this.db.transaction().execute(async (trx) => {
      await states.put(trx, {
        conversation_id: next.conversationId,
        owner: next.owner,
        assignee_id: next.assigneeId,
        team_id: next.teamId,
        snoozed_until: next.snoozedUntil,
        queued_at: next.queuedAt,
        offline: next.offline ? 1 : 0,
        updated_at: now,
      });
      // The inbox sorts by activity: an ownership change is activity.
      await trx
        .updateTable('conversations')
        .set({ updated_at: now, ...(status === undefined ? {} : { status }) })
        .where('id', '=', next.conversationId)
        .execute();
      if (line !== null) await activityLog.add(trx, next.conversationId, line.kind, line.detail);
      if (webhook !== null) await webhook(trx);
    });
    this.engine.reports.ownershipChanged(current, next, action);
    if (action !== null) await this.announce(next.conversationId, action === 'handoff' || action === 'handback' || action === 'assign');
    // A team or offline change (no action) changes the inbox entry too: nodes keep entries and read them again on it.
    await publishInboxEvent(this.bus, this.log, next.conversationId, 'ownership');
    return next;
  }
}

const SYSTEM: Actor = { kind: 'system' };

function actorId(actor: Actor): string {
  return actor.kind === 'agent' ? actor.id : 'system';
}

/** Which activity line an ownership change makes; null for changes that are not worth a line (a handoff: it is a message). */
function activityKind(action: OwnershipAction, current: OwnershipState, next: OwnershipState): InboxActivityKind | null {
  switch (action) {
    case 'assign':
      if (next.owner === 'human') return current.owner === 'human' && current.assigneeId === next.assigneeId ? null : 'assigned';
      return 'queued';
    case 'handback':
      return 'handed_back';
    case 'resolve':
      return 'resolved';
    case 'reopen':
    case 'visitor_returned':
      return 'reopened';
    case 'snooze':
      // A snooze that had already run out ends quietly: only one cut short is worth a line.
      if (next.snoozedUntil !== null) return 'snoozed';
      return current.snoozedUntil !== null && current.snoozedUntil > nowIso() ? 'woke' : null;
    default:
      return null;
  }
}

/**
 * Whether Ownership.shouldBotAnswer would answer false with nothing to write, for a conversation in this state:
 * a human owns it, or it waits for one, and it is not snoozed (a visitor's message wakes it: a write) nor resolved
 * (the message reopens it: a write).
 */
export function staysQuietUnder({ owner, snoozed }: { readonly owner: string; readonly snoozed: boolean }): boolean {
  return !snoozed && (owner === 'human' || owner === 'queued');
}
