import type { FastifyPluginAsync } from 'fastify';
import { ratingSchema, visitorContactSchema } from '@parley/protocol';
import { visitorSubject, type Blocklist } from '../blocks/index.js';
import { publishInboxEvent } from '../engine/inbox-feed.js';
import type { Bus } from '../bus/bus.js';
import type { ConversationEngine } from '../engine/conversation-engine.js';
import { visitorAuthor } from '../engine/conversation-visitor.js';
import { ApiError } from '../http/api-error.js';
import { conversationSession } from '../http/auth-plugin.js';
import { errorResponse, idParams, jsonSchema, ok, SESSION_SECURITY } from '../http/openapi.js';
import { parseInput } from '../http/parse-input.js';
import type { ContactService } from '../contacts/index.js';
import type { Db } from '../store/database.js';
import { sendAppended } from '../http/appended.js';

export interface VisitorContactOptions {
  readonly db: Db;
  readonly engine: ConversationEngine;
  readonly bus: Bus;
  /** Agents' blocks: a blocked visitor leaves no email and no rating. */
  readonly blocks: Blocklist;
  /** The email lands on the conversation's contact, with the visit (page, device) it came from. */
  readonly contacts: ContactService;
}

/**
 * What a visitor adds besides messages. `POST /v1/conversations/{id}/contact`: an email (offline mode
 * asks for one), so agents' replies can reach them by mail; stored on the conversation's own contact,
 * so a visitor cannot attach themselves to someone else's record by typing their address.
 * `POST /v1/conversations/{id}/rating`: a score after the conversation was resolved.
 */
export const visitorContactApi: FastifyPluginAsync<VisitorContactOptions> = async (app, { db, engine, bus, blocks, contacts }) => {
  app.addHook('onRequest', app.requireSession);

  app.post<{ Params: { id: string } }>('/v1/conversations/:id/contact', {
    schema: {
      tags: ['visitor'],
      summary: 'Leave an email (offline mode)',
      description:
        '`{ email, name? }` with the session token. Agents’ replies the visitor has not read are then emailed when SMTP is configured.',
      security: SESSION_SECURITY,
      params: idParams,
      body: jsonSchema(visitorContactSchema),
      response: {
        200: ok('`{ contact: { id, name, email } }`'),
        400: errorResponse,
        401: errorResponse,
        403: errorResponse,
        404: errorResponse,
      },
    },
    handler: async (request) => {
      const claims = conversationSession(request);
      const input = parseInput(visitorContactSchema, request.body ?? {});
      const conversation = await engine.getConversation(claims.sub);
      if (conversation === undefined) throw new ApiError('PARLEY_ERR_CONVERSATION_NOT_FOUND');
      await blocks.assertAllowed({ widgetId: claims.wid, visitor: visitorSubject(conversation), address: request.ip });
      const name = input.name === undefined || input.name === '' ? undefined : input.name;
      const contactId = await db.transaction().execute(async (trx) => {
        const id = await contacts.ensureForConversation(trx, conversation, { email: input.email, ...(name === undefined ? {} : { name }) });
        await engine.webhooks.emailLeft(trx, conversation, { id, email: input.email.toLowerCase(), name: name ?? null });
        return id;
      });
      await publishInboxEvent(bus, request.log, conversation.id, 'ownership');
      engine.reports.record({ type: 'offline_email_left', conversationId: conversation.id });
      return { contact: { id: contactId, name: name ?? null, email: input.email.toLowerCase() } };
    },
  });

  app.post<{ Params: { id: string } }>('/v1/conversations/:id/rating', {
    schema: {
      tags: ['visitor'],
      summary: 'Rate the conversation',
      description:
        '`{ score: 1–5, comment? }` with the session token, typically after a `status` frame with owner `resolved`. Stored as an `event` message (`payload.event: "rating"`) that agents see in the conversation.',
      security: SESSION_SECURITY,
      params: idParams,
      body: jsonSchema(ratingSchema),
      response: { 201: ok('`{ message, created: true }`'), 400: errorResponse, 401: errorResponse, 403: errorResponse, 404: errorResponse },
    },
    handler: async (request, reply) => {
      const claims = conversationSession(request);
      const input = parseInput(ratingSchema, request.body ?? {});
      const conversation = await engine.getConversation(claims.sub);
      if (conversation === undefined) throw new ApiError('PARLEY_ERR_CONVERSATION_NOT_FOUND');
      await blocks.assertAllowed({ widgetId: claims.wid, visitor: visitorSubject(conversation), address: request.ip });
      const comment = input.comment === undefined || input.comment === '' ? null : input.comment;
      const result = await engine.append({
        conversationId: conversation.id,
        author: visitorAuthor(conversation),
        type: 'event',
        text: `The visitor rated the conversation ${input.score}/5.${comment === null ? '' : ` “${comment}”`}`,
        payload: { event: 'rating', score: input.score, comment },
      });
      return sendAppended(reply, result);
    },
  });
};
