import type { FastifyPluginAsync, FastifyReply, FastifyRequest } from 'fastify';
import * as v from 'valibot';
import type { ErrorCode } from '@parley/protocol';
import type { AuditLog } from '../audit/index.js';
import type { SessionTokens } from '../auth/session-tokens.js';
import { visitorSubject, type Blocklist } from '../blocks/index.js';
import { LINK_MAX_TTL_S, type ConversationLinks, type LinkMaker } from '../conversation-links/index.js';
import type { ConversationEngine } from '../engine/conversation-engine.js';
import { ApiError } from '../http/api-error.js';
import { agentOf, conversationSession } from '../http/auth-plugin.js';
import { AGENT_SECURITY, errorResponse, idParams, jsonSchema, ok, SESSION_SECURITY } from '../http/openapi.js';
import { parseInput } from '../http/parse-input.js';
import type { Db } from '../store/database.js';
import type { WidgetService } from '../widgets/widget-service.js';
import { escapeHtml, scriptJson } from '../http/html-text.js';

export interface ConversationLinksApiOptions {
  readonly db: Db;
  readonly links: ConversationLinks;
  readonly engine: ConversationEngine;
  readonly widgets: WidgetService;
  readonly blocks: Blocklist;
  readonly tokens: SessionTokens;
  readonly audit: AuditLog;
}

const linkInputSchema = v.strictObject({
  ttlSeconds: v.optional(
    v.pipe(
      v.number('must be a number of seconds'),
      v.integer('must be a whole number'),
      v.minValue(60, 'must be at least 60 (a minute)'),
      v.maxValue(LINK_MAX_TTL_S, `must be at most ${LINK_MAX_TTL_S} (30 days)`),
    ),
  ),
});
const linkParams = {
  type: 'object',
  required: ['id', 'linkId'],
  properties: { id: { type: 'string' }, linkId: { type: 'string' } },
} as const;

type IdRequest = FastifyRequest<{ Params: { id: string } }>;

/**
 * Conversation links (docs/async-mode.md): the visitor (the widget menu) or an agent makes a signed, expiring,
 * revocable link; anyone holding it opens the conversation full page on any device (`GET /c/{linkId}?s=…`), where
 * the widget runs in its fullscreen layout with a session minted for that conversation. Revoked or expired: a page
 * that says so (410), changed or not signed here: 403, and sessions minted from the link are refused from then on.
 */
export const conversationLinksApi: FastifyPluginAsync<ConversationLinksApiOptions> = async (
  app,
  { db, links, engine, widgets, blocks, tokens, audit },
) => {
  const conversationOf = async (id: string) => {
    const conversation = await engine.getConversation(id);
    if (conversation === undefined) throw new ApiError('PARLEY_ERR_CONVERSATION_NOT_FOUND', `No conversation has the id ${id}.`);
    return conversation;
  };

  app.post<{ Params: { id: string } }>('/v1/conversations/:id/links', {
    onRequest: app.requireSessionOrAgent,
    config: { auditsItself: ['conversation.link_created'] },
    schema: {
      tags: ['conversation links'],
      summary: 'Make a link to the conversation',
      description:
        'A signed link that opens the conversation full page on any device, valid for `ttlSeconds` (default 7 days, at most 30). With the visitor’s session token (the widget’s “Get a link to this conversation”) or as an agent (audited). Answers the link: `{ id, url, expiresAt, … }`. Anyone holding the link can read and write in the conversation until it expires or is revoked (`DELETE /v1/conversations/{id}/links/{linkId}`).',
      security: [...SESSION_SECURITY, ...AGENT_SECURITY],
      params: idParams,
      body: jsonSchema(linkInputSchema),
      response: {
        201: ok('The link: `{ object: "conversation_link", id, url, expiresAt, … }`'),
        400: errorResponse,
        401: errorResponse,
        403: errorResponse,
        404: errorResponse,
      },
    },
    handler: async (request: IdRequest, reply) => {
      const input = parseInput(linkInputSchema, request.body ?? {});
      let maker: LinkMaker;
      if (request.session !== null) {
        const claims = conversationSession(request);
        const conversation = await conversationOf(claims.sub);
        await blocks.assertAllowed({ widgetId: claims.wid, visitor: visitorSubject(conversation), address: request.ip });
        maker = { createdBy: 'visitor' };
      } else {
        await conversationOf(request.params.id);
        maker = { createdBy: 'agent', agentId: agentOf(request).id };
      }
      const link = await links.create(request.params.id, maker, input.ttlSeconds);
      if (maker.createdBy === 'agent') {
        await audit.recordFor(request, {
          action: 'conversation.link_created',
          targetType: 'conversation',
          targetId: request.params.id,
          detail: { linkId: link.id, expiresAt: link.expiresAt },
        });
      }
      return reply.status(201).send(link);
    },
  });

  app.get<{ Params: { id: string } }>('/v1/conversations/:id/links', {
    onRequest: app.requireAgent,
    schema: {
      tags: ['conversation links'],
      summary: 'List the conversation’s links',
      description: 'Every link made to the conversation, newest first, revoked and expired ones included: `{ items }`.',
      security: AGENT_SECURITY,
      params: idParams,
      response: { 200: ok('`{ items }`'), 401: errorResponse, 404: errorResponse },
    },
    handler: async (request) => {
      await conversationOf(request.params.id);
      return { items: await links.list(request.params.id) };
    },
  });

  app.delete<{ Params: { id: string; linkId: string } }>('/v1/conversations/:id/links/:linkId', {
    onRequest: app.requireAgent,
    config: {
      audit: {
        action: 'conversation.link_revoked',
        targetType: 'conversation',
        detail: (request) => ({ linkId: (request.params as { linkId: string }).linkId }),
      },
    },
    schema: {
      tags: ['conversation links'],
      summary: 'Revoke a link',
      description:
        'The link stops opening the conversation at once, and sessions opened from it are refused from their next request or connection. Revoking a revoked link changes nothing. Answers the link with `revokedAt`. Audited.',
      security: AGENT_SECURITY,
      params: linkParams,
      response: { 200: ok('The link, `revokedAt` set'), 401: errorResponse, 404: errorResponse },
    },
    handler: async (request) => {
      const link = await links.revoke(request.params.id, request.params.linkId);
      if (link === undefined) {
        throw new ApiError('PARLEY_ERR_ROUTE_NOT_FOUND', `The conversation ${request.params.id} has no link ${request.params.linkId}.`);
      }
      return link;
    },
  });

  app.get<{ Params: { linkId: string }; Querystring: Record<string, unknown> }>('/c/:linkId', {
    schema: { hide: true },
    handler: async (request, reply) => {
      const checked = await links.check(request.params.linkId, request.query['s']);
      if (checked.verdict === 'invalid') {
        return page(
          reply,
          403,
          'Link not valid',
          'This link was not made by this server, or it was changed.',
          'PARLEY_ERR_CONVERSATION_LINK_INVALID',
        );
      }
      if (checked.verdict === 'revoked') {
        return page(
          reply,
          410,
          'Link revoked',
          'This link to a conversation was revoked. Ask for a new one.',
          'PARLEY_ERR_CONVERSATION_LINK_REVOKED',
        );
      }
      if (checked.verdict !== 'ok') {
        return page(
          reply,
          410,
          'Link expired',
          'This link to a conversation has expired. Ask for a new one.',
          'PARLEY_ERR_CONVERSATION_LINK_EXPIRED',
        );
      }
      const { link } = checked;
      const conversation = await engine.getConversation(link.conversationId);
      const resolved = conversation === undefined ? undefined : await widgets.resolve(conversation.widget_id).catch(() => undefined);
      if (conversation === undefined || resolved === undefined) {
        return page(reply, 410, 'Conversation gone', 'This conversation no longer exists.', 'PARLEY_ERR_CONVERSATION_NOT_FOUND');
      }
      const widgetId = conversation.widget_id;
      try {
        await blocks.assertAllowed({ widgetId, visitor: visitorSubject(conversation), address: request.ip });
      } catch (error) {
        if (error instanceof ApiError) return page(reply, 403, 'Chat not available', error.message, error.code);
        throw error;
      }
      // A widget that asks for consent: the session rides on the conversation's standing acceptance; none (withdrawn,
      // or never given) opens nothing, so a link cannot bring back a conversation whose visitor said no.
      let consent: { readonly id: string; readonly version: string } | null = null;
      if (resolved.effective.privacy.consent) {
        const acceptance = await db
          .selectFrom('consent_records')
          .select(['id', 'version'])
          .where('conversation_id', '=', conversation.id)
          .where('withdrawn_at', 'is', null)
          .orderBy('accepted_at', 'desc')
          .executeTakeFirst();
        if (acceptance === undefined) {
          return page(
            reply,
            403,
            'Chat not available',
            'The visitor’s consent to this conversation was withdrawn.',
            'PARLEY_ERR_AUTH_TOKEN_INVALID',
          );
        }
        consent = acceptance;
      }
      // The session lasts the widget's session duration, never past the link.
      const expiresAt = new Date(Math.min(Date.now() + resolved.effective.sessionDuration, Date.parse(link.expiresAt)));
      const token = await tokens.issue({ sub: conversation.id, wid: widgetId, cid: null }, expiresAt, consent?.id ?? null, link.id);
      // The visitor's acceptance of the widget's current consent text comes along, so the gate does not ask again; one of
      // an older version does not (the gate asks, as it would on the visitor's own device).
      const accepted = consent !== null && consent.version === resolved.effective.privacy.consentVersion ? consent : null;
      const boot: Boot = {
        widgetId,
        storageKey: `link:${link.id}`,
        session: { token, conversationId: conversation.id, expiresAt: expiresAt.toISOString() },
        ...(accepted === null ? {} : { consent: accepted }),
      };
      return page(reply, 200, resolved.effective.title || 'Conversation', undefined, undefined, boot);
    },
  });

  app.get('/conversation-link.js', { schema: { hide: true } }, async (_request, reply) =>
    reply.type('text/javascript; charset=utf-8').header('cache-control', 'no-cache').send(LINK_SCRIPT),
  );
};

interface Boot {
  readonly widgetId: string;
  readonly storageKey: string;
  readonly session: { readonly token: string; readonly conversationId: string; readonly expiresAt: string };
  /** The visitor's standing acceptance of the widget's consent text (privacy.consent), when there is one. */
  readonly consent?: { readonly id: string; readonly version: string };
}

/** The link's page: the widget, full page, or a short page that says why not (its code also in `X-Parley-Error`). */
function page(reply: FastifyReply, status: number, title: string, text: string | undefined, code?: ErrorCode, boot?: Boot): FastifyReply {
  if (code !== undefined) reply.header('x-parley-error', code);
  const body =
    boot === undefined
      ? `<main><h1>${escapeHtml(title)}</h1><p>${escapeHtml(text ?? '')}</p>${code === undefined ? '' : `<p><small>${code}</small></p>`}</main>`
      : `<script type="application/json" id="parley-link">${scriptJson(boot)}</script>\n<script src="/conversation-link.js"></script>`;
  return reply
    .status(status)
    .type('text/html; charset=utf-8')
    .header('cache-control', 'no-store')
    .header('referrer-policy', 'no-referrer')
    .header('x-robots-tag', 'noindex')
    .header(
      'content-security-policy',
      "default-src 'none'; script-src 'self'; connect-src 'self'; style-src 'self' 'unsafe-inline'; img-src 'self' https: data: blob:; media-src 'self' blob:; base-uri 'none'; form-action 'none'; frame-ancestors 'none'",
    ).send(`<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="robots" content="noindex">
<title>${escapeHtml(title)}</title>
<style>
:root { color-scheme: light dark; font-family: system-ui, sans-serif; }
body { margin: 0; min-height: 100vh; }
main { max-width: 36rem; margin: 15vh auto 0; padding: 0 20px; line-height: 1.5; }
h1 { font-size: 1.4rem; }
</style>
</head>
<body>
${body}
</body>
</html>`);
}

/**
 * Puts the minted session where the widget keeps its state (`parley:v1:<storageKey>`, a key of this link's own, so a
 * conversation this browser already has on this server is left alone), then loads the widget full page on it.
 */
const LINK_SCRIPT = `(function () {
  var data = document.getElementById('parley-link');
  if (!data) return;
  var boot = JSON.parse(data.textContent);
  var key = 'parley:v1:' + boot.storageKey;
  try {
    var stored = JSON.parse(localStorage.getItem(key) || 'null');
    var same = stored && stored.session && stored.session.conversationId === boot.session.conversationId;
    var next = same ? stored : {};
    next.session = boot.session;
    next.open = true;
    if (boot.consent) {
      next.consent = boot.consent.version;
      next.consentId = boot.consent.id;
    }
    localStorage.setItem(key, JSON.stringify(next));
  } catch (e) {
    // Storage blocked: the widget cannot be handed the session; say so rather than open an empty chat.
    document.body.textContent = 'This page needs site storage to open the conversation.';
    return;
  }
  var script = document.createElement('script');
  script.src = '/widget.js';
  script.setAttribute('data-parley-widget', boot.widgetId);
  script.setAttribute('data-layout', 'fullscreen');
  script.setAttribute('data-storage-key', boot.storageKey);
  document.body.appendChild(script);
})();
`;
