import type { FastifyPluginAsync } from 'fastify';
import { consentAcceptSchema } from '@parley/protocol';
import { conversationSession } from '../http/auth-plugin.js';
import { errorResponse, idParams, jsonSchema, ok, SESSION_SECURITY } from '../http/openapi.js';
import { parseInput } from '../http/parse-input.js';
import { refuseWhenLimited } from '../limits/refuse.js';
import type { VisitorLimits } from '../limits/visitor-limits.js';
import type { ConsentRecords } from '../privacy/consent.js';
import type { Privacy } from '../privacy/index.js';
import type { PublicConfigCache } from '../widgets/public-config-cache.js';
import type { WidgetService } from '../widgets/widget-service.js';

export interface ConsentApiOptions {
  readonly publicConfig: PublicConfigCache;
  readonly widgets: WidgetService;
  readonly limits: VisitorLimits;
  readonly consent: ConsentRecords;
  /** Closes the withdrawn session's open links on every node. */
  readonly privacy: Pick<Privacy, 'endSessions'>;
}

const tags = ['visitor'];

/**
 * The consent gate's two visitor calls (privacy/consent.ts). `POST /v1/widgets/{id}/consent`: the visitor pressed
 * Accept, before any session (no token; the widget's Origin allowlist, limited per address as the widget's beacons).
 * `POST /v1/conversations/{id}/consent/withdraw`: the visitor withdrew it from the widget's menu (session token).
 */
export const consentApi: FastifyPluginAsync<ConsentApiOptions> = async (app, { publicConfig, widgets, limits, consent, privacy }) => {
  app.post<{ Params: { id: string } }>('/v1/widgets/:id/consent', {
    schema: {
      tags,
      summary: 'Record a visitor’s consent',
      description:
        '`{ version, accepted: true }`, no token: the visitor accepted the widget’s consent text (`privacy.consent`) in `version`, which must be the widget’s current `privacy.consentVersion` (else 409 PARLEY_ERR_CONSENT_VERSION). ' +
        'Answers 201 `{ consentId }`; send it as `consentId` in `POST /v1/widgets/{id}/sessions`, which refuses a session without one (403 PARLEY_ERR_CONSENT_REQUIRED) while the widget asks for consent. ' +
        'The record holds the widget, the version, when it was accepted and withdrawn, and the conversations it admitted: no address, no browser. ' +
        'The Origin must be one the widget allows; limited per client address (PARLEY_LIMIT_BEACONS_PER_ADDRESS).',
      params: idParams,
      body: jsonSchema(consentAcceptSchema),
      response: {
        201: ok('`{ consentId }`'),
        400: errorResponse,
        403: errorResponse,
        404: errorResponse,
        409: errorResponse,
        429: errorResponse,
      },
    },
    handler: async (request, reply) => {
      const input = parseInput(consentAcceptSchema, request.body ?? {});
      const entry = await publicConfig.load(request.params.id);
      // A browser always says where a POST comes from; no Origin on a widget with an allowlist is not its page.
      widgets.assertOrigin(entry.settings, request.headers.origin, false);
      refuseWhenLimited(reply, await limits.beacon(request.ip, entry.widgetId), 'consent records');
      const consentId = await consent.accept(entry.widgetId, entry.settings, input.version);
      return reply.status(201).header('cache-control', 'no-store').send({ consentId });
    },
  });

  app.post<{ Params: { id: string } }>('/v1/conversations/:id/consent/withdraw', {
    onRequest: app.requireSession,
    schema: {
      tags,
      summary: 'Withdraw the visitor’s consent',
      description:
        'With the session token, no body: the consent that admitted this session and every acceptance tied to this conversation are marked withdrawn (their records keep when). ' +
        'The session ends at once: this token, and every other token of the conversation issued before now, is refused from then on (401 PARLEY_ERR_AUTH_TOKEN_INVALID) and the visitor’s open realtime links close (4003, reason `consent withdrawn`) on every node. ' +
        'The widget then forgets everything it stored in the browser and shows its consent text again; the conversation itself stays until it is deleted (`DELETE /v1/conversations/{id}` when the widget allows self-service) or retention removes it. Answers 204.',
      security: SESSION_SECURITY,
      params: idParams,
      response: { 204: { description: 'Withdrawn', type: 'null' }, 401: errorResponse, 403: errorResponse },
    },
    handler: async (request, reply) => {
      const claims = conversationSession(request);
      await consent.withdraw(claims);
      privacy.endSessions([claims.sub]);
      return reply.status(204).send();
    },
  });
};
