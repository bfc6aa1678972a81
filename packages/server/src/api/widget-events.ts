import type { FastifyPluginAsync } from 'fastify';
import * as v from 'valibot';
import { campaignBeaconSchema, widgetBeaconSchema } from '@parley/protocol';
import type { CampaignService } from '../campaigns/index.js';
import { ApiError } from '../http/api-error.js';
import { errorResponse, idParams, jsonSchema } from '../http/openapi.js';
import { parseInput } from '../http/parse-input.js';
import { refuseWhenLimited } from '../limits/refuse.js';
import type { VisitorLimits } from '../limits/visitor-limits.js';
import type { PublicConfigCache } from '../widgets/public-config-cache.js';
import type { WidgetService } from '../widgets/widget-service.js';
import type { ReportRecorder } from '../reports/report-recorder.js';

export interface WidgetEventsApiOptions {
  readonly publicConfig: PublicConfigCache;
  readonly widgets: WidgetService;
  readonly limits: VisitorLimits;
  readonly recorder: ReportRecorder;
  readonly campaigns: Pick<CampaignService, 'count'>;
}

/** A widget beacon, or a campaign's (shown, opened, replied: `{ type, campaign }`); told apart by `type`, so a refusal names that field. */
const beaconSchema = v.variant(
  'type',
  [widgetBeaconSchema, campaignBeaconSchema],
  'must be { type } with type one of widget_loaded, widget_opened, or { type, campaign } with type one of campaign_shown, campaign_opened, campaign_replied',
);

/** A beacon is a few bytes of JSON; anything longer is not one. */
const BEACON_MAX_BYTES = 256;

/**
 * `POST /v1/widgets/{id}/events`: what only the browser knows (the widget loaded, the chat opened), for
 * reports. Public like the config endpoint and checked the same way (the widget's Origin allowlist),
 * limited per client address. `navigator.sendBeacon` sends a string as text/plain, so that is accepted
 * as JSON too: no preflight, and the page can be leaving.
 */
export const widgetEventsApi: FastifyPluginAsync<WidgetEventsApiOptions> = async (
  app,
  { publicConfig, widgets, limits, recorder, campaigns },
) => {
  app.addContentTypeParser('text/plain', { parseAs: 'string', bodyLimit: BEACON_MAX_BYTES }, (_request, body, done) => {
    try {
      done(null, JSON.parse(String(body)));
    } catch {
      done(new ApiError('PARLEY_ERR_REQUEST_INVALID_JSON', 'The beacon body must be JSON such as {"type":"widget_opened"}.'), undefined);
    }
  });

  app.post<{ Params: { id: string } }>('/v1/widgets/:id/events', {
    bodyLimit: BEACON_MAX_BYTES,
    schema: {
      tags: ['visitor'],
      summary: 'Report that the widget loaded or opened',
      description:
        '`{ type: "widget_loaded" | "widget_opened" }`, or `{ type: "campaign_shown" | "campaign_opened" | "campaign_replied", campaign }` (one of the widget’s campaigns; 404 PARLEY_ERR_CAMPAIGN_NOT_FOUND otherwise), ' +
        'as `application/json` or `text/plain` (what `navigator.sendBeacon` sends), no token. ' +
        'The Origin must be one the widget allows (as for its config); limited per client address (PARLEY_LIMIT_BEACONS_PER_ADDRESS). ' +
        'Counted in the reports’ widget loads and opens, or the campaigns report; it carries no visitor data. Answers 204.',
      params: idParams,
      body: jsonSchema(beaconSchema),
      response: {
        204: { description: 'Recorded', type: 'null' },
        400: errorResponse,
        403: errorResponse,
        404: errorResponse,
        429: errorResponse,
      },
    },
    handler: async (request, reply) => {
      const input = parseInput(beaconSchema, request.body ?? {});
      const entry = await publicConfig.load(request.params.id);
      // A browser always says where a POST comes from; no Origin on a widget with an allowlist is not its page.
      widgets.assertOrigin(entry.settings, request.headers.origin, false);
      refuseWhenLimited(reply, await limits.beacon(request.ip, entry.widgetId), 'widget events');
      if ('campaign' in input) await campaigns.count(entry.widgetId, input.campaign, input.type);
      else recorder.recordWidget(input.type, entry.widgetId);
      return reply.status(204).send();
    },
  });
};
