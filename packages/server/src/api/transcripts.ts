import { Readable } from 'node:stream';
import type { FastifyPluginAsync } from 'fastify';
import * as v from 'valibot';
import { contactInputSchema, localeSchema, timeZoneSchema } from '@parley/protocol';
import { agentOf } from '../http/auth-plugin.js';
import { AGENT_SECURITY, errorResponse, idParams, jsonSchema, ok, SESSION_SECURITY } from '../http/openapi.js';
import { parseInput } from '../http/parse-input.js';
import type { RouteOptions } from '../services.js';
import { maskEmail, type TranscriptMail } from '../transcripts/transcript-mail.js';
import { readTranscript } from '../transcripts/transcript-source.js';
import { refuseWhenLimited } from '../limits/refuse.js';
import { visitorConversation } from './visitor-conversation.js';
import { renderTranscript, TRANSCRIPT_FORMATS, type TranscriptFormat } from '../transcripts/transcript-render.js';

const flag = v.pipe(
  v.picklist(['true', 'false'], 'must be true or false'),
  v.transform((value) => value === 'true'),
);

const timeZoneOption = v.optional(timeZoneSchema, 'UTC');
const localeOption = v.optional(localeSchema, 'en');

const transcriptQuerySchema = v.strictObject({
  format: v.optional(v.picklist(TRANSCRIPT_FORMATS, `must be one of ${TRANSCRIPT_FORMATS.join(', ')}`), 'text'),
  timeZone: timeZoneOption,
  locale: localeOption,
  notes: v.optional(flag, 'false'),
  download: v.optional(flag, 'true'),
});
const agentMailSchema = v.strictObject({
  to: v.optional(contactInputSchema.entries.email.wrapped),
  timeZone: timeZoneOption,
  locale: localeOption,
  notes: v.optional(v.boolean('must be true or false'), false),
});
/** A visitor names no address: the transcript goes to the email they left, or nowhere. */
const visitorMailSchema = v.strictObject({ timeZone: timeZoneOption, locale: localeOption });

const CONTENT_TYPES: Record<TranscriptFormat, string> = {
  text: 'text/plain; charset=utf-8',
  html: 'text/html; charset=utf-8',
  json: 'application/json; charset=utf-8',
};
const EXTENSIONS: Record<TranscriptFormat, string> = { text: 'txt', html: 'html', json: 'json' };
/** The HTML transcript is a document of the server's origin: it may show styles and pictures, never run anything. */
const HTML_POLICY =
  "default-src 'none'; style-src 'unsafe-inline'; img-src https: data:; base-uri 'none'; form-action 'none'; frame-ancestors 'none'";

/** One conversation as a file an agent or the site's own systems can keep: plain text, printable HTML or JSON. */
export interface TranscriptsApiOptions extends RouteOptions {
  readonly publicUrl: string;
  readonly mail: TranscriptMail;
}

export const transcriptsApi: FastifyPluginAsync<TranscriptsApiOptions> = async (app, { services, publicUrl, mail }) => {
  const { engine, widgets, desk } = services;
  app.addHook('onRequest', app.requireAgent);

  app.get<{ Params: { id: string } }>('/v1/inbox/:id/transcript', {
    schema: {
      tags: ['inbox'],
      summary: 'Export a conversation’s transcript',
      description:
        'The whole conversation, oldest first, as `format` = `text` (plain text), `html` (a printable page; Markdown rendered, raw HTML never) or `json` ' +
        '(`{ object: "transcript", conversation, contact, widget, pageUrl, timeZone, notes, exportedAt, messages: [{ seq, at, role, author, kind, text, details, file }] }`). ' +
        'Times are shown in `timeZone` (IANA, default UTC) and `locale` (default en). Private notes are left out unless `notes=true`. ' +
        'The answer is streamed, so a conversation of any length is exported; `download=false` shows it in the browser instead of saving it.',
      security: AGENT_SECURITY,
      params: idParams,
      querystring: jsonSchema(transcriptQuerySchema),
      response: {
        200: { description: 'The transcript (text/plain, text/html or application/json)' },
        400: errorResponse,
        401: errorResponse,
        404: errorResponse,
      },
    },
    handler: async (request, reply) => {
      const query = parseInput(transcriptQuerySchema, request.query ?? {});
      const id = request.params.id;
      const { head, pages } = await readTranscript({ engine, inbox: desk.inbox, widgets, publicUrl }, id, agentOf(request).id, {
        timeZone: query.timeZone,
        locale: query.locale,
        notes: query.notes,
      });
      const stream = renderTranscript(query.format, head, pages);
      const filename = `conversation-${id}.${EXTENSIONS[query.format]}`;
      reply
        .header('content-type', CONTENT_TYPES[query.format])
        .header('content-disposition', `${query.download ? 'attachment' : 'inline'}; filename="${filename.replace(/[^\w.-]/g, '_')}"`)
        // Personal data: not for shared caches, nor the browser's.
        .header('cache-control', 'no-store')
        .header('x-content-type-options', 'nosniff');
      if (query.format === 'html') reply.header('content-security-policy', HTML_POLICY);
      return reply.send(Readable.from(stream));
    },
  });

  app.post<{ Params: { id: string } }>('/v1/inbox/:id/transcript/email', {
    schema: {
      tags: ['inbox'],
      summary: 'Email a conversation’s transcript',
      description:
        'Sends the transcript (printable HTML with a plain-text part, at most 2,000 messages) to `to`, or to the contact’s email when `to` is absent. ' +
        'Private notes only with `notes: true` — mind who reads the address. 409 `PARLEY_ERR_MAIL_NOT_CONFIGURED` without PARLEY_SMTP_URL, ' +
        '409 `PARLEY_ERR_TRANSCRIPT_NO_EMAIL` when there is no address. Answers `{ to }`.',
      security: AGENT_SECURITY,
      params: idParams,
      body: jsonSchema(agentMailSchema),
      response: { 202: ok('`{ to }`: where it was sent'), 400: errorResponse, 401: errorResponse, 404: errorResponse, 409: errorResponse },
    },
    handler: async (request, reply) => {
      const body = parseInput(agentMailSchema, request.body ?? {});
      const sent = await mail.send(request.params.id, agentOf(request).id, {
        to: body.to,
        view: { timeZone: body.timeZone, locale: body.locale, notes: body.notes },
      });
      return reply.code(202).send({ to: sent.to });
    },
  });
};

/** The visitor's own transcript by email, to the address they left: the widget's "Email me this conversation". */
export const visitorTranscriptApi: FastifyPluginAsync<RouteOptions & { readonly mail: TranscriptMail }> = async (
  app,
  { services, mail },
) => {
  app.addHook('onRequest', app.requireSession);

  app.post<{ Params: { id: string } }>('/v1/conversations/:id/transcript/email', {
    schema: {
      tags: ['visitor'],
      summary: 'Email me this conversation',
      description:
        'Sends the conversation (without private notes) to the email the visitor left (contact form, offline form or session contact); nobody else’s address can be named. ' +
        'Once per conversation every 10 minutes (429 with Retry-After). 409 `PARLEY_ERR_TRANSCRIPT_NO_EMAIL` when no email is known, ' +
        '409 `PARLEY_ERR_MAIL_NOT_CONFIGURED` when the server sends no mail (the public config’s presence says `emailReplies`). Answers `{ to }` with the address masked.',
      security: SESSION_SECURITY,
      params: idParams,
      body: jsonSchema(visitorMailSchema),
      response: {
        202: ok('`{ to }`: the masked address'),
        400: errorResponse,
        401: errorResponse,
        403: errorResponse,
        409: errorResponse,
        429: errorResponse,
      },
    },
    handler: async (request, reply) => {
      const body = parseInput(visitorMailSchema, request.body ?? {});
      const { conversation } = await visitorConversation(services, request);
      refuseWhenLimited(reply, mail.visitorWait(conversation.id), 'transcript emails for this conversation');
      const sent = await mail.sendForVisitor(conversation.id, { timeZone: body.timeZone, locale: body.locale, notes: false });
      return reply.code(202).send({ to: maskEmail(sent.to) });
    },
  });
};
