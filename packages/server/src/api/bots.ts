import type { FastifyPluginAsync } from 'fastify';
import { botCreateSchema, botUpdateSchema } from '@parley/protocol';
import { parseListQuery } from '../http/list-query.js';
import { ADMIN_SECURITY, errorResponse, idParams, jsonSchema, ok } from '../http/openapi.js';
import { parseInput } from '../http/parse-input.js';
import type { RouteOptions } from '../services.js';

const tags = ['bots'];
const errors = { 400: errorResponse, 401: errorResponse, 404: errorResponse, 409: errorResponse };

/** Bots: the connector a widget points at. Secrets are write-only. */
export const botsApi: FastifyPluginAsync<RouteOptions> = async (app, { services }) => {
  const { bots } = services;
  app.addHook('onRequest', app.requireAdmin);

  app.post('/v1/bots', {
    config: { audit: { action: 'bot.created', targetType: 'bot' } },
    schema: {
      tags,
      summary: 'Create a bot',
      description:
        '`kind` is one of builtin, webhook, rasa, dialogflow, openai; `config` depends on it. `secrets` (API keys, tokens, signing secrets) are stored but never returned: responses say only which are set.',
      security: ADMIN_SECURITY,
      body: jsonSchema(botCreateSchema),
      response: { 201: ok('The bot'), ...errors },
    },
    handler: async (request, reply) => reply.status(201).send(await bots.create(parseInput(botCreateSchema, request.body ?? {}))),
  });

  app.get('/v1/bots', {
    schema: {
      tags,
      summary: 'List bots, newest first',
      security: ADMIN_SECURITY,
      response: { 200: ok('`{ items, nextCursor }`'), ...errors },
    },
    handler: async (request) => {
      const { take, cursor } = parseListQuery(request.query, { blueprintId: false, meta: false });
      return bots.list(take, cursor);
    },
  });

  app.get<{ Params: { id: string } }>('/v1/bots/:id', {
    schema: { tags, summary: 'Fetch a bot', security: ADMIN_SECURITY, params: idParams, response: { 200: ok('The bot'), ...errors } },
    handler: async (request) => bots.get(request.params.id),
  });

  app.patch<{ Params: { id: string } }>('/v1/bots/:id', {
    config: { audit: { action: 'bot.updated', targetType: 'bot' } },
    schema: {
      tags,
      summary: 'Update a bot (partial)',
      description:
        '`config` merges key by key and is validated whole against the kind; in `secrets`, a value sets a secret and `null` clears it. The kind cannot change.',
      security: ADMIN_SECURITY,
      params: idParams,
      body: jsonSchema(botUpdateSchema),
      response: { 200: ok('The bot'), ...errors },
    },
    handler: async (request) => bots.update(request.params.id, parseInput(botUpdateSchema, request.body ?? {})),
  });

  app.delete<{ Params: { id: string } }>('/v1/bots/:id', {
    config: { audit: { action: 'bot.deleted', targetType: 'bot' } },
    schema: {
      tags,
      summary: 'Delete a bot',
      description: 'Refused with 409 while a widget or blueprint uses it.',
      security: ADMIN_SECURITY,
      params: idParams,
      response: { 204: { description: 'Deleted', type: 'null' }, ...errors },
    },
    handler: async (request, reply) => {
      await bots.delete(request.params.id);
      return reply.status(204).send();
    },
  });
};
