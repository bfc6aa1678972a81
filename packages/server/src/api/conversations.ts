import type { FastifyPluginAsync, FastifyRequest } from 'fastify';
import * as v from 'valibot';
import { visitorMessageSchema } from '@parley/protocol';
import { ApiError } from '../http/api-error.js';
import { errorResponse, idParams, jsonSchema, ok, SESSION_SECURITY } from '../http/openapi.js';
import { parseInput } from '../http/parse-input.js';
import { refuseWhenLimited } from '../limits/refuse.js';
import { withoutNotes } from '../engine/private-notes.js';
import { readJson } from '../store/json.js';
import type { RouteOptions } from '../services.js';
import { appendVisitorMessage, requester, visitorConversation } from './visitor-conversation.js';
import { sendAppended } from '../http/appended.js';

const messagesQuerySchema = v.strictObject({
  after: v.optional(v.pipe(v.string(), v.regex(/^\d+$/, 'must be a whole number (the last seq you hold)'), v.transform(Number))),
  before: v.optional(
    v.pipe(
      v.string(),
      v.regex(/^\d{1,16}$/, 'must be a whole number (the oldest seq you hold, or past the end for the newest page)'),
      v.transform(Number),
    ),
  ),
  limit: v.optional(v.pipe(v.string(), v.regex(/^\d+$/, 'must be a whole number'), v.transform(Number), v.minValue(1), v.maxValue(500))),
});
const tags = ['visitor'];
const errors = { 400: errorResponse, 401: errorResponse, 403: errorResponse, 404: errorResponse };

/** A visitor's own conversation, reached with the session token. The realtime gateway offers the same over sockets. */
export const conversationsApi: FastifyPluginAsync<RouteOptions> = async (app, { services }) => {
  const { engine } = services;
  // Console logins (cookie or console token) may read too; only visitors' session tokens may send here.
  app.addHook('onRequest', app.requireSessionOrAgent);

  /** Reading is open to agents as well; they see private notes, visitors never do. */
  const authorizeReader = async (request: FastifyRequest<{ Params: { id: string } }>) => {
    if (request.agent === null) return { ...(await visitorConversation(services, request)), agent: false };
    const conversation = await engine.getConversation(request.params.id);
    if (conversation === undefined) throw new ApiError('PARLEY_ERR_CONVERSATION_NOT_FOUND');
    return { conversation, agent: true };
  };

  app.get<{ Params: { id: string } }>('/v1/conversations/:id', {
    schema: {
      tags,
      summary: 'Fetch the session’s conversation',
      security: SESSION_SECURITY,
      params: idParams,
      response: { 200: ok('The conversation'), ...errors },
    },
    handler: async (request) => {
      const { conversation } = await authorizeReader(request);
      return {
        id: conversation.id,
        object: 'conversation',
        widgetId: conversation.widget_id,
        status: conversation.status,
        lastSeq: Number(conversation.last_seq),
        meta: readJson<Record<string, string>>(conversation.meta),
        createdAt: conversation.created_at,
        updatedAt: conversation.updated_at,
      };
    },
  });

  app.get<{ Params: { id: string } }>('/v1/conversations/:id/messages', {
    schema: {
      tags,
      summary: 'Messages after (or before) a seq',
      description:
        'Every message with `seq > after` (default 0), oldest first, at most `limit` (default and maximum 500). ' +
        'With `before`, the newest `limit` messages with `seq < before` (and `> after`), still oldest first: a long history read backwards, a page at a time ' +
        '(`before` past the last seq, e.g. 9007199254740991, gives the newest page).',
      security: SESSION_SECURITY,
      params: idParams,
      querystring: jsonSchema(messagesQuerySchema),
      response: { 200: ok('`{ items }`'), ...errors },
    },
    handler: async (request) => {
      const { agent } = await authorizeReader(request);
      const { after, before, limit } = parseInput(messagesQuerySchema, request.query ?? {});
      const items =
        before === undefined
          ? await engine.messagesAfter(request.params.id, after ?? 0, limit)
          : await engine.messagesBefore(request.params.id, before, limit, after ?? 0);
      return { items: agent ? items : withoutNotes(items) };
    },
  });

  app.post<{ Params: { id: string } }>('/v1/conversations/:id/messages', {
    schema: {
      tags,
      summary: 'Send a visitor message',
      description:
        'Acknowledged (201) once stored. Resending the same `clientId` returns the original message with 200 and stores nothing new. The bot answers in the background.',
      security: SESSION_SECURITY,
      params: idParams,
      body: jsonSchema(visitorMessageSchema),
      response: { 200: ok('`{ message, created: false }`'), 201: ok('`{ message, created: true }`'), ...errors, 429: errorResponse },
    },
    handler: async (request, reply) => {
      const target = await visitorConversation(services, request);
      const input = parseInput(visitorMessageSchema, request.body ?? {});
      refuseWhenLimited(reply, await services.limits.message(requester(request, target), target.effective.botId !== null), 'messages');
      const result = await appendVisitorMessage(services, target, { type: 'text', text: input.text, clientId: input.clientId ?? null });
      return sendAppended(reply, result);
    },
  });
};
