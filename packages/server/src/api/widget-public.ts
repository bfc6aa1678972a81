import { createHash } from 'node:crypto';
import type { FastifyPluginAsync } from 'fastify';
import * as v from 'valibot';
import {
  isRtlLanguage,
  languageTagSchema,
  pickPublicSettings,
  PROTOCOL_VERSION,
  sessionCreateSchema,
  type PublicWidgetConfig,
} from '@parley/protocol';
import { errorResponse, idParams, jsonSchema, ok } from '../http/openapi.js';
import { parseInput } from '../http/parse-input.js';
import { resolveLanguage, widgetLanguages } from '../widgets/language-map.js';
import type { RouteOptions } from '../services.js';

const configQuerySchema = v.strictObject({ lang: v.optional(languageTagSchema) });
const tags = ['visitor'];

/**
 * The two endpoints a page calls: the public config (cacheable, visitor-safe) and session creation.
 * Both check the request's Origin against the widget's allowlist.
 */
export const widgetPublicApi: FastifyPluginAsync<RouteOptions> = async (app, { services }) => {
  const { widgets, languageMaps, sessions } = services;

  app.get<{ Params: { id: string } }>('/v1/widgets/:id/config', {
    schema: {
      tags,
      summary: 'Public widget configuration',
      description:
        'Visitor-safe options and every interface text in the requested language (`lang`, falling back to the closest configured language). Cacheable: ETag + Cache-Control; varies by Origin.',
      params: idParams,
      querystring: jsonSchema(configQuerySchema),
      response: {
        200: ok('The public configuration'),
        304: { description: 'Not modified', type: 'null' },
        403: errorResponse,
        404: errorResponse,
      },
    },
    handler: async (request, reply) => {
      const { lang } = parseInput(configQuerySchema, request.query ?? {});
      const { row, effective } = await widgets.resolve(request.params.id);
      widgets.assertOrigin(effective, request.headers.origin, true);
      const language = resolveLanguage(lang, effective);
      const config: PublicWidgetConfig = {
        ...pickPublicSettings(effective),
        id: row.id,
        protocolVersion: PROTOCOL_VERSION,
        tools: effective.tools === true || (Array.isArray(effective.tools) && effective.tools.length > 0),
        language,
        languages: widgetLanguages(effective),
        dir: isRtlLanguage(language) ? 'rtl' : 'ltr',
        strings: await languageMaps.strings(row.id, language, effective),
      };
      const body = JSON.stringify(config);
      const etag = `"${createHash('sha256').update(body).digest('base64url').slice(0, 27)}"`;
      reply.header('etag', etag).header('cache-control', 'public, max-age=30, stale-while-revalidate=300').header('vary', 'Origin');
      if (request.headers['if-none-match'] === etag) return reply.status(304).send();
      return reply.type('application/json; charset=utf-8').send(body);
    },
  });

  app.post<{ Params: { id: string } }>('/v1/widgets/:id/sessions', {
    schema: {
      tags,
      summary: 'Create a visitor session',
      description:
        'Creates a conversation (or resumes the last open one of a verified identity), stores the contact, prepends the widget’s initial message, lets the bot answer the seeded user messages, and returns a token scoped to that one conversation. ' +
        'Only `{ "type": "user" }` messages may seed a session. `durationInSeconds` is 1800–86400 (default: the widget’s sessionDuration, at least 30 minutes).',
      params: idParams,
      body: jsonSchema(sessionCreateSchema),
      response: {
        201: ok('`{ token, conversationId, expiresAt, messages, resumed }`'),
        400: errorResponse,
        401: errorResponse,
        403: errorResponse,
        404: errorResponse,
        409: errorResponse,
      },
    },
    handler: async (request, reply) => {
      const input = parseInput(sessionCreateSchema, request.body ?? {});
      const created = await sessions.create({
        widgetId: request.params.id,
        input,
        origin: request.headers.origin,
        trustedCaller: request.headers.origin === undefined && (await app.isAdmin(request)),
      });
      return reply.status(201).header('cache-control', 'no-store').send(created);
    },
  });
};
