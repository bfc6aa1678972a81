import type { FastifyPluginAsync, FastifyRequest } from 'fastify';
import { visitorConversationStartSchema } from '@parley/protocol';
import { VisitorConversations } from '../engine/visitor-conversations.js';
import { ApiError } from '../http/api-error.js';
import { errorResponse, idParams, jsonSchema, ok, SESSION_SECURITY } from '../http/openapi.js';
import { parseInput } from '../http/parse-input.js';
import { refuseWhenLimited } from '../limits/refuse.js';
import type { RouteOptions } from '../services.js';

const tags = ['visitor'];
const errors = { 400: errorResponse, 401: errorResponse, 403: errorResponse, 404: errorResponse };
const SINGLE = 'While the widget’s `conversations.multiple` is off (the default) it answers 403 PARLEY_ERR_CONVERSATIONS_SINGLE.';
const conversationParams = {
  type: 'object',
  required: ['id', 'conversationId'],
  properties: { id: { type: 'string' }, conversationId: { type: 'string' } },
} as const;

/**
 * Several conversations per visitor (issue 20): with the session token of one of their conversations, a visitor
 * lists their conversations on the widget, starts a new one and opens another (engine/visitor-conversations.ts
 * says whose they are).
 */
export const visitorConversationsApi: FastifyPluginAsync<RouteOptions> = async (app, { services }) => {
  const conversations = new VisitorConversations(services.database.db, services.widgets, services.sessions, services.blocks);
  app.addHook('onRequest', app.requireSession);
  const claims = (request: FastifyRequest) => {
    if (request.session === null) throw new ApiError('PARLEY_ERR_AUTH_MISSING');
    return request.session;
  };

  app.get<{ Params: { id: string } }>('/v1/widgets/:id/visitor/conversations', {
    schema: {
      tags,
      summary: 'List the visitor’s conversations',
      description:
        'The conversations of the session token’s visitor on this widget, newest first (at most 50): with a verified identity every conversation of that user id (any device), else the ones started from one another’s sessions. Each with its status, last message (140 characters, never a private note), last activity, unread count and whether it is the token’s. ' +
        SINGLE,
      security: SESSION_SECURITY,
      params: idParams,
      response: { 200: ok('`{ items: [{ id, status, lastMessage, lastActivityAt, unread, current }] }`'), ...errors },
    },
    handler: async (request, reply) => {
      const items = await conversations.list(claims(request), request.params.id, request.ip);
      return reply.header('cache-control', 'no-store').send({ items });
    },
  });

  app.post<{ Params: { id: string } }>('/v1/widgets/:id/visitor/conversations', {
    schema: {
      tags,
      summary: 'Start another conversation',
      description:
        'A new conversation for the session token’s visitor (their identity, contact and consent; the widget’s greeting and bot as for any new one), and a session for it: the same answer as `POST /v1/widgets/{id}/sessions`, with `resumed: false`. The token’s conversation stays as it is. Counts as a new session for the widget’s limits. ' +
        SINGLE,
      security: SESSION_SECURITY,
      params: idParams,
      body: jsonSchema(visitorConversationStartSchema),
      response: { 201: ok('`{ token, conversationId, expiresAt, messages, resumed }`'), ...errors, 429: errorResponse },
    },
    handler: async (request, reply) => {
      const input = parseInput(visitorConversationStartSchema, request.body ?? {});
      refuseWhenLimited(reply, await services.limits.session({ address: request.ip, widgetId: request.params.id }), 'new sessions');
      const created = await conversations.start(
        claims(request),
        request.params.id,
        { address: request.ip, origin: request.headers.origin },
        input,
      );
      return reply.status(201).header('cache-control', 'no-store').send(created);
    },
  });

  app.post<{ Params: { id: string; conversationId: string } }>('/v1/widgets/:id/visitor/conversations/:conversationId/session', {
    schema: {
      tags,
      summary: 'Open another of the visitor’s conversations',
      description:
        'A session for another conversation of the session token’s visitor (see the list): the same answer as `POST /v1/widgets/{id}/sessions`, with `resumed: true`; nothing is written. Anyone else’s conversation answers 404 PARLEY_ERR_CONVERSATION_NOT_FOUND, as one that does not exist. ' +
        SINGLE,
      security: SESSION_SECURITY,
      params: conversationParams,
      response: { 200: ok('`{ token, conversationId, expiresAt, messages, resumed: true }`'), ...errors },
    },
    handler: async (request, reply) => {
      const opened = await conversations.open(claims(request), request.params.id, request.ip, request.params.conversationId);
      return reply.header('cache-control', 'no-store').send(opened);
    },
  });
};
