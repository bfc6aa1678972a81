import type { FastifyPluginAsync, FastifyRequest } from 'fastify';
import { strToU8, zipSync, type Zippable } from 'fflate';
import * as v from 'valibot';
import { idSchema } from '@parley/protocol';
import { ApiError } from '../http/api-error.js';
import { ADMIN_SECURITY, errorResponse, idParams, jsonSchema, ok, SESSION_SECURITY } from '../http/openapi.js';
import { parseInput } from '../http/parse-input.js';
import type { RouteOptions } from '../services.js';
import { keepAcceptance } from '../privacy/consent.js';
import { nowIso } from '../store/ids.js';
import { visitorConversation } from './visitor-conversation.js';

const errors = { 400: errorResponse, 401: errorResponse, 403: errorResponse, 404: errorResponse };

export const subjectQuerySchema = v.pipe(
  v.strictObject({
    email: v.optional(v.pipe(v.string(), v.trim(), v.minLength(3), v.maxLength(320))),
    userId: v.optional(v.pipe(v.string(), v.minLength(1), v.maxLength(200))),
  }),
  v.check((query) => query.email !== undefined || query.userId !== undefined, 'Give email or userId.'),
);

export const eraseBodySchema = v.strictObject({ confirm: v.string('must be the id of the contact to erase') });

const idOf = (value: string): string => parseInput(idSchema, value, 'id');

/**
 * Right of access and erasure (issue 18). Admins find a person's contact records by email or identity
 * userId, export everything held about one (a zip: data.json and their uploads) and erase it. Visitors,
 * when the widget allows it (`privacy.selfService`), download their own data and delete their
 * conversation or everything of theirs, with their session token. Every export and erasure is audited
 * (counts only).
 */
export const privacyApi: FastifyPluginAsync<RouteOptions> = async (app, { services }) => {
  const { privacy, audit } = services;

  app.get('/v1/privacy/subjects', {
    onRequest: app.requireAdmin,
    schema: {
      tags: ['contacts'],
      summary: 'Find a person’s contacts',
      description:
        'The contacts (of every widget) with this email (any case) or whose external id is this identity `userId`: what to export or erase for one person. Merged contacts are not listed (they go with the contact they were merged into). At most 100. Admin only.',
      security: ADMIN_SECURITY,
      querystring: jsonSchema(subjectQuerySchema),
      response: { 200: ok('`{ items: Contact[] }`'), ...errors },
    },
    handler: async (request) => {
      const query = parseInput(subjectQuerySchema, request.query ?? {});
      return { items: await privacy.findContacts(query) };
    },
  });

  app.get<{ Params: { id: string } }>('/v1/contacts/:id/export', {
    onRequest: app.requireAdmin,
    config: { auditsItself: ['contact.exported'] },
    schema: {
      tags: ['contacts'],
      summary: 'Export everything about a contact',
      description:
        'A zip archive: `data.json` (the contact with attributes, every conversation with its messages including private notes, webhook deliveries that carried their data, and `records`: every stored row an erasure would remove, by table) and `files/` (their uploads). A merged contact’s id exports the contact it went into. Audited as `contact.exported` (counts only). Admin only.',
      security: ADMIN_SECURITY,
      params: idParams,
      response: { 200: { description: 'application/zip' }, ...errors },
    },
    handler: async (request, reply) => {
      const subject = await privacy.exportContact(idOf(request.params.id));
      const entries: Zippable = { 'data.json': strToU8(`${JSON.stringify(subject.data, null, 2)}\n`) };
      for (const file of subject.files) entries[file.path] = [new Uint8Array(file.bytes), { level: 0 }];
      const archive = zipSync(entries, { level: 6 });
      await audit.recordFor(request, {
        action: 'contact.exported',
        targetType: 'contact',
        targetId: subject.data.contact.id,
        detail: {
          conversations: subject.data.conversations.length,
          messages: subject.data.conversations.reduce((n, c) => n + c.messages.length, 0),
          files: subject.files.length,
        },
      });
      return reply
        .header('content-type', 'application/zip')
        .header('content-disposition', `attachment; filename="parley-contact-${subject.data.contact.id}-${nowIso().slice(0, 10)}.zip"`)
        .header('cache-control', 'no-store')
        .send(Buffer.from(archive));
    },
  });

  app.post<{ Params: { id: string } }>('/v1/contacts/:id/erase', {
    onRequest: app.requireAdmin,
    config: { auditsItself: ['contact.erased'] },
    schema: {
      tags: ['contacts'],
      summary: 'Erase a contact',
      description:
        'Deletes the contact, their attributes, contacts merged into them, every conversation of theirs with its messages, uploads, events, read cursors and activity, webhook deliveries whose payload named them, and consent records; their session tokens stop working at once. Body `{ confirm: "<the contact id>" }` (the id in the URL), so that a stray call cannot erase anyone. Answers the counts; audited as `contact.erased` (counts only). Admin only.',
      security: ADMIN_SECURITY,
      params: idParams,
      body: jsonSchema(eraseBodySchema),
      response: { 200: ok('`{ erased: { contacts, conversations, messages, files, events, webhookDeliveries } }`'), ...errors },
    },
    handler: async (request) => {
      const id = idOf(request.params.id);
      const body = parseInput(eraseBodySchema, request.body ?? {});
      if (body.confirm !== id) {
        throw new ApiError('PARLEY_ERR_PRIVACY_CONFIRMATION', `confirm must be ${JSON.stringify(id)}, the contact this erases.`, 'confirm');
      }
      // The entry is written in the transaction that deletes the contact (privacy-service.ts eraseContact).
      const erased = await privacy.eraseContact(id, (trx, counts) =>
        audit.recordFor(request, { action: 'contact.erased', targetType: 'contact', targetId: id, detail: { ...counts } }, trx),
      );
      return { erased };
    },
  });

  // Visitor self-service: their session token, their own conversation, when the widget allows it.
  const selfService = async (request: FastifyRequest<{ Params: { id: string } }>): Promise<string> => {
    const { conversation, effective } = await visitorConversation(services, request);
    if (!effective.privacy.selfService) throw new ApiError('PARLEY_ERR_PRIVACY_SELF_SERVICE_OFF');
    return conversation.id;
  };
  /** Deleting is not withdrawing: the browser's acceptance outlives the erasure (privacy/consent.ts). */
  const keepConsent = (request: FastifyRequest): Promise<void> => keepAcceptance(services.database.db, request.session?.consentId ?? null);
  const visitorErrors = { 401: errorResponse, 403: errorResponse, 404: errorResponse };

  app.get<{ Params: { id: string } }>('/v1/conversations/:id/visitor-data', {
    onRequest: app.requireSession,
    schema: {
      tags: ['visitor'],
      summary: 'Download my data',
      description:
        'The visitor’s own data as a JSON attachment: `{ exportedAt, contact, conversations: [{ id, createdAt, status, messages: [{ at, author: { role, name }, type, text, payload }], files: [{ name, url }] }] }` — every conversation of their contact, or this one when they have no contact. No private notes. 403 `PARLEY_ERR_PRIVACY_SELF_SERVICE_OFF` unless the widget’s `privacy.selfService` is on.',
      security: SESSION_SECURITY,
      params: idParams,
      response: { 200: ok('The visitor’s data (JSON, as an attachment)'), ...visitorErrors },
    },
    handler: async (request, reply) => {
      const conversationId = await selfService(request);
      const data = await privacy.visitorData(conversationId);
      return reply
        .header('content-disposition', `attachment; filename="parley-data-${data.exportedAt.slice(0, 10)}.json"`)
        .header('cache-control', 'no-store')
        .send(data);
    },
  });

  app.delete<{ Params: { id: string } }>('/v1/conversations/:id', {
    onRequest: app.requireSession,
    config: { auditsItself: ['conversation.erased'] },
    schema: {
      tags: ['visitor'],
      summary: 'Delete this conversation',
      description:
        'Erases this conversation: messages, uploads, events, webhook payloads, read cursors; the session token stops working at once (204). 403 `PARLEY_ERR_PRIVACY_SELF_SERVICE_OFF` unless the widget’s `privacy.selfService` is on. Audited (actor: the visitor).',
      security: SESSION_SECURITY,
      params: idParams,
      response: { 204: { description: 'Erased', type: 'null' }, ...visitorErrors },
    },
    handler: async (request, reply) => {
      const conversationId = await selfService(request);
      await keepConsent(request);
      const erased = await privacy.eraseConversations([conversationId]);
      await audit.recordFor(request, {
        action: 'conversation.erased',
        targetType: 'conversation',
        targetId: conversationId,
        detail: { ...erased },
      });
      return reply.status(204).send();
    },
  });

  app.delete<{ Params: { id: string } }>('/v1/conversations/:id/visitor-data', {
    onRequest: app.requireSession,
    config: { auditsItself: ['conversation.erased', 'contact.erased'] },
    schema: {
      tags: ['visitor'],
      summary: 'Delete all my data',
      description:
        'Erases the visitor’s contact and every conversation of theirs (the same erasure as an admin’s), or this conversation when they have no contact; the session token stops working at once (204). 403 `PARLEY_ERR_PRIVACY_SELF_SERVICE_OFF` unless the widget’s `privacy.selfService` is on. Audited (actor: the visitor).',
      security: SESSION_SECURITY,
      params: idParams,
      response: { 204: { description: 'Erased', type: 'null' }, ...visitorErrors },
    },
    handler: async (request, reply) => {
      const conversationId = await selfService(request);
      await keepConsent(request);
      // A contact's entry is written in the transaction that deletes the contact; a lone conversation's after it.
      const { contactId, erased } = await privacy.eraseVisitor(conversationId, (trx, erasedId, counts) =>
        audit.recordFor(request, { action: 'contact.erased', targetType: 'contact', targetId: erasedId, detail: { ...counts } }, trx),
      );
      if (contactId === null) {
        await audit.recordFor(request, {
          action: 'conversation.erased',
          targetType: 'conversation',
          targetId: conversationId,
          detail: { ...erased },
        });
      }
      return reply.status(204).send();
    },
  });
};
