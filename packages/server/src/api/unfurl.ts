import type { FastifyPluginAsync } from 'fastify';
import * as v from 'valibot';
import { linkPreviewQuerySchema, type LinkPreview } from '@parley/protocol';
import { ApiError } from '../http/api-error.js';
import { errorResponse, idParams, jsonSchema, ok, SESSION_SECURITY } from '../http/openapi.js';
import { parseInput } from '../http/parse-input.js';
import { servesUntrustedBytes } from '../http/untrusted-bytes.js';
import { RateBuckets } from '../http/rate-buckets.js';
import type { RouteOptions } from '../services.js';
import { OutboundError } from '../outbound/index.js';
import type { ImageSigner, PagePreview, Unfurler } from '../unfurl/index.js';

export interface UnfurlApiOptions extends RouteOptions {
  readonly unfurler: Unfurler;
  readonly signer: ImageSigner;
}

const imageQuerySchema = v.strictObject({
  u: v.pipe(v.string('must be the picture’s address'), v.maxLength(4096)),
  s: v.pipe(v.string('must be the signature'), v.maxLength(128)),
});

/**
 * Per session, for links not yet known: each costs a fetch on some third party's server. Previews
 * already made (or being made) are free, so a reload that shows twenty old links is never refused.
 * Kept in process: with many nodes the limit is per node, which still bounds what one session can ask.
 */
const FETCHES_PER_SECOND = 0.5;
const FETCH_BURST = 10;

/**
 * Link previews for the widget: `GET /v1/widgets/{id}/unfurl?url=` with the visitor's session token
 * answers a LinkPreview the server made itself (see unfurl/), and `GET /v1/unfurl/image?u=&s=` serves
 * that preview's picture through this server, so the visitor's browser never contacts the linked site.
 */
export const unfurlApi: FastifyPluginAsync<UnfurlApiOptions> = async (app, { services, unfurler, signer }) => {
  const { widgets } = services;
  const fetches = new RateBuckets(FETCHES_PER_SECOND, FETCH_BURST);

  app.get<{ Params: { id: string } }>('/v1/widgets/:id/unfurl', {
    onRequest: app.requireSession,
    schema: {
      tags: ['visitor'],
      summary: 'Preview a link',
      description:
        'The title, description, site name and picture of the page at `url`, fetched by the server (public addresses only, at most 3 redirects, 5 s, 512 KB of HTML) and kept for a day (failures for 10 minutes). `image.url` is a signed address on this server that serves the picture. Needs the widget’s `unfurl` option. Rate limited per session for links not yet previewed.',
      security: SESSION_SECURITY,
      params: idParams,
      querystring: jsonSchema(linkPreviewQuerySchema),
      response: {
        200: ok('A `link_preview`: `{ object, url, siteName, title, description, image: { url, alt } | null }`'),
        400: errorResponse,
        401: errorResponse,
        403: errorResponse,
        404: errorResponse,
        429: errorResponse,
      },
    },
    handler: async (request, reply) => {
      const claims = request.session;
      if (claims === null || claims.wid !== request.params.id) {
        throw new ApiError('PARLEY_ERR_AUTH_FORBIDDEN', 'This session token belongs to another widget.');
      }
      const { effective } = await widgets.resolve(claims.wid);
      if (!effective.unfurl) throw new ApiError('PARLEY_ERR_UNFURL_DISABLED');
      const { url } = parseInput(linkPreviewQuerySchema, request.query ?? {});
      const key = await explained(() => unfurler.normalize(url));
      const wait = unfurler.isKnown(key) ? 0 : fetches.take(claims.sub);
      if (wait > 0) {
        reply.header('retry-after', String(wait));
        throw new ApiError('PARLEY_ERR_UNFURL_RATE_LIMITED', 'This session asked for too many new link previews; slow down.');
      }
      const preview = await explained(() => unfurler.preview(key));
      // The answer depends on the page, not on who asks: the browser may keep it as long as a failure is remembered.
      reply.header('cache-control', 'private, max-age=600');
      return toLinkPreview(preview, signer);
    },
  });

  app.get('/v1/unfurl/image', {
    schema: {
      tags: ['visitor'],
      summary: 'A link preview’s picture',
      description:
        'Serves the picture of a link preview through this server (PNG, JPEG, GIF or WebP, read from the bytes; at most 2 MB). Only addresses this server signed are served: use `image.url` from a preview unchanged.',
      querystring: jsonSchema(imageQuerySchema),
      response: {
        200: { description: 'The picture' },
        400: errorResponse,
        403: errorResponse,
        404: errorResponse,
      },
    },
    handler: async (request, reply) => {
      const { u, s } = parseInput(imageQuerySchema, request.query ?? {});
      if (!signer.verify(u, s)) throw new ApiError('PARLEY_ERR_UNFURL_IMAGE_SIGNATURE_INVALID');
      const image = await explained(() => unfurler.image(u));
      // The widget's <img referrerpolicy="no-referrer"> keeps the visitor's page out of this request.
      servesUntrustedBytes(reply).header('content-type', image.mimeType).header('cache-control', 'public, max-age=86400');
      return reply.send(image.bytes);
    },
  });
};

function toLinkPreview(preview: PagePreview, signer: ImageSigner): LinkPreview {
  return {
    object: 'link_preview',
    url: preview.url,
    siteName: preview.siteName,
    title: preview.title,
    description: preview.description,
    image: preview.image === null ? null : { url: signer.url(preview.image.url), alt: preview.image.alt },
  };
}

const CODES = {
  invalid: 'PARLEY_ERR_UNFURL_URL_INVALID',
  refused: 'PARLEY_ERR_UNFURL_ADDRESS_REFUSED',
  unavailable: 'PARLEY_ERR_UNFURL_NOT_AVAILABLE',
} as const;

/** The previewer's explained failures as catalog errors naming the link; anything else stays a server error. */
async function explained<T>(work: () => T | Promise<T>): Promise<T> {
  try {
    return await work();
  } catch (error) {
    throw error instanceof OutboundError ? new ApiError(CODES[error.failure], error.message, 'url') : error;
  }
}
