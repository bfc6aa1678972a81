import {
  type Campaign,
  type CampaignBeaconEventType,
  type CampaignCreate,
  type CampaignDefinition,
  type CampaignPatch,
  type CampaignReport,
  type PublicCampaign,
  type PublicCampaigns,
  type WidgetSettings,
} from '@parley/protocol';
import { ApiError } from '../http/api-error.js';
import { newId, nowIso } from '../store/ids.js';
import type { CampaignsTable } from '../store/schema.js';
import type { ConfigChanges } from '../widgets/public-config-cache.js';
import type { CampaignsStore } from './campaigns-store.js';

/** What the service needs to know of widgets and agents (their services, picked in app.ts). */
export interface CampaignDirectory {
  /** Rejects with PARLEY_ERR_WIDGET_NOT_FOUND when the widget does not exist. */
  assertWidget(widgetId: string): Promise<void>;
  /** The agent's display name, undefined when no agent has the id. */
  agentName(agentId: string): Promise<string | undefined>;
}

export const campaignNotFound = (id: string): ApiError =>
  new ApiError('PARLEY_ERR_CAMPAIGN_NOT_FOUND', `The widget has no campaign with the id ${id}.`);

/**
 * A widget's proactive messages (docs/campaigns.md): stored and checked here, carried to browsers by the
 * public config (every change drops the widget's cached config on every node), counted from the widget's beacons.
 */
export class CampaignService {
  constructor(
    private readonly store: CampaignsStore,
    private readonly directory: CampaignDirectory,
    private readonly configChanges: ConfigChanges,
    private readonly now: () => Date = () => new Date(),
  ) {}

  async list(widgetId: string): Promise<Campaign[]> {
    await this.directory.assertWidget(widgetId);
    return this.store.list(widgetId);
  }

  async get(widgetId: string, id: string): Promise<Campaign> {
    await this.directory.assertWidget(widgetId);
    const found = await this.store.get(widgetId, id);
    if (found === undefined) throw campaignNotFound(id);
    return found;
  }

  async create(widgetId: string, input: CampaignCreate): Promise<Campaign> {
    await this.directory.assertWidget(widgetId);
    await this.check(input);
    const at = nowIso();
    const id = newId('cmp');
    await this.store.insert({ id, widget_id: widgetId, created_at: at, ...columns(input, at) });
    await this.configChanges.changed({ widgetId });
    return this.get(widgetId, id);
  }

  async update(widgetId: string, id: string, patch: CampaignPatch): Promise<Campaign> {
    const current = await this.get(widgetId, id);
    const merged: CampaignCreate = {
      name: patch.name ?? current.name,
      enabled: patch.enabled ?? current.enabled,
      priority: patch.priority ?? current.priority,
      startsAt: patch.startsAt === undefined ? current.startsAt : patch.startsAt,
      endsAt: patch.endsAt === undefined ? current.endsAt : patch.endsAt,
      message: patch.message ?? current.message,
      display: patch.display ?? current.display,
      sender: patch.sender ?? current.sender,
      trigger: patch.trigger ?? current.trigger,
      pages: patch.pages ?? current.pages,
      audience: patch.audience ?? current.audience,
      cap: patch.cap ?? current.cap,
    };
    await this.check(merged);
    await this.store.update(id, columns(merged, nowIso()));
    await this.configChanges.changed({ widgetId });
    return this.get(widgetId, id);
  }

  async delete(widgetId: string, id: string): Promise<void> {
    await this.directory.assertWidget(widgetId);
    if (!(await this.store.delete(widgetId, id))) throw campaignNotFound(id);
    await this.configChanges.changed({ widgetId });
  }

  /**
   * The public config's block: the enabled campaigns in schedule now, as the browser needs them (no name,
   * schedule or agent id; the sender's name), or undefined when there are none and no returning visitors'
   * greeting, so the widget loads no campaign code. The widget's business hours travel along when an audience
   * asks open or closed; the returning greeting (`greeting.returning`) is shown by the same extra.
   */
  async publicCampaigns(widgetId: string, settings: WidgetSettings, botName: string): Promise<PublicCampaigns | undefined> {
    const live = await this.store.live(widgetId, this.now().toISOString());
    const greeting = settings.greeting.returning;
    if (live.length === 0 && greeting === '') return undefined;
    const items: PublicCampaign[] = [];
    for (const campaign of live) {
      const agentName = campaign.sender.kind === 'agent' ? await this.directory.agentName(campaign.sender.agentId) : undefined;
      items.push({
        id: campaign.id,
        priority: campaign.priority,
        message: campaign.message,
        display: campaign.display,
        // An agent deleted since keeps the message going, from the bot.
        sender: agentName === undefined ? { kind: 'bot', name: botName } : { kind: 'agent', name: agentName },
        trigger: campaign.trigger,
        pages: campaign.pages,
        audience: campaign.audience,
        cap: campaign.cap,
        ...(campaign.endsAt === null ? {} : { endsAt: campaign.endsAt }),
      });
    }
    const hours = items.some((c) => c.audience.businessHours !== 'any');
    return {
      items,
      ...(hours ? { businessHours: settings.businessHours } : {}),
      ...(greeting === '' ? {} : { returningGreeting: greeting }),
    };
  }

  /**
   * The message a new conversation starts with when the visitor answers campaign `campaignId` (the session body's
   * `campaignId`): undefined unless it is one of the widget's enabled campaigns in schedule now. Its sender is the
   * named agent (by id and name) while that agent exists, else undefined (the caller signs it as the bot).
   */
  async opening(
    widgetId: string,
    campaignId: string,
  ): Promise<
    | {
        readonly name: string;
        readonly message: CampaignDefinition['message'];
        readonly agent?: { readonly id: string; readonly name: string };
      }
    | undefined
  > {
    const campaign = (await this.store.live(widgetId, this.now().toISOString())).find((live) => live.id === campaignId);
    if (campaign === undefined) return undefined;
    const { sender } = campaign;
    const name = sender.kind === 'agent' ? await this.directory.agentName(sender.agentId) : undefined;
    return {
      name: campaign.name,
      message: campaign.message,
      ...(sender.kind === 'agent' && name !== undefined ? { agent: { id: sender.agentId, name } } : {}),
    };
  }

  /** A beacon of the widget: the campaign must be one of its own (any state: a page may hold an older config). */
  async count(widgetId: string, campaignId: string, type: CampaignBeaconEventType): Promise<void> {
    if (!(await this.store.count(widgetId, campaignId, type, this.now()))) throw campaignNotFound(campaignId);
  }

  /** Per campaign over [start, end) ms, counted by UTC hour (a zone at :30 or :45 sees its edges at the whole hour). */
  async report(
    widgetId: string | null,
    period: { from: string; to: string; timeZone: string },
    start: number,
    end: number,
  ): Promise<CampaignReport> {
    const rows = await this.store.totals(widgetId, hourOf(start), hourOf(end + 3_599_999));
    return {
      ...period,
      items: rows.map((row) => ({ ...row, replyRate: row.shown === 0 ? null : Math.round((row.replied / row.shown) * 10_000) / 10_000 })),
    };
  }

  private async check(input: CampaignCreate): Promise<void> {
    if (input.startsAt !== null && input.endsAt !== null && Date.parse(input.endsAt) <= Date.parse(input.startsAt)) {
      throw new ApiError('PARLEY_ERR_REQUEST_VALIDATION', `endsAt (${input.endsAt}) must be after startsAt (${input.startsAt}).`, 'endsAt');
    }
    if (input.sender.kind === 'agent' && (await this.directory.agentName(input.sender.agentId)) === undefined) {
      throw new ApiError('PARLEY_ERR_CAMPAIGN_UNKNOWN_AGENT', `No agent has the id ${input.sender.agentId}.`, 'sender.agentId');
    }
  }
}

function hourOf(ms: number): string {
  return new Date(ms).toISOString().slice(0, 13);
}

function columns(input: CampaignCreate, updatedAt: string): Omit<CampaignsTable, 'id' | 'widget_id' | 'created_at'> {
  const definition: CampaignDefinition = {
    message: input.message,
    display: input.display,
    sender: input.sender,
    trigger: input.trigger,
    pages: input.pages,
    audience: input.audience,
    cap: input.cap,
  };
  return {
    name: input.name,
    enabled: input.enabled ? 1 : 0,
    priority: input.priority,
    starts_at: input.startsAt === null ? null : new Date(input.startsAt).toISOString(),
    ends_at: input.endsAt === null ? null : new Date(input.endsAt).toISOString(),
    definition: JSON.stringify(definition),
    updated_at: updatedAt,
  };
}
