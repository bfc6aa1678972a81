import { Readable } from 'node:stream';
import type { FastifyPluginAsync } from 'fastify';
import { changedFields, importCounts, mergedFrom } from '../audit/index.js';
import * as v from 'valibot';
import {
  contactListQuerySchema,
  contactMergeSchema,
  contactPatchSchema,
  idSchema,
  paginationQuerySchema,
  visitorAttributesSchema,
  type Contact,
  type ContactListQuery,
} from '@parley/protocol';
import { visitorSubject } from '../blocks/index.js';
import { importContacts, IMPORT_MAX_BYTES, IMPORT_MAX_ROWS } from '../contacts/index.js';
import { ApiError } from '../http/api-error.js';
import { csvLine, type CsvCell } from '../http/csv.js';
import { conversationSession } from '../http/auth-plugin.js';
import { ADMIN_SECURITY, AGENT_SECURITY, errorResponse, idParams, jsonSchema, ok, SESSION_SECURITY } from '../http/openapi.js';
import { parseInput } from '../http/parse-input.js';
import type { RouteOptions } from '../services.js';
import { nowIso } from '../store/ids.js';

const tags = ['contacts'];
const errors = { 400: errorResponse, 401: errorResponse, 403: errorResponse, 404: errorResponse, 409: errorResponse };

const LIST_DESCRIPTION =
  '`q` searches name, email, phone and external id (case-insensitive, part of a word). Filters combine: `widgetId`, ' +
  '`attribute=key=value` (repeat for several), `seenAfter` / `seenBefore` (ISO dates; last seen), `hasEmail=true|false`. ' +
  '`sort` = `lastSeen` (default, newest first), `created` (newest first) or `name` (A–Z); `order` = `asc` | `desc` reverses it. ' +
  'Merged contacts are not listed (their id still answers `GET /v1/contacts/{id}`).';

const CSV_COLUMNS = [
  'id',
  'widget_id',
  'external_id',
  'name',
  'email',
  'phone',
  'first_seen_at',
  'last_seen_at',
  'browser',
  'os',
  'device',
  'created_at',
  'updated_at',
] as const;

const csvQuerySchema = v.omit(contactListQuerySchema, ['take', 'cursor']);
const importQuerySchema = v.strictObject({ widgetId: v.optional(idSchema) });
const idOf = (value: string): string => parseInput(idSchema, value, 'id');

/**
 * Contacts: who the site talked to. Any agent (console login) or an admin key lists, reads, edits and
 * merges them; the CSV export and import, which move everyone's details at once, need an admin.
 */
export const contactsApi: FastifyPluginAsync<RouteOptions> = async (app, { services }) => {
  const { contacts, database } = services;
  app.addHook('onRequest', app.requireAgent);
  // The import's body: CSV text, up to 5 MB (the JSON limit elsewhere is smaller).
  app.addContentTypeParser(['text/csv', 'text/plain'], { parseAs: 'string', bodyLimit: IMPORT_MAX_BYTES }, (_request, body, done) =>
    done(null, body),
  );

  app.get('/v1/contacts', {
    schema: {
      tags,
      summary: 'List contacts',
      description: `${LIST_DESCRIPTION} A page of \`take\` (1–100, default 20); pass \`nextCursor\` as \`cursor\` for the next.`,
      security: AGENT_SECURITY,
      querystring: jsonSchema(contactListQuerySchema),
      response: { 200: ok('`{ items: Contact[], nextCursor }`'), ...errors },
    },
    handler: async (request) => contacts.list(parseInput(contactListQuerySchema, request.query ?? {})),
  });

  app.get('/v1/contacts.csv', {
    config: {
      audit: {
        action: 'contact.exported_csv',
        targetType: 'contact',
        targetId: () => null,
        detail: (request) => ({ filters: changedFields(request.query) }),
      },
    },
    schema: {
      tags,
      summary: 'Export contacts as CSV',
      description:
        `Every contact the same filters and sort select (${LIST_DESCRIPTION.split('. Merged')[0]}), streamed as UTF-8 CSV: ` +
        `${CSV_COLUMNS.join(', ')}, then one \`attributes.<key>\` column per attribute in use. ` +
        'A cell starting with = + - @ is written with a leading apostrophe (so a spreadsheet does not run it); the import removes it. Admin only.',
      security: ADMIN_SECURITY,
      querystring: jsonSchema(csvQuerySchema),
      response: { 200: { description: 'text/csv' }, ...errors },
    },
    preHandler: app.requireAdmin,
    handler: async (request, reply) => {
      const query: ContactListQuery = parseInput(csvQuerySchema, request.query ?? {});
      const keys = await contacts.attributeKeys(query.widgetId);
      async function* lines(): AsyncGenerator<string> {
        yield csvLine([...CSV_COLUMNS, ...keys.map((key) => `attributes.${key}`)]);
        for await (const page of contacts.all(query)) yield page.map((contact) => csvLine(csvRow(contact, keys))).join('');
      }
      const date = nowIso().slice(0, 10);
      reply
        .header('content-type', 'text/csv; charset=utf-8')
        .header('content-disposition', `attachment; filename="contacts-${date}.csv"`)
        .header('cache-control', 'no-store')
        .header('x-content-type-options', 'nosniff');
      return reply.send(Readable.from(lines()));
    },
  });

  app.post('/v1/contacts/import', {
    config: {
      audit: {
        action: 'contact.imported',
        targetType: 'contact',
        targetId: () => null,
        detail: (_request, answer) => importCounts(answer),
      },
    },
    bodyLimit: IMPORT_MAX_BYTES,
    schema: {
      tags,
      summary: 'Import contacts from CSV',
      description:
        `A UTF-8 CSV body (\`Content-Type: text/csv\`, or JSON \`{ csv }\` as the console sends it; at most 5 MB and ${IMPORT_MAX_ROWS.toLocaleString('en')} rows) whose first line names the columns: ` +
        '`email`, `external_id`, `name`, `phone`, `widget_id` and `attributes.<key>` (others, such as the export’s dates, are ignored). ' +
        'Each row updates the contact of its widget with that `external_id`, else that `email`, or creates one; an empty cell changes nothing. ' +
        'The widget is the `widgetId` parameter, else each row’s `widget_id` (so an export imports into another widget as it is). Attribute cells `true`/`false` and plain numbers become booleans and numbers. ' +
        'Rows that cannot be used are left out and reported: `{ created, updated, failed, errors: [{ row, field, message }] }` (row = line in the file). Admin only.',
      security: ADMIN_SECURITY,
      querystring: jsonSchema(importQuerySchema),
      response: { 200: ok('`{ created, updated, failed, errors }`'), ...errors, 413: errorResponse, 415: errorResponse },
    },
    preHandler: app.requireAdmin,
    handler: async (request) => {
      const query = parseInput(importQuerySchema, request.query ?? {});
      const body: unknown = request.body;
      // A browser holding only the console's cookie sends JSON (the one content type cookie-authenticated writes may use).
      const text = typeof body === 'string' ? body : typeof body === 'object' && body !== null && 'csv' in body ? body.csv : undefined;
      if (typeof text !== 'string') {
        throw new ApiError(
          'PARLEY_ERR_CONTACT_IMPORT_INVALID',
          'Send the file itself as the body with Content-Type: text/csv, or JSON { "csv": "…" }.',
        );
      }
      return importContacts(database.db, contacts, text, query.widgetId);
    },
  });

  app.get<{ Params: { id: string } }>('/v1/contacts/:id', {
    schema: {
      tags,
      summary: 'Get a contact',
      description:
        'Details, custom attributes, first and last seen, the device of the last session (browser, OS, desktop/mobile/tablet; never a location) and the recent pages, newest first. ' +
        'A merged contact’s id answers with the contact it was merged into (its `id` says which).',
      security: AGENT_SECURITY,
      params: idParams,
      response: { 200: ok('The contact'), ...errors },
    },
    handler: async (request) => contacts.get(idOf(request.params.id)),
  });

  app.patch<{ Params: { id: string } }>('/v1/contacts/:id', {
    config: { audit: { action: 'contact.updated', targetType: 'contact' } },
    schema: {
      tags,
      summary: 'Change a contact',
      description:
        '`name`, `email`, `phone`, `externalId` (null clears one) and `attributes`: merged key by key, a null value removes the key; at most 50 per contact. ' +
        '409 `PARLEY_ERR_CONTACT_EXTERNAL_ID_TAKEN` when another contact of the widget has that external id.',
      security: AGENT_SECURITY,
      params: idParams,
      body: jsonSchema(contactPatchSchema),
      response: { 200: ok('The contact'), ...errors },
    },
    handler: async (request) => contacts.patch(idOf(request.params.id), parseInput(contactPatchSchema, request.body ?? {})),
  });

  app.get<{ Params: { id: string } }>('/v1/contacts/:id/conversations', {
    schema: {
      tags,
      summary: 'A contact’s conversations',
      description:
        'Newest activity first: `{ items: [{ id, widgetId, owner, lastMessage, messageCount, createdAt, updatedAt }], nextCursor }`. Open one with `GET /v1/inbox/{id}`.',
      security: AGENT_SECURITY,
      params: idParams,
      querystring: jsonSchema(paginationQuerySchema),
      response: { 200: ok('`{ items, nextCursor }`'), ...errors },
    },
    handler: async (request) => {
      const query = parseInput(paginationQuerySchema, request.query ?? {});
      return contacts.conversations(idOf(request.params.id), query.take ?? 20, query.cursor);
    },
  });

  app.post<{ Params: { id: string } }>('/v1/contacts/:id/merge', {
    config: { audit: { action: 'contact.merged', targetType: 'contact', detail: (request) => ({ from: mergedFrom(request.body) }) } },
    schema: {
      tags,
      summary: 'Merge another contact into this one',
      description:
        '`{ from }`: every conversation of `from` moves to this contact. Details this contact lacks (name, email, phone, external id) are taken from `from`; ' +
        'attributes are combined, this contact’s value winning a key both have (up to 50); first seen is the earlier, last seen and the device the later; pages interleave by time. ' +
        '`from` is kept, emptied, as a pointer: its id answers with this contact. Both must belong to one widget, and at most one may have an external id (409 otherwise). ' +
        'Answers `{ contact, conversations }` (how many moved).',
      security: AGENT_SECURITY,
      params: idParams,
      body: jsonSchema(contactMergeSchema),
      response: { 200: ok('`{ contact, conversations }`'), ...errors },
    },
    handler: async (request) => {
      const input = parseInput(contactMergeSchema, request.body ?? {});
      return contacts.merge(idOf(request.params.id), input.from);
    },
  });
};

function csvRow(contact: Contact, keys: readonly string[]): CsvCell[] {
  return [
    contact.id,
    contact.widgetId,
    contact.externalId,
    contact.name,
    contact.email,
    contact.phone,
    contact.firstSeenAt,
    contact.lastSeenAt,
    contact.device?.browser ?? null,
    contact.device?.os ?? null,
    contact.device?.kind ?? null,
    contact.createdAt,
    contact.updatedAt,
    ...keys.map((key) => {
      const value = contact.attributes[key];
      return value === undefined ? null : String(value);
    }),
  ];
}

/**
 * `POST /v1/conversations/{id}/attributes`: the widget's `setAttributes` once its conversation exists.
 * The attributes land on the conversation's contact (one is made for a visitor who had none); what a
 * page sends is the visitor's word, as the session's meta is, never a verified fact.
 */
export const visitorAttributesApi: FastifyPluginAsync<RouteOptions> = async (app, { services }) => {
  const { contacts, database, engine, blocks } = services;
  app.addHook('onRequest', app.requireSession);

  app.post<{ Params: { id: string } }>('/v1/conversations/:id/attributes', {
    schema: {
      tags: ['visitor'],
      summary: 'Set the visitor’s attributes',
      description:
        'The attributes themselves, `{ key: value | null }`, with the session token: strings, numbers or booleans, null removes a key; at most 50 keys per contact (new keys beyond are left out). Answers 204.',
      security: SESSION_SECURITY,
      params: idParams,
      body: jsonSchema(visitorAttributesSchema),
      response: { 204: { description: 'Stored' }, 400: errorResponse, 401: errorResponse, 403: errorResponse, 404: errorResponse },
    },
    handler: async (request, reply) => {
      const claims = conversationSession(request);
      const input = parseInput(visitorAttributesSchema, request.body ?? {});
      const conversation = await engine.getConversation(claims.sub);
      if (conversation === undefined) throw new ApiError('PARLEY_ERR_CONVERSATION_NOT_FOUND');
      await blocks.assertAllowed({ widgetId: claims.wid, visitor: visitorSubject(conversation), address: request.ip });
      await database.db.transaction().execute(async (trx) => {
        const contactId = await contacts.ensureForConversation(trx, conversation);
        await contacts.setAttributes(trx, contactId, input, 'skip');
      });
      return reply.status(204).send();
    },
  });
};
