import type { Author } from '@parley/protocol';
import { hashApiKey, sameSecret } from '../auth/api-keys.js';
import type { SessionTokens } from '../auth/session-tokens.js';
import type { ConversationEngine } from '../engine/conversation-engine.js';
import { ApiError } from '../http/api-error.js';
import type { ApiKeysStore } from '../store/api-keys-store.js';
import type { WidgetService } from '../widgets/widget-service.js';

/** Who a realtime connection speaks for, and in which conversation. */
export interface Principal {
  readonly conversationId: string;
  readonly author: Author;
  /** The visitor's bot answers their sends; agents' sends start no bot turn. */
  readonly botId: string | null;
  readonly language: string;
}

export interface Credentials {
  /** From `?token=` (browsers cannot set headers on WebSocket and EventSource) or `Authorization: Bearer`. */
  readonly token: string | undefined;
  /** Agents (admin key) name the conversation they join; visitors' tokens already do. */
  readonly conversationId: string | undefined;
  readonly origin: string | undefined;
}

export interface AuthenticatorDeps {
  readonly tokens: SessionTokens;
  readonly apiKeys: ApiKeysStore;
  readonly adminKey: string | null;
  readonly widgets: WidgetService;
  readonly engine: ConversationEngine;
}

/**
 * Checks every connect and every HTTP send. A session token reaches its one conversation while its
 * widget exists and the page's Origin is allowed. An admin API key plus `conversationId` joins any
 * conversation as an agent: a stand-in until agents log in to the console.
 */
export async function authenticate(deps: AuthenticatorDeps, credentials: Credentials): Promise<Principal> {
  const token = credentials.token;
  if (token === undefined || token === '')
    throw new ApiError('PARLEY_ERR_AUTH_MISSING', 'Pass the session token as ?token= or a Bearer header.');
  if (credentials.conversationId !== undefined && (await isAdminKey(deps, token))) {
    const conversation = await deps.engine.getConversation(credentials.conversationId);
    if (conversation === undefined) throw new ApiError('PARLEY_ERR_CONVERSATION_NOT_FOUND');
    return { conversationId: conversation.id, author: { role: 'agent', id: 'admin', name: 'Agent' }, botId: null, language: 'en' };
  }
  const claims = await deps.tokens.verify(token);
  const { effective } = await deps.widgets.resolve(claims.wid);
  // Browsers always send Origin on WebSocket upgrades and cross-origin fetches; a missing one is a server or same-origin page.
  deps.widgets.assertOrigin(effective, credentials.origin, true);
  const conversation = await deps.engine.getConversation(claims.sub);
  if (conversation === undefined) throw new ApiError('PARLEY_ERR_CONVERSATION_NOT_FOUND');
  const meta: unknown = JSON.parse(conversation.meta);
  const language =
    typeof meta === 'object' && meta !== null && 'language' in meta && typeof meta.language === 'string'
      ? meta.language
      : effective.language;
  return {
    conversationId: conversation.id,
    author: { role: 'visitor', id: conversation.contact_id ?? conversation.id, name: 'Visitor' },
    botId: effective.botId,
    language,
  };
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
