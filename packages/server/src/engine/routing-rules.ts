import type { FastifyBaseLogger } from 'fastify';
import type { TeamService } from '../agents/team-service.js';
import { ApiError } from '../http/api-error.js';
import {
  primaryLanguage,
  ROUTING_REGEX_INPUT_MAX,
  type BusinessHours,
  type RoutingAction,
  type RoutingConditions,
  type RoutingRule,
  type RoutingTest,
  type RoutingTestResult,
  type WidgetSettings,
} from '@parley/protocol';
import { conversationActivityStore as activityLog } from '../store/conversation-activity-store.js';
import type { Db } from '../store/database.js';
import { nowIso } from '../store/ids.js';
import { readJson } from '../store/json.js';
import type { WidgetService } from '../widgets/widget-service.js';
import type { ConversationEngine } from './conversation-engine.js';
import type { Ownership } from './ownership.js';
import { isWithinHours } from './presence.js';

/** What a rule looks at: the first visitor message and the conversation it starts. */
export interface RoutingFacts {
  readonly text: string;
  readonly url: string | null;
  readonly language: string | null;
  readonly identified: boolean;
  readonly attributes: Readonly<Record<string, string>>;
  readonly at: Date;
}

export interface RuleMatch {
  readonly index: number;
  readonly rule: RoutingRule;
}

type Predicate = (facts: RoutingFacts, hours: BusinessHours | null) => boolean;

/** Compiled rule lists by their JSON: a widget's rules are compiled once per version of them, not per conversation. */
const compiled = new Map<string, readonly Predicate[]>();
const COMPILED_MAX = 200;

/** The first rule whose conditions all hold, or null. Regexes see at most ROUTING_REGEX_INPUT_MAX characters. */
export function matchRule(rules: readonly RoutingRule[], facts: RoutingFacts, hours: BusinessHours | null): RuleMatch | null {
  if (rules.length === 0) return null;
  const key = JSON.stringify(rules);
  let predicates = compiled.get(key);
  if (predicates === undefined) {
    predicates = rules.map((rule) => compile(rule.conditions));
    if (compiled.size >= COMPILED_MAX) compiled.delete(compiled.keys().next().value ?? '');
    compiled.set(key, predicates);
  }
  const index = predicates.findIndex((holds) => holds(facts, hours));
  const rule = rules[index];
  return rule === undefined ? null : { index, rule };
}

/** Refuses rules that route to a team that does not exist (when saved): a typo would otherwise route nowhere. */
export async function assertRuleTeams(
  teams: Pick<TeamService, 'get'>,
  rules: readonly RoutingRule[] | null | undefined,
  field = 'routingRules',
): Promise<void> {
  for (const [index, rule] of (rules ?? []).entries()) {
    const teamId = rule.action.teamId;
    if (teamId === undefined) continue;
    const found = await teams.get(teamId).then(
      () => true,
      () => false,
    );
    if (!found) {
      throw new ApiError(
        'PARLEY_ERR_REQUEST_UNKNOWN_REFERENCE',
        `No team has the id ${teamId} (routing rule "${rule.name}"); pick one of GET /v1/teams.`,
        `${field}.${index}.action.teamId`,
      );
    }
  }
}

/** The dry run: which rule (the given ones, else the widget's) a conversation like this would match. */
export function testRules(effective: WidgetSettings, input: RoutingTest): RoutingTestResult {
  const facts: RoutingFacts = {
    text: input.text,
    url: input.url ?? null,
    language: input.language ?? null,
    identified: input.identified ?? false,
    attributes: input.attributes ?? {},
    at: input.at === undefined ? new Date() : new Date(input.at),
  };
  const match = matchRule(input.rules ?? effective.routingRules, facts, effective.businessHours);
  return { match: match === null ? null : { index: match.index, name: match.rule.name, action: match.rule.action } };
}

function compile(conditions: RoutingConditions): Predicate {
  const checks: Predicate[] = [];
  const { textContains, textMatches, urlContains, urlMatches, language, identified, attributes, businessHours } = conditions;
  if (textContains !== undefined) {
    const words = textContains.map((word) => word.toLowerCase());
    checks.push((facts) => {
      const text = facts.text.toLowerCase();
      return words.some((word) => text.includes(word));
    });
  }
  if (textMatches !== undefined) {
    const pattern = new RegExp(textMatches, 'i');
    checks.push((facts) => pattern.test(facts.text.slice(0, ROUTING_REGEX_INPUT_MAX)));
  }
  if (urlContains !== undefined) {
    const part = urlContains.toLowerCase();
    checks.push((facts) => facts.url !== null && facts.url.toLowerCase().includes(part));
  }
  if (urlMatches !== undefined) {
    const pattern = new RegExp(urlMatches, 'i');
    checks.push((facts) => facts.url !== null && pattern.test(facts.url.slice(0, ROUTING_REGEX_INPUT_MAX)));
  }
  if (language !== undefined) {
    const tags = language.map((tag) => tag.toLowerCase());
    // `pt` names every Portuguese; `pt-BR` only that one.
    checks.push((facts) => {
      const spoken = facts.language?.toLowerCase() ?? null;
      return spoken !== null && tags.some((tag) => tag === spoken || (!tag.includes('-') && tag === primaryLanguage(spoken)));
    });
  }
  if (identified !== undefined) checks.push((facts) => facts.identified === identified);
  if (attributes !== undefined) {
    const wanted = Object.entries(attributes);
    checks.push((facts) => wanted.every(([key, value]) => facts.attributes[key] === value));
  }
  if (businessHours !== undefined) {
    // A widget without business hours is always open.
    checks.push((facts, hours) => (hours === null || isWithinHours(hours, facts.at)) === (businessHours === 'within'));
  }
  return (facts, hours) => checks.every((check) => check(facts, hours));
}

/** Remembered conversations whose rules are settled (evaluated, or the widget has none): bounded, oldest forgotten first. */
const SETTLED_MAX = 10_000;
/** Visitor messages looked through for the first one (a conversation's first messages are few). */
const FIRST_MESSAGES = 50;

/**
 * Applies a widget's routing rules to a conversation once, on its first visitor message, before the bot
 * answers it (the bot turns' port asks first). The claim on `conversations.routed_at` makes that once
 * across nodes; a per-node memo keeps later turns to one Set lookup. The matched action sets the
 * conversation's team (for assignment now and at any later handoff), its priority, and may hand it to a
 * human at once; an activity line says which rule did it.
 */
export class RoutingRules {
  private readonly settled = new Set<string>();

  constructor(
    private readonly db: Db,
    private readonly engine: ConversationEngine,
    private readonly widgets: Pick<WidgetService, 'settings'>,
    private readonly ownership: Ownership,
    private readonly log: FastifyBaseLogger,
  ) {}

  /** Whether beforeBotTurn would do nothing for this conversation now (its rules are settled), without a read. */
  isSettled(conversationId: string): boolean {
    return this.settled.has(conversationId);
  }

  async beforeBotTurn(conversationId: string): Promise<void> {
    if (this.settled.has(conversationId)) return;
    const conversation = await this.db
      .selectFrom('conversations')
      .select(['widget_id', 'meta', 'identity_user_id', 'routed_at'])
      .where('id', '=', conversationId)
      .executeTakeFirst();
    if (conversation === undefined) return;
    if (conversation.routed_at !== null) return this.settle(conversationId);
    const effective = await this.widgets.settings(conversation.widget_id).catch(
      // A deleted widget's conversations keep working without rules.
      () => null,
    );
    if (effective === null || effective.routingRules.length === 0) return this.settle(conversationId);
    const first = (await this.engine.messagesAfter(conversationId, 0, FIRST_MESSAGES)).find(
      (message) => message.author.role === 'visitor' && message.type === 'text',
    );
    // A bot that speaks first: the rules wait for the visitor's first words.
    if (first === undefined) return;
    const claimed = await this.db
      .updateTable('conversations')
      .set({ routed_at: nowIso() })
      .where('id', '=', conversationId)
      .where('routed_at', 'is', null)
      .executeTakeFirst();
    this.settle(conversationId);
    if (Number(claimed.numUpdatedRows) === 0) return;
    const meta = readJson<Record<string, string>>(conversation.meta);
    const facts: RoutingFacts = {
      text: first.text,
      url: meta['pageUrl'] ?? meta['url'] ?? null,
      language: meta['language'] ?? null,
      identified: conversation.identity_user_id !== null,
      attributes: meta,
      at: new Date(first.createdAt),
    };
    const match = matchRule(effective.routingRules, facts, effective.businessHours);
    if (match !== null) await this.apply(conversationId, match);
  }

  private async apply(conversationId: string, { index, rule }: RuleMatch): Promise<void> {
    const action: RoutingAction = rule.action;
    const team =
      action.teamId === undefined
        ? undefined
        : await this.db.selectFrom('teams').select(['id', 'name']).where('id', '=', action.teamId).executeTakeFirst();
    if (action.teamId !== undefined && team === undefined) {
      this.log.warn({ conversationId, rule: rule.name, teamId: action.teamId }, 'a routing rule names a team that no longer exists');
    }
    if (team !== undefined) await this.ownership.setTeam(conversationId, team.id);
    if (action.priority !== undefined) {
      await this.db.updateTable('conversations').set({ priority: action.priority }).where('id', '=', conversationId).execute();
    }
    const handTo = action.handTo ?? 'bot';
    await activityLog.add(this.db, conversationId, 'routed', {
      actor: null,
      agent: null,
      previousAgent: null,
      team: team ?? null,
      until: null,
      rule: { name: rule.name, priority: action.priority ?? null, handTo },
    });
    this.log.info({ conversationId, rule: rule.name, index, teamId: team?.id, handTo }, 'routing rule matched');
    if (handTo === 'human') await this.ownership.handoff(conversationId, 'routing_rule');
  }

  private settle(conversationId: string): void {
    if (this.settled.size >= SETTLED_MAX) this.settled.delete(this.settled.values().next().value ?? '');
    this.settled.add(conversationId);
  }
}
