import type { FastifyPluginAsync } from 'fastify';
import {
  WEBHOOK_EVENT_TYPES,
  webhookCreateSchema,
  webhookDeliveriesQuerySchema,
  webhookRotateSchema,
  webhookUpdateSchema,
} from '@parley/protocol';
import { idIn } from '../audit/index.js';
import { ApiError } from '../http/api-error.js';
import { ADMIN_SECURITY, errorResponse, idParams, jsonSchema, ok } from '../http/openapi.js';
import { parseInput } from '../http/parse-input.js';
import { DEFAULT_PAGE_SIZE } from '../store/pagination.js';
import type { Webhooks } from '../webhooks/index.js';

export interface WebhooksApiOptions {
  readonly webhooks: Webhooks;
}

const tags = ['webhooks'];
const errors = { 400: errorResponse, 401: errorResponse, 404: errorResponse };
const deliveryParams = {
  type: 'object',
  required: ['id', 'deliveryId'],
  properties: { id: { type: 'string' }, deliveryId: { type: 'string' } },
} as const;
const DELIVERY_ID = /^whd_[0-9A-HJKMNP-TV-Z]{26}(_whk_[0-9A-HJKMNP-TV-Z]{26})?$/;
const SUBSCRIPTION_FIELDS =
  '`{ id, url, description, events, widgetId, includeNotes, enabled, disabledReason, maxInFlight, secretPrefix, previousSecretExpiresAt, consecutiveFailures, circuitOpenUntil, createdAt, updatedAt }`';

/**
 * Outbound webhook subscriptions, their delivery log, replays and test events (admins). Deliveries
 * are signed the Standard Webhooks way (docs/webhooks.md); the secret is shown at creation and rotation only.
 */
export const webhooksApi: FastifyPluginAsync<WebhooksApiOptions> = async (app, { webhooks }) => {
  app.addHook('onRequest', app.requireAdmin);
  const { subscriptions } = webhooks;

  app.post('/v1/webhooks', {
    config: { audit: { action: 'webhook.created', targetType: 'webhook' } },
    schema: {
      tags,
      summary: 'Subscribe an endpoint to events',
      description: `\`url\` (http or https; private, loopback and link-local addresses only when the server sets PARLEY_WEBHOOKS_ALLOW_PRIVATE=1), \`events\` (${WEBHOOK_EVENT_TYPES.join(', ')}), optional \`widgetId\` (only that widget's events), \`includeNotes\` (message.created for agents' private notes too), \`enabled\` (default true), \`maxInFlight\` (1–10, default 1: the endpoint gets its deliveries strictly in order; more: in order per conversation, that many at once). Answers the subscription with \`secret\` (\`whsec_…\`), shown this once.`,
      security: ADMIN_SECURITY,
      body: jsonSchema(webhookCreateSchema),
      response: { 201: ok(`The subscription ${SUBSCRIPTION_FIELDS} and its \`secret\``), ...errors },
    },
    handler: async (request, reply) => {
      const created = await subscriptions.create(parseInput(webhookCreateSchema, request.body ?? {}));
      return reply.status(201).send(created);
    },
  });

  app.get('/v1/webhooks', {
    schema: { tags, summary: 'List webhook subscriptions', security: ADMIN_SECURITY, response: { 200: ok('`{ items }`'), ...errors } },
    handler: async () => ({ items: await subscriptions.list() }),
  });

  app.get<{ Params: { id: string } }>('/v1/webhooks/:id', {
    schema: {
      tags,
      summary: 'Read a webhook subscription',
      security: ADMIN_SECURITY,
      params: idParams,
      response: { 200: ok(SUBSCRIPTION_FIELDS), ...errors },
    },
    handler: async (request) => subscriptions.get(request.params.id),
  });

  app.patch<{ Params: { id: string } }>('/v1/webhooks/:id', {
    config: { audit: { action: 'webhook.updated', targetType: 'webhook' } },
    schema: {
      tags,
      summary: 'Change a webhook subscription',
      description:
        'Any of the creation fields. Enabling a subscription again (after a 410 Gone disabled it, or by hand) also closes its circuit breaker; its pending deliveries resume.',
      security: ADMIN_SECURITY,
      params: idParams,
      body: jsonSchema(webhookUpdateSchema),
      response: { 200: ok(SUBSCRIPTION_FIELDS), ...errors },
    },
    handler: async (request) => subscriptions.update(request.params.id, parseInput(webhookUpdateSchema, request.body ?? {})),
  });

  app.delete<{ Params: { id: string } }>('/v1/webhooks/:id', {
    config: { audit: { action: 'webhook.deleted', targetType: 'webhook' } },
    schema: {
      tags,
      summary: 'Delete a webhook subscription',
      description: 'Its pending deliveries and its delivery log go with it. Answers 204.',
      security: ADMIN_SECURITY,
      params: idParams,
      response: { 204: { description: 'Deleted', type: 'null' }, ...errors },
    },
    handler: async (request, reply) => {
      await subscriptions.delete(request.params.id);
      return reply.status(204).send();
    },
  });

  app.post<{ Params: { id: string } }>('/v1/webhooks/:id/rotate-secret', {
    config: { audit: { action: 'webhook.secret_rotated', targetType: 'webhook' } },
    schema: {
      tags,
      summary: 'Rotate the signing secret',
      description:
        'A new `secret`, shown this once. For `overlapSeconds` (default 86400, at most 604800) every delivery carries two signatures, one per secret (`webhook-signature: v1,… v1,…`), so the receiver can switch without losing a delivery; 0 ends the old secret at once.',
      security: ADMIN_SECURITY,
      params: idParams,
      body: jsonSchema(webhookRotateSchema),
      response: { 200: ok('The subscription and its new `secret`'), ...errors },
    },
    handler: async (request) => {
      const { overlapSeconds } = parseInput(webhookRotateSchema, request.body ?? {});
      return subscriptions.rotate(request.params.id, overlapSeconds);
    },
  });

  app.post<{ Params: { id: string } }>('/v1/webhooks/:id/test', {
    config: { audit: { action: 'webhook.tested', targetType: 'webhook', detail: (_request, answer) => ({ deliveryId: idIn(answer) }) } },
    schema: {
      tags,
      summary: 'Send a test event',
      description:
        'Queues a `webhook.test` event for this subscription only, whatever its event types, signed and retried like any other. Answers 202 with the delivery; its attempts appear under `/deliveries/{deliveryId}`.',
      security: ADMIN_SECURITY,
      params: idParams,
      response: { 202: ok('The delivery'), ...errors },
    },
    handler: async (request, reply) => reply.status(202).send(await webhooks.test(request.params.id)),
  });

  app.get<{ Params: { id: string } }>('/v1/webhooks/:id/deliveries', {
    schema: {
      tags,
      summary: 'The delivery log of a subscription',
      description:
        'Newest first, kept 30 days: `{ items, nextCursor }`. Filters: `status` (pending, delivered, failed), `eventType`; paging with `take` (1–100, default 20) and `cursor` (the previous page’s `nextCursor`).',
      security: ADMIN_SECURITY,
      params: idParams,
      querystring: jsonSchema(webhookDeliveriesQuerySchema),
      response: { 200: ok('`{ items, nextCursor }`'), ...errors },
    },
    handler: async (request) => {
      const query = parseInput(webhookDeliveriesQuerySchema, request.query ?? {});
      const take = query.take === undefined ? DEFAULT_PAGE_SIZE : Number(query.take);
      if (!/^\d+$/.test(query.take ?? '1') || take < 1 || take > 100) {
        throw new ApiError('PARLEY_ERR_REQUEST_VALIDATION', 'take must be a whole number from 1 to 100.', 'take');
      }
      if (query.cursor !== undefined && !DELIVERY_ID.test(query.cursor)) {
        throw new ApiError('PARLEY_ERR_REQUEST_INVALID_CURSOR', `The cursor "${query.cursor}" was not issued by this API.`, 'cursor');
      }
      return webhooks.deliveries(request.params.id, { status: query.status, eventType: query.eventType }, take, query.cursor);
    },
  });

  app.get<{ Params: { id: string; deliveryId: string } }>('/v1/webhooks/:id/deliveries/:deliveryId', {
    schema: {
      tags,
      summary: 'One delivery: its body and every attempt',
      description:
        'The delivery with `payload` (the body as sent) and `attemptLog`: `{ attempt, statusCode, error, latencyMs, responseBody (first 1,024 characters), createdAt }` per attempt.',
      security: ADMIN_SECURITY,
      params: deliveryParams,
      response: { 200: ok('The delivery with `payload` and `attemptLog`'), ...errors },
    },
    handler: async (request) => webhooks.deliveryDetail(request.params.id, request.params.deliveryId),
  });

  app.post<{ Params: { id: string; deliveryId: string } }>('/v1/webhooks/:id/deliveries/:deliveryId/replay', {
    config: {
      audit: {
        action: 'webhook.delivery_replayed',
        targetType: 'webhook',
        detail: (request) => ({ deliveryId: (request.params as { deliveryId: string }).deliveryId }),
      },
    },
    schema: {
      tags,
      summary: 'Replay a delivery',
      description:
        'Sends the same event again (same `webhook-id`, same body, a fresh timestamp and signature) as a new delivery at the end of the endpoint’s queue, whatever became of the original. Answers 202 with the new delivery (`replayOf` names the original).',
      security: ADMIN_SECURITY,
      params: deliveryParams,
      response: { 202: ok('The new delivery'), ...errors },
    },
    handler: async (request, reply) => reply.status(202).send(await webhooks.replay(request.params.id, request.params.deliveryId)),
  });
};
