import type { FastifyPluginAsync } from 'fastify';
import { errorResponse, idParams } from '../http/openapi.js';
import type { PublicConfigCache } from '../widgets/public-config-cache.js';
import type { WidgetService } from '../widgets/widget-service.js';
import type { ChallengeGate } from './challenge-gate.js';

export interface ChallengeApiOptions {
  readonly gate: ChallengeGate;
  readonly publicConfig: PublicConfigCache;
  readonly widgets: Pick<WidgetService, 'assertOrigin'>;
}

/** The shape of a challenge, for the OpenAPI description. */
const challengeResponse = {
  description: 'An ALTCHA challenge: find `number` (0 … maxnumber) with hex(SHA-256(salt + number)) = challenge.',
  type: 'object',
  required: ['algorithm', 'challenge', 'maxnumber', 'salt', 'signature'],
  properties: {
    algorithm: { type: 'string', enum: ['SHA-256'] },
    challenge: { type: 'string', description: '64 hex digits' },
    maxnumber: { type: 'integer', description: 'The highest number to try; it rises with how far the address is over the threshold.' },
    salt: { type: 'string', description: 'Carries `expires` (unix seconds) and the widget id; send it back unchanged.' },
    signature: { type: 'string', description: 'HMAC-SHA-256 of `challenge` by the server; send it back unchanged.' },
  },
} as const;

/**
 * `GET /v1/widgets/:id/challenge`: a proof-of-work challenge for the next session of this widget, for a
 * client that would rather solve one up front than take the 428 round trip (an ALTCHA widget's
 * `challengeurl`). Public and fenced like the config: a listed Origin, or none.
 */
export const challengeApi: FastifyPluginAsync<ChallengeApiOptions> = async (app, { gate, publicConfig, widgets }) => {
  app.get<{ Params: { id: string } }>('/v1/widgets/:id/challenge', {
    schema: {
      tags: ['visitor'],
      summary: 'Proof-of-work challenge for a new session',
      description:
        'A fresh ALTCHA challenge (SHA-256) at this address’s current difficulty, valid for 5 minutes and once. Solve it and send the solution as `challenge` when creating the session. ' +
        'Below the widget’s `challenge` thresholds session creation needs none; above them it answers 428 PARLEY_ERR_CHALLENGE_REQUIRED with a challenge in `error.challenge`, so calling this first is optional.',
      params: idParams,
      response: { 200: challengeResponse, 403: errorResponse, 404: errorResponse },
    },
    handler: async (request, reply) => {
      const entry = await publicConfig.load(request.params.id);
      widgets.assertOrigin(entry.settings, request.headers.origin, true);
      const challenge = await gate.issue(entry.widgetId, entry.settings.challenge, request.ip);
      return reply.header('cache-control', 'no-store').send(challenge);
    },
  });
};
