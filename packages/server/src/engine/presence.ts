import {
  DEFAULT_WIDGET_SETTINGS,
  WEEKDAYS,
  type BusinessHours,
  type PresenceFrame,
  type QueuePlace,
  type Weekday,
  type WidgetSettings,
} from '@parley/protocol';
import type { AgentService } from '../agents/agent-service.js';
import type { AgentsStore } from '../store/agents-store.js';
import { conversationStatesStore as states } from '../store/conversation-states-store.js';
import type { Db } from '../store/database.js';
import type { WidgetService } from '../widgets/widget-service.js';
import type { ConversationEngine } from './conversation-engine.js';
import type { OwnershipState } from './ownership.js';
import type { ReplyTimes } from './reply-time.js';

export interface Availability {
  readonly agentsOnline: number;
  readonly offline: boolean;
  readonly offlineReason: 'no_agents' | 'outside_hours' | null;
  readonly offlineMessage: string;
}

/**
 * Whether humans can answer a widget's visitors now (online agents of its team, business hours),
 * how long they typically take (reply-time.ts: from the last weeks' first responses, per team), whether the wait is
 * long enough for async mode (docs/async-mode.md), and where a queued conversation stands.
 */
export class Presence {
  constructor(
    private readonly db: Db,
    private readonly agentsStore: AgentsStore,
    private readonly agents: AgentService,
    private readonly widgets: WidgetService,
    private readonly engine: ConversationEngine,
    private readonly replyTimes: ReplyTimes,
    /** Whether agents' replies are mailed to visitors who left an email (a mail transport is configured). */
    private readonly emailReplies = false,
  ) {}

  /** The widget's effective settings; a deleted widget's conversations fall back to the defaults. */
  async settingsFor(conversationId: string): Promise<WidgetSettings> {
    return this.settingsOf((await this.engine.getConversation(conversationId))?.widget_id);
  }

  private async settingsOf(widgetId: string | undefined): Promise<WidgetSettings> {
    if (widgetId === undefined) return DEFAULT_WIDGET_SETTINGS;
    try {
      return await this.widgets.settings(widgetId);
    } catch {
      // Widget deleted: its conversations keep working with the default routing.
      return DEFAULT_WIDGET_SETTINGS;
    }
  }

  /** Agents online (not away) in the team, or in all of them when teamId is null. */
  async onlineAgentIds(teamId: string | null): Promise<string[]> {
    const rows = await this.agentsStore.all();
    const teams = teamId === null ? null : await this.agentsStore.teamIds(rows.map((row) => row.id));
    return rows
      .filter(
        (row) => this.agents.effectiveStatus(row) === 'online' && (teams === null || (teams.get(row.id) ?? []).includes(teamId ?? '')),
      )
      .map((row) => row.id);
  }

  async availability(settings: WidgetSettings, teamId: string | null = settings.teamId, at = new Date()): Promise<Availability> {
    const agentsOnline = (await this.onlineAgentIds(teamId)).length;
    // Empty when the widget sets none: the widget then shows its built-in text, translated and worded by `emailReplies`.
    const offlineMessage = settings.offlineMessage;
    if (settings.businessHours !== null && !isWithinHours(settings.businessHours, at)) {
      return { agentsOnline, offline: true, offlineReason: 'outside_hours', offlineMessage };
    }
    return { agentsOnline, offline: agentsOnline === 0, offlineReason: agentsOnline === 0 ? 'no_agents' : null, offlineMessage };
  }

  /**
   * The presence frame of a conversation. `known`: what the caller has just read (a welcome: the conversation row and its
   * ownership), so it is not read again; anything left out is read here.
   */
  async frame(
    conversationId: string,
    known: {
      readonly conversation?: { readonly widget_id: string; readonly contact_id: string | null };
      readonly teamId?: string | null;
    } = {},
  ): Promise<PresenceFrame> {
    const conversation = known.conversation ?? (await this.engine.getConversation(conversationId));
    const widgetId = conversation?.widget_id;
    const settings = await this.settingsOf(widgetId);
    const teamId = (known.teamId !== undefined ? known.teamId : (await states.get(this.db, conversationId))?.team_id) ?? settings.teamId;
    const availability = await this.availability(settings, teamId);
    const typicalReplyMs = widgetId === undefined ? null : await this.typicalReplyMs(widgetId, teamId, settings);
    // Async mode: humans are there, but the history says the answer will take longer than the widget's threshold.
    const { asyncMode } = settings;
    const long =
      !availability.offline &&
      asyncMode.enabled &&
      typicalReplyMs !== null &&
      typicalReplyMs > asyncMode.afterMinutes * 60_000 &&
      // A visitor who already left an email (on this device or another: a conversation link) is not asked again.
      !(await this.hasEmail(conversation?.contact_id ?? null));
    return {
      type: 'presence',
      typicalReplyMs,
      ...availability,
      emailReplies: this.emailReplies,
      ...(long ? { asyncMode: true } : {}),
    };
  }

  private async hasEmail(contactId: string | null): Promise<boolean> {
    if (contactId === null) return false;
    const row = await this.db.selectFrom('contacts').select('email').where('id', '=', contactId).executeTakeFirst();
    return row?.email !== undefined && row.email !== null && row.email !== '';
  }

  /** The expected time to a human's first reply for the team (else the widget), in business hours when it has them. */
  private async typicalReplyMs(widgetId: string, teamId: string | null, settings: WidgetSettings): Promise<number | null> {
    try {
      return await this.replyTimes.typicalMs({ widgetId, teamId, businessHours: settings.businessHours !== null });
    } catch {
      // The figure is a courtesy: a failed read leaves it out of this frame (the next frame asks again), never the frame.
      return null;
    }
  }

  async queuePlace(state: OwnershipState): Promise<QueuePlace | null> {
    if (state.owner !== 'queued' || state.queuedAt === null) return null;
    const position =
      1 +
      (await states.ahead(this.db, {
        conversation_id: state.conversationId,
        owner: state.owner,
        assignee_id: null,
        team_id: state.teamId,
        snoozed_until: null,
        queued_at: state.queuedAt,
        offline: 0,
        updated_at: state.queuedAt,
      }));
    const widgetId = (await this.engine.getConversation(state.conversationId))?.widget_id;
    const settings = await this.settingsOf(widgetId);
    const typical = widgetId === undefined ? null : await this.typicalReplyMs(widgetId, state.teamId ?? settings.teamId, settings);
    return { position, estimatedWaitMs: typical === null ? null : typical * position };
  }
}

/** True when `at`, in the hours' time zone, falls in one of the ranges (a range ending before it starts spans midnight). */
export function isWithinHours(hours: BusinessHours, at: Date): boolean {
  return isWithinHoursAt(hours, localWeekTime(hours.timezone, at.getTime()));
}

/** A moment as business hours read it: the local weekday (undefined if Intl names none we know) and `HH:MM`. */
export interface LocalWeekTime {
  readonly day: Weekday | undefined;
  readonly time: string;
}

/** One formatter per zone: making one costs far more than asking it (report durations ask it per step). */
const weekTimeFormats = new Map<string, Intl.DateTimeFormat>();

export function localWeekTime(zone: string, at: number): LocalWeekTime {
  let format = weekTimeFormats.get(zone);
  if (format === undefined) {
    format = new Intl.DateTimeFormat('en-US', { timeZone: zone, weekday: 'short', hour: '2-digit', minute: '2-digit', hourCycle: 'h23' });
    weekTimeFormats.set(zone, format);
  }
  const parts = format.formatToParts(at);
  const part = (type: string): string => parts.find((p) => p.type === type)?.value ?? '';
  return {
    day: WEEKDAYS.find((d) => d === part('weekday').toLowerCase().slice(0, 3)),
    time: `${part('hour').padStart(2, '0')}:${part('minute').padStart(2, '0')}`,
  };
}

/** isWithinHours on a moment already read in the hours' zone. */
export function isWithinHoursAt(hours: BusinessHours, { day, time }: LocalWeekTime): boolean {
  if (day === undefined) return true;
  const previous = WEEKDAYS[(WEEKDAYS.indexOf(day) + 6) % 7];
  return hours.hours.some((range) => {
    if (range.from < range.to) return range.days.includes(day) && time >= range.from && time < range.to;
    // Overnight: the evening part belongs to the listed day, the early-morning part to the day after it.
    return (range.days.includes(day) && time >= range.from) || (previous !== undefined && range.days.includes(previous) && time < range.to);
  });
}
