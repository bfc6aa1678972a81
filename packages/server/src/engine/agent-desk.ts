import type { FastifyBaseLogger } from 'fastify';
import type { Transporter } from 'nodemailer';
import type { AgentService } from '../agents/agent-service.js';
import type { TeamService } from '../agents/team-service.js';
import type { Bus } from '../bus/bus.js';
import type { RealtimeConversationHooks } from '../realtime/conversation-hooks.js';
import type { AgentsStore } from '../store/agents-store.js';
import type { Db } from '../store/database.js';
import type { WidgetService } from '../widgets/widget-service.js';
import { AgentReplies } from './agent-replies.js';
import type { BotTurnPorts } from './bot-turns.js';
import type { ConversationEngine } from './conversation-engine.js';
import { InboxService } from './inbox-service.js';
import { OfflineMail } from './offline-mail.js';
import { Ownership, staysQuietUnder } from './ownership.js';
import { Presence } from './presence.js';
import { ReplyTimes } from './reply-time.js';
import { Routing } from './routing.js';
import { RoutingRules } from './routing-rules.js';

export interface AgentDeskDeps {
  readonly db: Db;
  readonly engine: ConversationEngine;
  readonly bus: Bus;
  readonly log: FastifyBaseLogger;
  readonly agentsStore: AgentsStore;
  readonly agents: AgentService;
  readonly teams: TeamService;
  readonly widgets: WidgetService;
  readonly mail: {
    readonly transport: Transporter | null;
    readonly from: string;
    readonly publicUrl: string;
    readonly link?: (conversationId: string) => Promise<string>;
  };
  readonly timings?: { readonly botSilenceMs?: number; readonly mailDelayMs?: number };
}

/** The human side of conversations, connected: ownership ⇄ routing ⇄ presence, the inbox, agents' replies and mail. */
export interface AgentDesk {
  readonly ownership: Ownership;
  readonly routing: Routing;
  /** The widget's routing rules, applied on a conversation's first visitor message (before the bot answers). */
  readonly routingRules: RoutingRules;
  readonly presence: Presence;
  readonly inbox: InboxService;
  readonly replies: AgentReplies;
  readonly mail: OfflineMail;
  /** The bots' ports: the bot answers only while it owns the conversation; a handoff goes to the queue. */
  readonly botTurnPorts: BotTurnPorts;
  readonly realtimeHooks: RealtimeConversationHooks;
  /** Routing steps and mails in flight finish. */
  idle(): Promise<void>;
  close(): Promise<void>;
}

export function createAgentDesk(deps: AgentDeskDeps): AgentDesk {
  const { db, engine, bus, log, agentsStore, agents, teams } = deps;
  const ownership = new Ownership(db, engine, agentsStore, bus, log, deps.timings?.botSilenceMs);
  const presence = new Presence(db, agentsStore, agents, deps.widgets, engine, new ReplyTimes(db), deps.mail.transport !== null);
  const routing = new Routing(db, ownership, presence, agentsStore, agents, log);
  const routingRules = new RoutingRules(db, engine, deps.widgets, ownership, log);
  const mail = new OfflineMail(db, engine, log, {
    ...deps.mail,
    ...(deps.timings?.mailDelayMs === undefined ? {} : { delayMs: deps.timings.mailDelayMs }),
  });
  const replies = new AgentReplies(db, engine, ownership, mail, bus, log);
  const inbox = new InboxService(db, ownership, () => ownership.hooks.queuePlace);
  ownership.hooks = {
    queued: (conversationId) => routing.route(conversationId),
    capacityFreed: () => void routing.drain(),
    queuePlace: (state) => presence.queuePlace(state),
    presence: (conversationId) => presence.frame(conversationId),
    // Set by the app once the transcript mail exists (it needs the inbox made here).
    resolved: () => undefined,
  };
  agents.onAvailability = () => void routing.drain();
  agents.onDeleted = (agentId) => ownership.releaseAgent(agentId);
  teams.onMembership = () => void routing.drain();
  return {
    ownership,
    routing,
    routingRules,
    presence,
    inbox,
    replies,
    mail,
    botTurnPorts: {
      // The rules run first: one that hands the conversation to a human keeps the bot from answering.
      async shouldBotAnswer(conversationId, lastSeq) {
        await routingRules.beforeBotTurn(conversationId);
        return ownership.shouldBotAnswer(conversationId, lastSeq);
      },
      staysQuiet: (conversationId, atCommit) => routingRules.isSettled(conversationId) && staysQuietUnder(atCommit),
      handoff: (conversationId, reason) => ownership.handoff(conversationId, reason),
    },
    realtimeHooks: {
      async welcomeFields(conversation, forVisitor) {
        const state = await ownership.state(conversation.id);
        const status = await ownership.statusFrame(conversation.id, state);
        if (!forVisitor) return { status };
        return { status, presence: await presence.frame(conversation.id, { conversation, teamId: state.teamId }) };
      },
      agentReplied: (result) => replies.replied(result),
      agentActivity: (agentId) => agents.touch(agentId),
    },
    idle: () => routing.idle(),
    async close() {
      ownership.close();
      await routing.idle();
      await mail.close();
    },
  };
}
