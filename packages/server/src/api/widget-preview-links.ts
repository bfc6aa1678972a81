import type { FastifyPluginAsync, FastifyReply } from 'fastify';
import * as v from 'valibot';
import type { ErrorCode, WidgetPreviewMessage } from '@parley/protocol';
import { ApiError } from '../http/api-error.js';
import { ADMIN_SECURITY, errorResponse, idParams, jsonSchema, ok } from '../http/openapi.js';
import { parseInput } from '../http/parse-input.js';
import type { Services } from '../services.js';
import { buildPublicConfig } from '../widgets/public-config.js';
import type { PreviewLinks } from '../widgets/preview-links.js';
import { escapeHtml, scriptJson } from '../http/html-text.js';

export interface PreviewLinksApiOptions {
  readonly services: Services;
  readonly links: PreviewLinks;
}

const DAY = 86_400;
const previewLinkSchema = v.strictObject({
  ttlSeconds: v.optional(
    v.pipe(v.number(), v.integer('must be a whole number'), v.minValue(1), v.maxValue(7 * DAY, 'must be at most 604800 (7 days)')),
  ),
});

/**
 * Signed, expiring preview links (docs/configuration-versions.md): an admin asks for one, anyone holding it sees the
 * widget with its draft (the published configuration when there is none) on a neutral page of this server, with a
 * sample conversation (the console preview's bridge: no session, nothing stored). Expired: 410; changed or not
 * signed here: 403.
 */
export const widgetPreviewLinksApi: FastifyPluginAsync<PreviewLinksApiOptions> = async (app, { services, links }) => {
  const { widgets } = services;

  app.post<{ Params: { id: string } }>('/v1/widgets/:id/preview-links', {
    onRequest: app.requireAdmin,
    config: { audit: { action: 'widget.preview_link_created', targetType: 'widget', detail: () => ({}) } },
    schema: {
      tags: ['widget versions'],
      summary: 'Make a preview link',
      description:
        'A signed link to a page that shows the widget with its draft (the published configuration when there is none), valid for `ttlSeconds` (default one day, at most seven). Answers `{ url, expiresAt }`. Anyone with the link sees the preview; it cannot be revoked before it expires, except by rotating PARLEY_SECRET.',
      security: ADMIN_SECURITY,
      params: idParams,
      body: jsonSchema(previewLinkSchema),
      response: { 201: ok('`{ url, expiresAt }`'), 400: errorResponse, 401: errorResponse, 404: errorResponse },
    },
    handler: async (request, reply) => {
      const input = parseInput(previewLinkSchema, request.body ?? {});
      const { row } = await widgets.resolve(request.params.id);
      return reply.status(201).send({ object: 'preview_link', widgetId: row.id, ...links.create(row.id, input.ttlSeconds ?? DAY) });
    },
  });

  app.get<{ Params: { id: string }; Querystring: Record<string, unknown> }>('/preview/:id', {
    schema: { hide: true },
    handler: async (request, reply) => {
      const verdict = links.check(request.params.id, request.query['e'], request.query['s']);
      if (verdict === 'invalid') {
        return page(
          reply,
          403,
          'Preview link not valid',
          'This link was not made by this server, or it was changed. Ask for a new one.',
          'PARLEY_ERR_PREVIEW_LINK_INVALID',
        );
      }
      if (verdict === 'expired') {
        return page(
          reply,
          410,
          'Preview link expired',
          'This preview link has expired. Ask for a new one.',
          'PARLEY_ERR_PREVIEW_LINK_EXPIRED',
        );
      }
      const entry = await buildPublicConfig(
        { resolve: (id) => widgets.resolveDraft(id), botName: (botId) => widgets.botName(botId) },
        services.languageMaps,
        request.params.id,
      ).catch((error: unknown) => {
        if (error instanceof ApiError && error.code === 'PARLEY_ERR_WIDGET_NOT_FOUND') return undefined;
        throw error;
      });
      if (entry === undefined)
        return page(reply, 404, 'Widget gone', 'The widget of this preview no longer exists.', 'PARLEY_ERR_WIDGET_NOT_FOUND');
      const language = entry.settings.language ?? entry.settings.languages[0] ?? 'en';
      const config = JSON.parse(
        entry.inLanguage(pickRendered(entry.settings.languages, language)).body.toString('utf8'),
      ) as WidgetPreviewMessage['config'];
      const message: WidgetPreviewMessage = {
        parley: 'preview',
        config,
        layout: entry.settings.layout === 'bubble' ? 'bubble' : 'fullscreen',
        sample: [{ role: 'visitor', text: 'Hello!' }],
        reply: 'This is a preview: conversations start once the configuration is published.',
      };
      return page(reply, 200, 'Widget preview', undefined, undefined, message);
    },
  });

  app.get('/preview.js', { schema: { hide: true } }, async (_request, reply) =>
    reply.type('text/javascript; charset=utf-8').header('cache-control', 'no-cache').send(PREVIEW_SCRIPT),
  );
};

function pickRendered(languages: readonly string[], language: string): string {
  return languages.includes(language) ? language : (languages[0] ?? language);
}

/** The page: a heading, and the console's preview frame fed the draft's config by /preview.js. */
/** An error page says its code (docs/errors.md) in the text and in `X-Parley-Error`. */
function page(
  reply: FastifyReply,
  status: number,
  title: string,
  text: string | undefined,
  code?: ErrorCode,
  message?: WidgetPreviewMessage,
): FastifyReply {
  if (code !== undefined) reply.header('x-parley-error', code);
  const data =
    message === undefined
      ? ''
      : `<script type="application/json" id="parley-preview">${scriptJson(message)}</script>\n<script src="/preview.js"></script>`;
  const body = text === undefined ? '' : `<p>${escapeHtml(text)}</p>${code === undefined ? '' : `<p><small>${code}</small></p>`}`;
  return reply
    .status(status)
    .type('text/html; charset=utf-8')
    .header('cache-control', 'no-store')
    .header('referrer-policy', 'no-referrer')
    .header('x-robots-tag', 'noindex')
    .header(
      'content-security-policy',
      "default-src 'none'; script-src 'self'; style-src 'unsafe-inline'; frame-src 'self'; img-src 'self' https: data:; base-uri 'none'; frame-ancestors 'none'",
    ).send(`<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="robots" content="noindex">
<title>${escapeHtml(title)}</title>
<style>
:root { color-scheme: light dark; font-family: system-ui, sans-serif; }
body { margin: 0; min-height: 100vh; display: flex; flex-direction: column; }
header { padding: 12px 16px; border-bottom: 1px solid #8884; }
h1 { font-size: 1rem; margin: 0; }
main { flex: 1; display: flex; }
iframe { flex: 1; border: 0; min-height: 560px; }
p { padding: 0 16px; }
</style>
</head>
<body>
<header><h1>${escapeHtml(title)}</h1></header>
<main>${body}</main>
${data}
</body>
</html>`);
}

/**
 * Frames /widget-preview (sandboxed, without an origin of its own, as the console does) and posts it the draft's
 * config once it says it is ready.
 */
const PREVIEW_SCRIPT = `(function () {
  var data = document.getElementById('parley-preview');
  if (!data) return;
  var message = JSON.parse(data.textContent);
  var frame = document.createElement('iframe');
  frame.title = 'Widget preview';
  frame.setAttribute('sandbox', 'allow-scripts allow-forms');
  frame.src = '/widget-preview';
  window.addEventListener('message', function (event) {
    if (event.source === frame.contentWindow && event.data && event.data.parley === 'preview-ready') frame.contentWindow.postMessage(message, '*');
  });
  document.querySelector('main').appendChild(frame);
})();
`;
