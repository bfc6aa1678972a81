import type { FastifyPluginAsync, FastifyRequest } from 'fastify';
import { campaignCreateSchema, campaignPatchSchema, reportQuerySchema, REPORT_MAX_DAYS, type Campaign } from '@parley/protocol';
import type { CampaignService } from '../campaigns/index.js';
import { AGENT_SECURITY, ADMIN_SECURITY, errorResponse, idParams, jsonSchema, ok } from '../http/openapi.js';
import { parseInput } from '../http/parse-input.js';
import { campaignsCsv } from '../reports/report-csv.js';
import { resolvePeriod } from '../reports/report-period.js';
import { sendReport } from './reports.js';

export interface CampaignsApiOptions {
  readonly campaigns: CampaignService;
}

const tags = ['campaigns'];
const errors = { 400: errorResponse, 401: errorResponse, 403: errorResponse, 404: errorResponse };
const campaignParams = {
  type: 'object',
  required: ['id', 'campaignId'],
  properties: { id: { type: 'string' }, campaignId: { type: 'string' } },
} as const;
const FIELDS =
  '`{ id, widgetId, name, enabled, priority, startsAt, endsAt, message { text, quickReplies }, display, sender, trigger, pages { include, exclude }, audience, cap, createdAt, updatedAt }`';
const HELP =
  '`name`; `message` `{ text (Markdown), quickReplies? }`; `display` peek | window | both (default peek); `sender` `{ kind: "bot" }` (default) or `{ kind: "agent", agentId }`; ' +
  "`trigger` `{ kind }`: page_view, time_on_page `{ seconds }`, time_on_site `{ seconds }`, exit_intent, scroll_depth `{ percent }`, event `{ name }` (from `Parley('track', name)`); " +
  '`pages` `{ include, exclude }` of `{ match: exact | prefix | wildcard | regex, value }` (regexes: at most 200 characters, no back-references, no repeated group holding a quantifier); ' +
  '`audience` `{ visitor: any | new | returning, identified: any | yes | no, languages, businessHours: any | open | closed, attributes: [{ key, op, value }] }`; ' +
  '`cap` once_per_visitor (default) | once_per_session | every_days `{ days }`; `startsAt`/`endsAt` (ISO date-times or null); `priority` 0–1000 (higher wins); `enabled` (default true). See docs/campaigns.md.';

const campaignTarget = (request: FastifyRequest, answer: unknown): string | null => {
  const params = request.params as { campaignId?: string };
  if (params.campaignId !== undefined) return params.campaignId;
  return typeof answer === 'object' && answer !== null && 'id' in answer && typeof answer.id === 'string' ? answer.id : null;
};

/**
 * `/v1/widgets/{id}/campaigns`: a widget's proactive messages (admins), and `GET /v1/reports/campaigns`, their
 * shown/opened/replied counts (agents, like the other reports). The widget's beacons count them
 * (`POST /v1/widgets/{id}/events`, widget-events.ts).
 */
export const campaignsApi: FastifyPluginAsync<CampaignsApiOptions> = async (app, { campaigns }) => {
  await app.register(async (admin) => {
    admin.addHook('onRequest', admin.requireAdmin);

    admin.get<{ Params: { id: string } }>('/v1/widgets/:id/campaigns', {
      schema: {
        tags,
        summary: 'List a widget’s campaigns',
        description: `Highest priority first. Each: ${FIELDS}.`,
        security: ADMIN_SECURITY,
        params: idParams,
        response: { 200: ok('`{ items }`'), ...errors },
      },
      handler: async (request) => ({ items: await campaigns.list(request.params.id) }),
    });

    admin.post<{ Params: { id: string } }>('/v1/widgets/:id/campaigns', {
      config: { audit: { action: 'campaign.created', targetType: 'campaign', targetId: campaignTarget } },
      schema: {
        tags,
        summary: 'Add a proactive message to a widget',
        description: `${HELP} Answers the campaign ${FIELDS}. Browsers see it in the widget’s public config once it is enabled and in schedule.`,
        security: ADMIN_SECURITY,
        params: idParams,
        body: jsonSchema(campaignCreateSchema),
        response: { 201: ok('The campaign'), ...errors },
      },
      handler: async (request, reply): Promise<Campaign> => {
        const input = parseInput(campaignCreateSchema, request.body ?? {});
        return reply.status(201).send(await campaigns.create(request.params.id, input));
      },
    });

    admin.get<{ Params: { id: string; campaignId: string } }>('/v1/widgets/:id/campaigns/:campaignId', {
      schema: {
        tags,
        summary: 'Get a campaign',
        security: ADMIN_SECURITY,
        params: campaignParams,
        response: { 200: ok(`The campaign ${FIELDS}`), ...errors },
      },
      handler: async (request) => campaigns.get(request.params.id, request.params.campaignId),
    });

    admin.patch<{ Params: { id: string; campaignId: string } }>('/v1/widgets/:id/campaigns/:campaignId', {
      config: { audit: { action: 'campaign.updated', targetType: 'campaign', targetId: campaignTarget } },
      schema: {
        tags,
        summary: 'Change a campaign',
        description:
          'Send the fields to change; each replaces the stored one whole (a new `trigger` replaces the trigger). Same rules as creating one.',
        security: ADMIN_SECURITY,
        params: campaignParams,
        body: jsonSchema(campaignPatchSchema),
        response: { 200: ok('The campaign'), ...errors },
      },
      handler: async (request) =>
        campaigns.update(request.params.id, request.params.campaignId, parseInput(campaignPatchSchema, request.body ?? {})),
    });

    admin.delete<{ Params: { id: string; campaignId: string } }>('/v1/widgets/:id/campaigns/:campaignId', {
      config: { audit: { action: 'campaign.deleted', targetType: 'campaign', targetId: campaignTarget } },
      schema: {
        tags,
        summary: 'Remove a campaign',
        description: 'Its counts go with it.',
        security: ADMIN_SECURITY,
        params: campaignParams,
        response: { 204: { description: 'Removed', type: 'null' }, ...errors },
      },
      handler: async (request, reply) => {
        await campaigns.delete(request.params.id, request.params.campaignId);
        return reply.status(204).send();
      },
    });
  });

  await app.register(async (agents) => {
    agents.addHook('onRequest', agents.requireAgent);
    agents.get('/v1/reports/campaigns', {
      schema: {
        tags: ['reports'],
        summary: 'Proactive messages: shown, opened, replied',
        description:
          `Per campaign (every campaign of the widget, or of every widget): how many times it was shown, opened and replied to in the period, and its reply rate (replied / shown, null when never shown). ` +
          `Query: \`from\`, \`to\` (YYYY-MM-DD days of \`timeZone\`, both included, at most ${REPORT_MAX_DAYS} days), \`timeZone\`, optional \`widgetId\`; counted by UTC hour. ` +
          'Campaign figures belong to widgets, so `teamId` and `agentId` do not narrow them. `format` = `json` (default) or `csv` (a file, one line per campaign).',
        security: AGENT_SECURITY,
        querystring: jsonSchema(reportQuerySchema),
        response: {
          200: ok(
            '`CampaignReport` (protocol): `{ from, to, timeZone, items: [{ campaignId, widgetId, name, shown, opened, replied, replyRate }] }`',
          ),
          ...errors,
        },
      },
      handler: async (request, reply) => {
        const query = parseInput(reportQuerySchema, request.query ?? {});
        const widgetId = query.widgetId ?? null;
        const period = resolvePeriod(query, { widgetId, teamId: null, agentId: null });
        const report = await campaigns.report(
          widgetId,
          { from: query.from, to: query.to, timeZone: query.timeZone },
          period.start,
          period.end,
        );
        return sendReport(reply, query, 'campaigns', report, () => campaignsCsv(report));
      },
    });
  });
};
