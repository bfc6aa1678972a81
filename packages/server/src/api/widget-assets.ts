import { createHash } from 'node:crypto';
import { readFile, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { FastifyPluginAsync, FastifyReply, FastifyRequest } from 'fastify';
import { isOriginAllowed } from '@parley/protocol';
import { ApiError } from '../http/api-error.js';
import { idParams } from '../http/openapi.js';
import type { RouteOptions } from '../services.js';
import { escapeHtml } from '../http/html-text.js';

/** packages/widget/dist-browser, found from this file in src/ (tests) and in dist/ (npm start) alike. */
export const DEFAULT_WIDGET_DIR = fileURLToPath(new URL('../../../widget/dist-browser/', import.meta.url));

/**
 * `<build>/<chunk>`: the build's directory is named for a hash of all its files' contents, so a given path never
 * changes: browsers may keep it for a year. Nothing else (no `..`, no other depth) names a file.
 */
const CHUNK = /^[0-9a-f]{16}\/[A-Za-z0-9_-]+\.js$/;
const JS = 'text/javascript; charset=utf-8';

interface Asset {
  readonly body: Buffer;
  readonly etag: string;
  readonly mtimeMs: number;
}

/**
 * Serves the built widget as plain files (the server never imports the widget's code): `/widget.js`
 * (the loader: short cache + ETag, so a new release reaches pages within minutes), `/widget/<build>/<chunk>`
 * (immutable: the directory is the build's content hash) and `/embed/:widgetId`, a page that runs the widget
 * full-size inside an iframe.
 * Module chunks are fetched by `import()` in CORS mode from any site, hence `Access-Control-Allow-Origin: *`
 * on these public, credential-free files.
 */
export const widgetAssets: FastifyPluginAsync<RouteOptions & { dir?: string }> = async (app, { services, dir = DEFAULT_WIDGET_DIR }) => {
  const cache = new Map<string, Asset>();

  const load = async (file: string): Promise<Asset | undefined> => {
    const path = join(dir, file);
    const info = await stat(path).catch(() => undefined);
    if (info === undefined || !info.isFile()) return undefined;
    const held = cache.get(file);
    if (held !== undefined && held.mtimeMs === info.mtimeMs) return held;
    const body = await readFile(path);
    const asset = { body, etag: `"${createHash('sha256').update(body).digest('base64url').slice(0, 27)}"`, mtimeMs: info.mtimeMs };
    cache.set(file, asset);
    return asset;
  };
  const bundleMissing = async (): Promise<never> => {
    throw new ApiError('PARLEY_ERR_WIDGET_BUNDLE_MISSING', `No widget bundle in ${dir}: run \`npm run build\` to create it.`);
  };
  const send = (request: FastifyRequest, reply: FastifyReply, asset: Asset, cacheControl: string) => {
    reply.header('content-type', JS).header('cache-control', cacheControl).header('etag', asset.etag);
    reply.header('access-control-allow-origin', '*').header('x-content-type-options', 'nosniff');
    if (request.headers['if-none-match'] === asset.etag) return reply.status(304).send();
    return reply.send(asset.body);
  };

  app.get('/widget.js', { schema: { hide: true } }, async (request, reply) => {
    const asset = (await load('widget.js')) ?? (await bundleMissing());
    return send(request, reply, asset, 'public, max-age=300, stale-while-revalidate=86400');
  });

  app.get<{ Params: { '*': string } }>('/widget/*', { schema: { hide: true } }, async (request, reply) => {
    const path = request.params['*'];
    const asset = CHUNK.test(path) ? await load(`widget/${path}`) : undefined;
    if (asset === undefined) {
      if ((await load('widget.js')) === undefined) await bundleMissing();
      throw new ApiError('PARLEY_ERR_ROUTE_NOT_FOUND', `No widget file ${path}: the page may hold an older widget.js; reload it.`);
    }
    return send(request, reply, asset, 'public, max-age=31536000, immutable');
  });

  // The console's widget preview: the widget with settings the editor posts (see the widget's preview-bridge).
  // It is framed only by this origin, sandboxed there without an origin of its own, and may connect nowhere:
  // the sample conversation lives in the page, so a preview creates no session and needs no allowlist.
  app.get('/widget-preview', { schema: { hide: true } }, async (_request, reply) => {
    if ((await load('widget.js')) === undefined) await bundleMissing();
    reply
      .type('text/html; charset=utf-8')
      .header('cache-control', 'no-cache')
      .header('x-content-type-options', 'nosniff')
      .header(
        'content-security-policy',
        "default-src 'none'; script-src 'self'; connect-src 'none'; img-src 'self' https: data:; style-src 'self'; frame-ancestors 'self'; base-uri 'none'; form-action 'none'",
      );
    return PREVIEW_PAGE;
  });

  app.get<{ Params: { id: string }; Querystring: { origin?: string } }>(
    '/embed/:id',
    {
      schema: {
        tags: ['visitor'],
        summary: 'Widget iframe page',
        description:
          'An HTML page running the widget full-size, for `<iframe src=".../embed/{id}?origin=https://your.site">`. With `origin` (checked against the widget allowlist) the page speaks the postMessage API to that origin only.',
        params: idParams,
        querystring: { type: 'object', properties: { origin: { type: 'string', description: 'The embedding page origin' } } },
      },
    },
    async (request, reply) => {
      if ((await load('widget.js')) === undefined) await bundleMissing();
      const { effective } = await services.widgets.resolve(request.params.id);
      const origin = request.query.origin;
      if (
        origin !== undefined &&
        (!/^https?:\/\/[^/\s]+$/.test(origin) || (effective.origin.length > 0 && !isOriginAllowed(origin, effective.origin)))
      ) {
        throw new ApiError('PARLEY_ERR_AUTH_ORIGIN_NOT_ALLOWED', `The origin ${origin} is not in this widget's allowlist.`);
      }
      // 'self' too: this server's own pages may frame it (the console's preview uses /widget-preview instead).
      const ancestors = effective.origin.length === 0 ? '*' : ["'self'", ...effective.origin].join(' ');
      // img-src 'self': uploaded files and link-preview pictures come from this origin, also over plain http.
      reply
        .type('text/html; charset=utf-8')
        .header('cache-control', 'no-cache')
        .header(
          'content-security-policy',
          `default-src 'none'; script-src 'self'; connect-src 'self'; img-src 'self' https: data:; style-src 'self'; frame-ancestors ${ancestors}; base-uri 'none'`,
        );
      return embedPage(request.params.id, origin);
    },
  );
};

const PREVIEW_PAGE = `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>Widget preview</title>
<script src="/widget.js" data-embed="preview"></script>
</head>
<body></body>
</html>`;

function embedPage(widgetId: string, parentOrigin: string | undefined): string {
  const parent = parentOrigin === undefined ? '' : ` data-parent-origin="${escapeHtml(parentOrigin)}"`;
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>Chat</title>
<script src="/widget.js" data-parley-widget="${escapeHtml(widgetId)}" data-layout="fullscreen" data-embed="iframe"${parent}></script>
</head>
<body></body>
</html>`;
}
