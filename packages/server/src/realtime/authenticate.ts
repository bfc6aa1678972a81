import type { Author } from '@parley/protocol';
import { hashApiKey, sameSecret } from '../auth/api-keys.js';
import { CONSOLE_COOKIE, isConsoleToken, type ConsoleSessions } from '../auth/console-sessions.js';
import type { SessionTokens, VerifiedSession } from '../auth/session-tokens.js';
import type { ConversationEngine } from '../engine/conversation-engine.js';
import { conversationLanguage, visitorAuthor } from '../engine/conversation-visitor.js';
import { ApiError } from '../http/api-error.js';
import type { ApiKeysStore } from '../store/api-keys-store.js';
import type { ConversationRow } from '../store/conversations-store.js';
import { visitorSubject, type Blocklist } from '../blocks/index.js';
import type { WidgetService } from '../widgets/widget-service.js';

/** Who a realtime connection speaks for, and in which conversation. */
export interface Principal {
  readonly conversationId: string;
  readonly author: Author;
  /** The visitor's bot answers their sends; agents' sends start no bot turn. */
  readonly botId: string | null;
  readonly language: string;
  /** An agent's inbox stream (`?inbox=1`): events of every conversation, in no conversation itself (conversationId is ''). */
  readonly inbox?: boolean;
  /** Visitors: their widget, which volume limits count per. */
  readonly widgetId?: string;
  /** The client address of the connect (or HTTP send), as `request.ip` computes it: volume limits count per it. */
  readonly address?: string;
  /** Visitors: who an agent's visitor block names (blocks/visitorSubject), so a new block closes this link. */
  readonly visitor?: string;
  /** Visitors on a conversation link's page: the link (conversation-links/), so its revocation closes this link. */
  readonly linkId?: string;
}

export interface Credentials {
  /** From `?token=` (browsers cannot set headers on WebSocket and EventSource) or `Authorization: Bearer`. */
  readonly token: string | undefined;
  /** Agents (admin key) name the conversation they join; visitors' tokens already do. */
  readonly conversationId: string | undefined;
  readonly origin: string | undefined;
  /** The Cookie header: a console login's `parley_console` on same-origin connects. */
  readonly cookie?: string | undefined;
  /** `?inbox=1`: an agent's inbox stream instead of one conversation. */
  readonly inbox?: boolean;
  /** The client address: a blocked one is refused (visitors only). */
  readonly address?: string;
}

export interface AuthenticatorDeps {
  readonly tokens: SessionTokens;
  readonly apiKeys: ApiKeysStore;
  readonly adminKey: string | null;
  readonly widgets: WidgetService;
  readonly engine: ConversationEngine;
  /** Console logins (agents). Absent in tests of the bare protocol. */
  readonly consoleSessions?: ConsoleSessions;
  /** The console's own origin: a cookie-authenticated connect from any other page is refused (cross-site WebSocket hijacking). */
  readonly publicUrl?: string;
  readonly onAgentActivity?: (agentId: string) => void;
  /** Agents' blocks: a blocked visitor or address is refused (agents never are). */
  readonly blocks?: Blocklist;
  /**
   * Reads the token's conversation and refuses it when the visitor withdrew their consent, in one query
   * (privacy/consent.ts), as REST does; without it the conversation is read from the engine.
   */
  readonly consent?: { sessionConversation(session: VerifiedSession): Promise<ConversationRow | undefined> };
}

/**
 * Checks every connect and every HTTP send. A session token reaches its one conversation while its
 * widget exists and the page's Origin is allowed. An admin API key plus `conversationId` joins any
 * conversation as an agent: a stand-in until agents log in to the console.
 */
export async function authenticate(deps: AuthenticatorDeps, credentials: Credentials): Promise<Principal> {
  const cookie = consoleCookie(credentials.cookie);
  const token = credentials.token ?? cookie;
  if (token === undefined || token === '')
    throw new ApiError('PARLEY_ERR_AUTH_MISSING', 'Pass the session token as ?token= or a Bearer header.');
  if (isConsoleToken(token) && deps.consoleSessions !== undefined) {
    const login = await deps.consoleSessions.resolve(token);
    if (login === undefined) throw new ApiError('PARLEY_ERR_AUTH_SESSION_INVALID');
    // Only a cookie rides along by itself on a cross-site connect; an explicit token (from the login's
    // answer) cannot be known to a hijacking page, so it is not tied to the console's origin.
    if (
      credentials.token === undefined &&
      credentials.origin !== undefined &&
      deps.publicUrl !== undefined &&
      credentials.origin !== new URL(deps.publicUrl).origin
    ) {
      throw new ApiError('PARLEY_ERR_AUTH_ORIGIN_NOT_ALLOWED', `Console logins connect only from ${new URL(deps.publicUrl).origin}.`);
    }
    deps.onAgentActivity?.(login.agent.id);
    return agentPrincipal(deps, credentials, { role: 'agent', id: login.agent.id, name: login.agent.name });
  }
  if ((credentials.conversationId !== undefined || credentials.inbox === true) && (await isAdminKey(deps, token))) {
    return agentPrincipal(deps, credentials, { role: 'agent', id: 'admin', name: 'Agent' });
  }
  const claims = await deps.tokens.verify(token);
  const effective = await deps.widgets.settings(claims.wid);
  // Browsers always send Origin on WebSocket upgrades and cross-origin fetches; a missing one is a server or same-origin page.
  // A conversation link's page (conversation-links/) is this server's own origin, whatever the widget's allowlist.
  const linkPage = claims.linkId !== null && deps.publicUrl !== undefined && credentials.origin === new URL(deps.publicUrl).origin;
  if (!linkPage) deps.widgets.assertOrigin(effective, credentials.origin, true);
  const conversation = await (deps.consent?.sessionConversation(claims) ?? deps.engine.getConversation(claims.sub));
  if (conversation === undefined) throw new ApiError('PARLEY_ERR_CONVERSATION_NOT_FOUND');
  const visitor = visitorSubject(conversation);
  await deps.blocks?.assertAllowed({ widgetId: claims.wid, visitor, address: credentials.address });
  return {
    conversationId: conversation.id,
    visitor,
    author: visitorAuthor(conversation),
    botId: effective.botId,
    language: conversationLanguage(conversation, effective.language),
    widgetId: claims.wid,
    ...(claims.linkId === null ? {} : { linkId: claims.linkId }),
  };
}

/** An agent joins one conversation (`?conversationId=`) as itself, or opens its inbox stream (`?inbox=1`). */
async function agentPrincipal(deps: AuthenticatorDeps, credentials: Credentials, author: Author): Promise<Principal> {
  if (credentials.inbox === true) return { conversationId: '', author, botId: null, language: 'en', inbox: true };
  if (credentials.conversationId === undefined) {
    throw new ApiError('PARLEY_ERR_REQUEST_VALIDATION', 'Agents name the conversation to join with ?conversationId=, or ask for ?inbox=1.');
  }
  // As on REST (http/nul-check.ts): PostgreSQL cannot even compare a NUL, SQLite would answer "not found".
  if (credentials.conversationId.includes('\u0000')) {
    throw new ApiError('PARLEY_ERR_REQUEST_VALIDATION', 'conversationId must not contain NUL characters (\\u0000).');
  }
  const conversation = await deps.engine.getConversation(credentials.conversationId);
  if (conversation === undefined) throw new ApiError('PARLEY_ERR_CONVERSATION_NOT_FOUND');
  return { conversationId: conversation.id, author, botId: null, language: 'en' };
}

function consoleCookie(header: string | undefined): string | undefined {
  if (header === undefined) return undefined;
  for (const part of header.split(';')) {
    const [name, ...value] = part.trim().split('=');
    if (name === CONSOLE_COOKIE) return decodeURIComponent(value.join('='));
  }
  return undefined;
}

async function isAdminKey(deps: AuthenticatorDeps, key: string): Promise<boolean> {
  if (deps.adminKey !== null && sameSecret(key, deps.adminKey)) return true;
  return (await deps.apiKeys.findByHash(hashApiKey(key))) !== undefined;
}

/** `?token=` first (the browser case), else `Authorization: Bearer …`. */
export function tokenFrom(query: URLSearchParams, authorization: string | undefined): string | undefined {
  const fromQuery = query.get('token');
  if (fromQuery !== null) return fromQuery;
  return /^Bearer\s+(\S+)\s*$/i.exec(authorization ?? '')?.[1];
}
