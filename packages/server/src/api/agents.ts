import type { FastifyPluginAsync } from 'fastify';
import { agentCreateSchema, agentSelfUpdateSchema, agentUpdateSchema } from '@parley/protocol';
import type { AgentService } from '../agents/agent-service.js';
import { ApiError } from '../http/api-error.js';
import { consoleAgentId } from '../http/auth-plugin.js';
import { parseListQuery } from '../http/list-query.js';
import { ADMIN_SECURITY, AGENT_SECURITY, CONSOLE_SECURITY, errorResponse, idParams, jsonSchema, ok } from '../http/openapi.js';
import { parseInput } from '../http/parse-input.js';

const tags = ['agents'];
const errors = { 400: errorResponse, 401: errorResponse, 403: errorResponse, 404: errorResponse, 409: errorResponse };

/** Agent accounts. Every agent may read them (to transfer a conversation) and change their own status; changes are for admins. */
export const agentsApi: FastifyPluginAsync<{ agents: AgentService }> = async (app, { agents }) => {
  await app.register(async (scope) => {
    scope.addHook('onRequest', scope.requireAgent);
    scope.patch('/v1/agents/me', {
      schema: {
        tags,
        summary: 'Change my status or name',
        description: '`status`: online, away or offline. An online agent without activity for 10 minutes reads as away.',
        security: CONSOLE_SECURITY,
        body: jsonSchema(agentSelfUpdateSchema),
        response: { 200: ok('The agent'), ...errors },
      },
      handler: async (request) => agents.update(consoleAgentId(request), parseInput(agentSelfUpdateSchema, request.body ?? {})),
    });

    scope.get('/v1/agents', {
      schema: {
        tags,
        summary: 'List agents, newest first (any agent: to transfer to)',
        security: AGENT_SECURITY,
        response: { 200: ok('`{ items, nextCursor }`'), ...errors },
      },
      handler: async (request) => {
        const { take, cursor } = parseListQuery(request.query, { blueprintId: false, meta: false });
        return agents.list(take, cursor);
      },
    });

    scope.get<{ Params: { id: string } }>('/v1/agents/:id', {
      schema: {
        tags,
        summary: 'Fetch an agent',
        security: AGENT_SECURITY,
        params: idParams,
        response: { 200: ok('The agent'), ...errors },
      },
      handler: async (request) => agents.get(request.params.id),
    });
  });

  await app.register(async (scope) => {
    scope.addHook('onRequest', scope.requireAdmin);

    scope.post('/v1/agents', {
      config: { audit: { action: 'agent.created', targetType: 'agent' } },
      schema: {
        tags,
        summary: 'Create an agent',
        description:
          '`role` admin or agent (default agent); `capacity` (1–100, default 5) is the most conversations routing gives them at once.',
        security: ADMIN_SECURITY,
        body: jsonSchema(agentCreateSchema),
        response: { 201: ok('The agent'), ...errors },
      },
      handler: async (request, reply) => reply.status(201).send(await agents.create(parseInput(agentCreateSchema, request.body ?? {}))),
    });

    scope.patch<{ Params: { id: string } }>('/v1/agents/:id', {
      config: { audit: { action: 'agent.updated', targetType: 'agent' } },
      schema: {
        tags,
        summary: 'Update an agent (partial)',
        description:
          'A new `password` logs the agent out everywhere. `teamIds` replaces the memberships. The last admin cannot be made an agent.',
        security: ADMIN_SECURITY,
        params: idParams,
        body: jsonSchema(agentUpdateSchema),
        response: { 200: ok('The agent'), ...errors },
      },
      handler: async (request) => agents.update(request.params.id, parseInput(agentUpdateSchema, request.body ?? {})),
    });

    scope.delete<{ Params: { id: string } }>('/v1/agents/:id', {
      config: { audit: { action: 'agent.deleted', targetType: 'agent' } },
      schema: {
        tags,
        summary: 'Delete an agent',
        description: 'Their sessions end at once; their conversations keep their history. The last admin cannot be deleted.',
        security: ADMIN_SECURITY,
        params: idParams,
        response: { 204: { description: 'Deleted', type: 'null' }, ...errors },
      },
      handler: async (request, reply) => {
        if (request.agent?.id === request.params.id) {
          throw new ApiError('PARLEY_ERR_AGENT_LAST_ADMIN', 'You cannot delete your own account; ask another admin.');
        }
        await agents.delete(request.params.id);
        return reply.status(204).send();
      },
    });
  });
};
