import type { FastifyPluginAsync } from 'fastify';
import { teamCreateSchema, teamUpdateSchema } from '@parley/protocol';
import type { TeamService } from '../agents/team-service.js';
import { parseListQuery } from '../http/list-query.js';
import { ADMIN_SECURITY, AGENT_SECURITY, errorResponse, idParams, jsonSchema, ok } from '../http/openapi.js';
import { parseInput } from '../http/parse-input.js';

const tags = ['teams'];
const errors = { 400: errorResponse, 401: errorResponse, 403: errorResponse, 404: errorResponse };

/** Teams of agents. A widget's `teamId` routes its handoffs to that team. */
export const teamsApi: FastifyPluginAsync<{ teams: TeamService }> = async (app, { teams }) => {
  // Every agent may read teams (to transfer a conversation to one); changes are for admins.
  app.addHook('onRequest', async (request, reply) => {
    await (request.method === 'GET' ? app.requireAgent(request, reply) : app.requireAdmin(request, reply));
  });

  app.post('/v1/teams', {
    config: { audit: { action: 'team.created', targetType: 'team' } },
    schema: {
      tags,
      summary: 'Create a team',
      security: ADMIN_SECURITY,
      body: jsonSchema(teamCreateSchema),
      response: { 201: ok('The team'), ...errors },
    },
    handler: async (request, reply) => reply.status(201).send(await teams.create(parseInput(teamCreateSchema, request.body ?? {}))),
  });

  app.get('/v1/teams', {
    schema: {
      tags,
      summary: 'List teams, newest first',
      security: AGENT_SECURITY,
      response: { 200: ok('`{ items, nextCursor }`'), ...errors },
    },
    handler: async (request) => {
      const { take, cursor } = parseListQuery(request.query, { blueprintId: false, meta: false });
      return teams.list(take, cursor);
    },
  });

  app.get<{ Params: { id: string } }>('/v1/teams/:id', {
    schema: { tags, summary: 'Fetch a team', security: AGENT_SECURITY, params: idParams, response: { 200: ok('The team'), ...errors } },
    handler: async (request) => teams.get(request.params.id),
  });

  app.patch<{ Params: { id: string } }>('/v1/teams/:id', {
    config: { audit: { action: 'team.updated', targetType: 'team' } },
    schema: {
      tags,
      summary: 'Update a team (partial)',
      description: '`agentIds` replaces the members.',
      security: ADMIN_SECURITY,
      params: idParams,
      body: jsonSchema(teamUpdateSchema),
      response: { 200: ok('The team'), ...errors },
    },
    handler: async (request) => teams.update(request.params.id, parseInput(teamUpdateSchema, request.body ?? {})),
  });

  app.delete<{ Params: { id: string } }>('/v1/teams/:id', {
    config: { audit: { action: 'team.deleted', targetType: 'team' } },
    schema: {
      tags,
      summary: 'Delete a team',
      security: ADMIN_SECURITY,
      params: idParams,
      response: { 204: { description: 'Deleted', type: 'null' }, ...errors },
    },
    handler: async (request, reply) => {
      await teams.delete(request.params.id);
      return reply.status(204).send();
    },
  });
};
