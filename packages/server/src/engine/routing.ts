import type { FastifyBaseLogger } from 'fastify';
import type { AgentService } from '../agents/agent-service.js';
import type { AgentRow, AgentsStore } from '../store/agents-store.js';
import { conversationStatesStore as states } from '../store/conversation-states-store.js';
import type { Db } from '../store/database.js';
import type { Ownership } from './ownership.js';
import type { Presence } from './presence.js';

const DRAIN_BATCH = 100;

/**
 * Assigns queued conversations by their widget's rule — round robin (the online agent assigned
 * longest ago) or least busy (fewest open conversations) — among the online agents of the widget's
 * team, within each agent's capacity. With nobody available the conversation stays queued and its
 * visitor is told their place, or that the widget is offline. One routing step runs at a time per node.
 */
export class Routing {
  private chain: Promise<void> = Promise.resolve();
  private drainPending = false;

  constructor(
    private readonly db: Db,
    private readonly ownership: Ownership,
    private readonly presence: Presence,
    private readonly agentsStore: AgentsStore,
    private readonly agents: AgentService,
    private readonly log: FastifyBaseLogger,
  ) {}

  /** A conversation joined the queue. */
  route(conversationId: string): Promise<void> {
    return this.serial(async () => {
      await this.routeOne(conversationId);
    });
  }

  /** Capacity or availability changed: assign what waits, oldest first, then tell the rest their new place. */
  drain(): Promise<void> {
    if (this.drainPending) return this.chain;
    this.drainPending = true;
    return this.serial(async () => {
      this.drainPending = false;
      const queued = await states.queued(this.db, DRAIN_BATCH);
      const waiting: string[] = [];
      for (const row of queued) if (!(await this.routeOne(row.conversation_id))) waiting.push(row.conversation_id);
      for (const id of waiting) await this.ownership.announce(id, true);
    });
  }

  /** Settles when every routing step asked for so far has run (tests, shutdown). */
  idle(): Promise<void> {
    return this.chain;
  }

  /** True when the conversation got an agent. */
  private async routeOne(conversationId: string): Promise<boolean> {
    const state = await this.ownership.state(conversationId);
    if (state.owner !== 'queued') return false;
    const settings = await this.presence.settingsFor(conversationId);
    const teamId = state.teamId ?? settings.teamId;
    if (state.teamId === null && teamId !== null) await this.ownership.setTeam(conversationId, teamId);
    const availability = await this.presence.availability(settings, teamId);
    await this.ownership.setOffline(conversationId, availability.offline);
    if (availability.offline || settings.routing === 'manual') return false;
    const agent = await this.pick(settings.routing, teamId);
    if (agent === undefined) return false;
    await this.ownership.assign(conversationId, { agentId: agent.id }, { kind: 'system' });
    this.log.info({ conversationId, agentId: agent.id, rule: settings.routing }, 'conversation routed');
    return true;
  }

  private async pick(rule: 'round_robin' | 'least_busy', teamId: string | null): Promise<AgentRow | undefined> {
    const online = new Set(await this.presence.onlineAgentIds(teamId));
    const loads = await states.loads(this.db);
    const load = (row: AgentRow): number => loads.get(row.id) ?? 0;
    const candidates = (await this.agentsStore.all()).filter(
      (row) => online.has(row.id) && this.agents.effectiveStatus(row) === 'online' && load(row) < Number(row.capacity),
    );
    const lastAssigned = (row: AgentRow): string => row.last_assigned_at ?? '';
    candidates.sort((a, b) => {
      if (rule === 'least_busy' && load(a) !== load(b)) return load(a) - load(b);
      return lastAssigned(a) < lastAssigned(b) ? -1 : lastAssigned(a) > lastAssigned(b) ? 1 : a.id < b.id ? -1 : 1;
    });
    return candidates[0];
  }

  private serial(task: () => Promise<void>): Promise<void> {
    const run = this.chain.then(task).catch((error: unknown) => this.log.error({ err: error }, 'routing failed'));
    this.chain = run;
    return run;
  }
}
