import type { IncomingMessage, ServerResponse } from 'node:http';
import { performance } from 'node:perf_hooks';
import type { FastifyBaseLogger, FastifyPluginAsync } from 'fastify';
import { Histogram, type Registry } from 'prom-client';
import * as v from 'valibot';
import { languageTagSchema, sessionCreateSchema } from '@parley/protocol';
import { ChallengeRequired } from '../challenge/challenge-required.js';
import type { MemoryAnswer } from '../http/front-door.js';
import { errorResponse, idParams, jsonSchema, ok } from '../http/openapi.js';
import { parseInput } from '../http/parse-input.js';
import { refuseWhenLimited } from '../limits/refuse.js';
import { pickLanguage } from '../widgets/language-map.js';
import type { PublicConfigCache } from '../widgets/public-config-cache.js';
import type { PublicConfigEntry, RenderedConfig } from '../widgets/public-config.js';
import type { ReportRecorder } from '../reports/report-recorder.js';
import type { RouteOptions } from '../services.js';

/** `lang`: chosen by the page or the visitor; `browser`: the browser's language, used only when the widget sets none. */
const configQuerySchema = v.strictObject({ lang: v.optional(languageTagSchema), browser: v.optional(languageTagSchema) });
const tags = ['visitor'];
const CONFIG_ROUTE = '/v1/widgets/:id/config';
const CACHE_CONTROL = 'public, max-age=30, stale-while-revalidate=300';
const JSON_TYPE = 'application/json; charset=utf-8';

/**
 * The two endpoints a page calls: the public config (cacheable, visitor-safe) and session creation.
 * Both check the request's Origin against the widget's allowlist.
 */
export const widgetPublicApi: FastifyPluginAsync<RouteOptions & { readonly reports: Pick<ReportRecorder, 'widgetLoaded'> }> = async (
  app,
  { services, reports },
) => {
  const { widgets, publicConfig, sessions, limits, challenge } = services;

  app.get<{ Params: { id: string } }>(CONFIG_ROUTE, {
    schema: {
      tags,
      summary: 'Public widget configuration',
      description:
        'Visitor-safe options and every interface text in the requested language (`lang`, chosen by the page or the visitor; else the widget’s own `language` when it or its blueprint sets one; else `browser`, the browser’s language), falling back to the closest configured language. Cacheable: ETag + Cache-Control; varies by Origin. Served from memory, dropped on every node when the widget, its blueprint, its setup or its bot changes.',
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
      const query = parseInput(configQuerySchema, request.query ?? {});
      const entry = await publicConfig.load(request.params.id);
      widgets.assertOrigin(entry.settings, request.headers.origin, true);
      challenge.sawPageLoad(entry.widgetId, request.ip);
      // A page view (or its revalidation, 304): the reports' widget loads.
      reports.widgetLoaded(entry.widgetId);
      const rendered = entry.inLanguage(pickLanguage(query, entry.settings, entry.languageSet));
      // Validated and resolved: the next request with these very bytes is answered before Fastify (below).
      entry.rememberQuery(rawQuery(request.url), rendered);
      reply.header('etag', rendered.etag).header('cache-control', CACHE_CONTROL).header('vary', 'Origin');
      if (request.headers['if-none-match'] === rendered.etag) return reply.status(304).send();
      return reply.type(JSON_TYPE).send(rendered.body);
    },
  });

  app.post<{ Params: { id: string } }>('/v1/widgets/:id/sessions', {
    schema: {
      tags,
      summary: 'Create a visitor session',
      description:
        'Creates a conversation (or resumes the last open one of a verified identity), stores the contact, prepends the widget’s initial message, lets the bot answer the seeded user messages, and returns a token scoped to that one conversation. ' +
        'Above the widget’s `challenge` thresholds (new sessions from one address, or from an address that never loaded the widget’s config) it answers 428 PARLEY_ERR_CHALLENGE_REQUIRED with `error.challenge`: solve it and send the same body again with the solution as `challenge`. ' +
        'While the widget’s `privacy.consent` is on, the body must carry the `consentId` of an acceptance of its current `privacy.consentVersion` (`POST /v1/widgets/{id}/consent`) that was not withdrawn, else 403 PARLEY_ERR_CONSENT_REQUIRED and nothing is created. ' +
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
        428: errorResponse,
        429: errorResponse,
      },
    },
    handler: async (request, reply) => {
      const input = parseInput(sessionCreateSchema, request.body ?? {});
      const trustedCaller = request.headers.origin === undefined && (await app.isAdmin(request));
      // A site's own server (admin key) may open sessions for all its visitors from one address.
      if (!trustedCaller) {
        const who = { address: request.ip, widgetId: request.params.id };
        refuseWhenLimited(reply, await limits.session(who), 'new sessions');
        // Above the widget's thresholds a new session must bring a solved proof-of-work challenge (428 with one if not).
        const entry = await publicConfig.load(request.params.id);
        widgets.assertOrigin(entry.settings, request.headers.origin, true);
        await challenge
          .admit({ widgetId: entry.widgetId, settings: entry.settings.challenge, address: request.ip, solution: input.challenge })
          .catch(async (error: unknown) => {
            // Asked to solve one first: the ask opened nothing, so only the retry with the solution counts.
            if (error instanceof ChallengeRequired) await limits.sessionNotOpened(who);
            throw error;
          });
      }
      const created = await sessions.create({
        widgetId: request.params.id,
        input,
        origin: request.headers.origin,
        trustedCaller,
        address: request.ip,
      });
      return reply.status(201).header('cache-control', 'no-store').send(created);
    },
  });
};

function rawQuery(url: string): string {
  const question = url.indexOf('?');
  return question < 0 ? '' : url.slice(question + 1);
}

const CONFIG_PREFIX = '/v1/widgets/';
const CONFIG_SUFFIX = '/config';
const ID_PATTERN = /^[\w-]+$/;
/** The levels at which Fastify logs each request. */
const LOGS_REQUESTS: ReadonlySet<string> = new Set(['info', 'debug', 'trace']);

export interface ConfigFastPathOptions {
  readonly cache: PublicConfigCache;
  readonly log: FastifyBaseLogger;
  /** The registry of the metrics plugin: answers from memory are counted in the same request histogram. */
  readonly metrics: Registry;
  /** Told of every config answered from memory, as the route tells the challenge gate and the reports of the page load. */
  readonly served: (widgetId: string, request: IncomingMessage) => void;
}

/**
 * `GET /v1/widgets/:id/config` answered before Fastify, for what the route above has answered before: a
 * widget whose entry this node holds, a query string the route validated for that entry, an allowed
 * Origin. The bytes, ETag and headers are the route's own (a test compares both paths); Fastify's share
 * of this endpoint's cost — routing, request and reply objects, hooks — was most of it. Everything else
 * (a miss, an expired entry, a new query, a refused Origin, HEAD, errors) is declined and goes through
 * Fastify. The CORS header is the one @fastify/cors sends on the visitor paths: the Origin reflected.
 *
 * What is left is per-request work only: a URL seen before is one map lookup (its widget entry must still
 * be the cache's current one), the two request headers it needs are read off the raw header list (node
 * builds `request.headers` on first use, which cost more than the rest of the answer), the response
 * headers are made once per rendering, and the Origin check is remembered per entry.
 */
export function publicConfigFastPath({ cache, log, metrics, served }: ConfigFastPathOptions): MemoryAnswer {
  const histogram = metrics.getSingleMetric('parley_http_request_duration_seconds');
  const timer = (status: string) =>
    histogram instanceof Histogram ? histogram.labels({ method: 'GET', route: CONFIG_ROUTE, status }) : undefined;
  const timers = { 200: timer('200'), 304: timer('304') };
  const known = new Map<string, HeldAnswer>();
  return (request, response) => {
    const started = performance.now();
    if (request.method !== 'GET') return false;
    const headers = visitorHeaders(request.rawHeaders);
    if (headers === undefined) return false;
    const held = heldAnswer(cache, known, request.url, headers.origin);
    if (held === undefined) return false;
    served(held.entry.widgetId, request);
    const status = headers.ifNoneMatch === held.rendered.etag ? 304 : 200;
    const head = status === 200 ? held.head200 : held.head304;
    response.writeHead(status, headers.origin === undefined ? head : [...head, 'access-control-allow-origin', headers.origin]);
    response.end(status === 200 ? held.rendered.body : undefined);
    const seconds = (performance.now() - started) / 1000;
    timers[status]?.observe(seconds);
    if (LOGS_REQUESTS.has(log.level)) logAnswer(log, request, response, seconds);
    return true;
  };
}

/** One URL's answer: the entry it came from (still current?), its rendering and its headers as writeHead takes them. */
interface HeldAnswer {
  readonly entry: PublicConfigEntry;
  readonly rendered: RenderedConfig;
  readonly head200: string[];
  readonly head304: string[];
}

/** URLs remembered by the fast path; past this they are forgotten at once (a new version re-learns its few). */
const MAX_KNOWN_URLS = 10_000;

function heldAnswer(
  cache: PublicConfigCache,
  known: Map<string, HeldAnswer>,
  url: string | undefined,
  origin: string | undefined,
): HeldAnswer | undefined {
  if (url === undefined) return undefined;
  let held = known.get(url);
  // The entry is dropped (a change, the TTL) or replaced by a newer one: learn the URL again from the new entry.
  if (held !== undefined && cache.peek(held.entry.widgetId) !== held.entry) held = undefined;
  if (held === undefined) {
    held = learn(cache, url);
    if (held === undefined) return undefined;
    if (known.size >= MAX_KNOWN_URLS) known.clear();
    known.set(url, held);
  }
  return held.entry.allowsOrigin(origin) ? held : undefined;
}

function learn(cache: PublicConfigCache, url: string): HeldAnswer | undefined {
  if (!url.startsWith(CONFIG_PREFIX)) return undefined;
  const question = url.indexOf('?');
  const path = question < 0 ? url : url.slice(0, question);
  if (!path.endsWith(CONFIG_SUFFIX)) return undefined;
  const id = path.slice(CONFIG_PREFIX.length, path.length - CONFIG_SUFFIX.length);
  // Only a plain id: anything Fastify would decode or route differently is left to Fastify.
  if (!ID_PATTERN.test(id)) return undefined;
  const entry = cache.peek(id);
  const rendered = entry?.forQuery(rawQuery(url));
  if (entry === undefined || rendered === undefined) return undefined;
  const shared = ['cache-control', CACHE_CONTROL, 'vary', 'Origin'];
  return {
    entry,
    rendered,
    head200: ['content-type', JSON_TYPE, 'content-length', String(rendered.body.length), 'etag', rendered.etag, ...shared],
    head304: ['etag', rendered.etag, ...shared],
  };
}

/**
 * Origin and If-None-Match off the raw header list, or undefined when either is sent twice: node would join
 * the two values, and such a request is left to Fastify, which sees what node made of them.
 */
function visitorHeaders(raw: readonly string[]): { origin: string | undefined; ifNoneMatch: string | undefined } | undefined {
  let origin: string | undefined;
  let ifNoneMatch: string | undefined;
  for (let index = 0; index < raw.length; index += 2) {
    const name = raw[index] ?? '';
    if (name.length === 6 && name.toLowerCase() === 'origin') {
      if (origin !== undefined) return undefined;
      origin = raw[index + 1] ?? '';
    } else if (name.length === 13 && name.toLowerCase() === 'if-none-match') {
      if (ifNoneMatch !== undefined) return undefined;
      ifNoneMatch = raw[index + 1] ?? '';
    }
  }
  return { origin, ifNoneMatch };
}

/** The line Fastify's request logging would have written for this request. */
function logAnswer(log: FastifyBaseLogger, request: IncomingMessage, response: ServerResponse, seconds: number): void {
  log.info(
    {
      req: { method: request.method, url: request.url, remoteAddress: request.socket.remoteAddress },
      res: { statusCode: response.statusCode },
      responseTime: seconds * 1000,
    },
    'request completed',
  );
}
