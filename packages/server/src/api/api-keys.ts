import type { FastifyPluginAsync } from 'fastify';
import { apiKeyCreateSchema, type ApiKey, type ApiKeyCreated } from '@parley/protocol';
import { apiKeyPrefix, generateApiKey, hashApiKey } from '../auth/api-keys.js';
import { ApiError } from '../http/api-error.js';
import { ADMIN_SECURITY, errorResponse, idParams, jsonSchema, ok } from '../http/openapi.js';
import { parseInput } from '../http/parse-input.js';
import type { ApiKeyRow } from '../store/api-keys-store.js';
import type { RouteOptions } from '../services.js';

const tags = ['api keys'];
const errors = { 400: errorResponse, 401: errorResponse, 404: errorResponse };

/** Admin API keys. The key is shown once, at creation; only its hash is stored. */
export const apiKeysApi: FastifyPluginAsync<RouteOptions> = async (app, { services }) => {
  const { apiKeys } = services;
  app.addHook('onRequest', app.requireAdmin);

  app.post('/v1/api-keys', {
    config: { audit: { action: 'api_key.created', targetType: 'api_key' } },
    schema: {
      tags,
      summary: 'Create an admin API key',
      security: ADMIN_SECURITY,
      body: jsonSchema(apiKeyCreateSchema),
      response: { 201: ok('The key, with `key` shown this once'), ...errors },
    },
    handler: async (request, reply) => {
      const { name } = parseInput(apiKeyCreateSchema, request.body ?? {});
      const key = generateApiKey();
      const row = await apiKeys.create(name, hashApiKey(key), apiKeyPrefix(key));
      const created: ApiKeyCreated = { ...toApiKey(row), key };
      return reply.status(201).send(created);
    },
  });

  app.get('/v1/api-keys', {
    schema: { tags, summary: 'List admin API keys', security: ADMIN_SECURITY, response: { 200: ok('`{ items }`'), ...errors } },
    handler: async () => ({ items: (await apiKeys.list()).map(toApiKey) }),
  });

  app.delete<{ Params: { id: string } }>('/v1/api-keys/:id', {
    config: { audit: { action: 'api_key.revoked', targetType: 'api_key' } },
    schema: {
      tags,
      summary: 'Revoke an admin API key',
      security: ADMIN_SECURITY,
      params: idParams,
      response: { 204: { description: 'Revoked', type: 'null' }, ...errors },
    },
    handler: async (request, reply) => {
      if (!(await apiKeys.delete(request.params.id)))
        throw new ApiError('PARLEY_ERR_API_KEY_NOT_FOUND', `No API key has the id ${request.params.id}.`);
      return reply.status(204).send();
    },
  });
};

export function toApiKey(row: ApiKeyRow): ApiKey {
  return { id: row.id, object: 'api_key', name: row.name, prefix: row.prefix, createdAt: row.created_at, lastUsedAt: row.last_used_at };
}
