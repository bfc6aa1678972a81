import type { FastifyPluginAsync, FastifyRequest } from 'fastify';
import { cannedResponseCreateSchema, cannedResponsePatchSchema, type CannedResponse } from '@parley/protocol';
import { ApiError } from '../http/api-error.js';
import { agentOf } from '../http/auth-plugin.js';
import { AGENT_SECURITY, errorResponse, idParams, jsonSchema, ok } from '../http/openapi.js';
import { parseInput } from '../http/parse-input.js';
import type { CannedResponsesStore } from '../store/canned-responses-store.js';
import { isUniqueViolation } from '../store/conversations-store.js';

const tags = ['canned responses'];
const errors = { 400: errorResponse, 401: errorResponse, 403: errorResponse, 404: errorResponse, 409: errorResponse };

const shortcutTaken = (shortcut: string) =>
  new ApiError('PARLEY_ERR_CANNED_RESPONSE_SHORTCUT_TAKEN', `Another canned response already has the shortcut /${shortcut}.`, 'shortcut');

/**
 * The team's canned responses. Every agent reads them and may add one; a response is changed or removed
 * by the agent who added it or by an admin, so nobody rewrites a colleague's text by accident while a
 * small team still needs no admin to add a reply.
 */
export const cannedResponsesApi: FastifyPluginAsync<{ store: CannedResponsesStore }> = async (app, { store }) => {
  app.addHook('onRequest', app.requireAgent);

  const editable = async (request: FastifyRequest<{ Params: { id: string } }>): Promise<CannedResponse> => {
    const found = await store.get(request.params.id);
    if (found === undefined) {
      throw new ApiError('PARLEY_ERR_CANNED_RESPONSE_NOT_FOUND', `No canned response has the id ${request.params.id}.`);
    }
    const me = agentOf(request);
    if (me.role !== 'admin' && found.createdBy !== me.id) throw new ApiError('PARLEY_ERR_CANNED_RESPONSE_NOT_YOURS');
    return found;
  };

  app.get('/v1/canned-responses', {
    schema: {
      tags,
      summary: 'List canned responses',
      description: 'Every response of the team, by shortcut. Any agent.',
      security: AGENT_SECURITY,
      response: { 200: ok('`{ items }`'), ...errors },
    },
    handler: async () => ({ items: await store.list() }),
  });

  app.post('/v1/canned-responses', {
    schema: {
      tags,
      summary: 'Add a canned response',
      description: '`shortcut` (1–32 of a–z, 0–9, `_`, `-`; unique) and Markdown `text`. Any agent; they become its author.',
      security: AGENT_SECURITY,
      body: jsonSchema(cannedResponseCreateSchema),
      response: { 201: ok('The canned response'), ...errors },
    },
    handler: async (request, reply) => {
      const input = parseInput(cannedResponseCreateSchema, request.body ?? {});
      try {
        return reply.status(201).send(await store.create(input.shortcut, input.text, agentOf(request).id));
      } catch (error) {
        if (isUniqueViolation(error)) throw shortcutTaken(input.shortcut);
        throw error;
      }
    },
  });

  app.patch<{ Params: { id: string } }>('/v1/canned-responses/:id', {
    schema: {
      tags,
      summary: 'Change a canned response',
      description: 'Its author or an admin. Send the fields to change.',
      security: AGENT_SECURITY,
      params: idParams,
      body: jsonSchema(cannedResponsePatchSchema),
      response: { 200: ok('The canned response'), ...errors },
    },
    handler: async (request) => {
      const input = parseInput(cannedResponsePatchSchema, request.body ?? {});
      await editable(request);
      try {
        const updated = await store.update(request.params.id, input);
        if (updated === undefined) throw new ApiError('PARLEY_ERR_CANNED_RESPONSE_NOT_FOUND');
        return updated;
      } catch (error) {
        if (isUniqueViolation(error) && input.shortcut !== undefined) throw shortcutTaken(input.shortcut);
        throw error;
      }
    },
  });

  app.delete<{ Params: { id: string } }>('/v1/canned-responses/:id', {
    schema: {
      tags,
      summary: 'Remove a canned response',
      description: 'Its author or an admin.',
      security: AGENT_SECURITY,
      params: idParams,
      response: { 204: { description: 'Removed', type: 'null' }, ...errors },
    },
    handler: async (request, reply) => {
      await editable(request);
      await store.delete(request.params.id);
      return reply.status(204).send();
    },
  });
};
