import { Readable } from 'node:stream';
import type { FastifyPluginAsync } from 'fastify';
import * as v from 'valibot';
import { MAX_MESSAGES_PER_READ } from '../engine/conversation-engine.js';
import { withoutNotes } from '../engine/private-notes.js';
import { agentOf } from '../http/auth-plugin.js';
import { AGENT_SECURITY, errorResponse, idParams, jsonSchema } from '../http/openapi.js';
import { parseInput } from '../http/parse-input.js';
import type { RouteOptions } from '../services.js';
import { transcriptEntry, type TranscriptEntry } from '../transcripts/transcript-lines.js';
import { renderTranscript, TRANSCRIPT_FORMATS, type TranscriptFormat } from '../transcripts/transcript-render.js';

const validTimeZone = (zone: string): boolean => {
  try {
    new Intl.DateTimeFormat('en', { timeZone: zone });
    return true;
  } catch {
    return false;
  }
};
const validLocale = (locale: string): boolean => {
  try {
    return Intl.getCanonicalLocales(locale).length === 1;
  } catch {
    return false;
  }
};
const flag = v.pipe(
  v.picklist(['true', 'false'], 'must be true or false'),
  v.transform((value) => value === 'true'),
);

const transcriptQuerySchema = v.strictObject({
  format: v.optional(v.picklist(TRANSCRIPT_FORMATS, `must be one of ${TRANSCRIPT_FORMATS.join(', ')}`), 'text'),
  timeZone: v.optional(
    v.pipe(v.string(), v.maxLength(64), v.check(validTimeZone, 'must be an IANA time zone such as Europe/Paris or UTC')),
    'UTC',
  ),
  locale: v.optional(v.pipe(v.string(), v.maxLength(35), v.check(validLocale, 'must be a language tag such as en, fr or pt-BR')), 'en'),
  notes: v.optional(flag, 'false'),
  download: v.optional(flag, 'true'),
});

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
export const transcriptsApi: FastifyPluginAsync<RouteOptions & { readonly publicUrl: string }> = async (app, { services, publicUrl }) => {
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
      // Read the head first: an unknown conversation is a 404, not a stream that stops.
      const detail = await desk.inbox.detail(id, agentOf(request).id);
      const widgetName = await widgets.get(detail.conversation.widgetId).then(
        (widget) => widget.name,
        () => null, // A deleted widget keeps its conversations; the transcript names it by id then.
      );
      async function* pages(): AsyncGenerator<readonly TranscriptEntry[]> {
        let after = 0;
        for (;;) {
          const messages = await engine.messagesAfter(id, after, MAX_MESSAGES_PER_READ);
          const last = messages.at(-1);
          if (last === undefined) return;
          after = last.seq;
          yield (query.notes ? messages : withoutNotes(messages)).map((message) =>
            transcriptEntry(message, publicUrl, detail.contact.name),
          );
          if (messages.length < MAX_MESSAGES_PER_READ) return;
        }
      }
      const stream = renderTranscript(
        query.format,
        {
          conversation: detail.conversation,
          contact: detail.contact,
          widget: { id: detail.conversation.widgetId, name: widgetName },
          pageUrl: detail.context.pageUrl,
          exportedAt: new Date(),
          timeZone: query.timeZone,
          locale: query.locale,
          notes: query.notes,
        },
        pages(),
      );
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
};
