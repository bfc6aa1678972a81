import fastifyCookie from '@fastify/cookie';
import fp from 'fastify-plugin';
import type { FastifyReply, FastifyRequest } from 'fastify';
import type { AgentRole } from '@parley/protocol';
import type { AgentService } from '../agents/agent-service.js';
import { roleOf } from '../agents/agent-service.js';
import { hashApiKey, sameSecret } from '../auth/api-keys.js';
import { CONSOLE_COOKIE, isConsoleToken, type ConsoleSessions } from '../auth/console-sessions.js';
import type { SessionTokens, VerifiedSession } from '../auth/session-tokens.js';
import type { ApiKeysStore } from '../store/api-keys-store.js';
import { ApiError } from './api-error.js';

/** Who a management or console request speaks for. An admin API key acts as the `admin` stand-in agent. */
export interface AgentPrincipal {
  readonly id: string;
  readonly name: string;
  readonly role: AgentRole;
  /** How it authenticated: the console cookie, a console token as Bearer, or an admin API key. */
  readonly via: 'cookie' | 'token' | 'key';
  /** The console session (to log it out); null for API keys. */
  readonly sessionHash: string | null;
  /** Which API key (its id; `env` for PARLEY_ADMIN_KEY) when via is `key`: the audit log names it. */
  readonly keyId?: string;
}

/** The id messages and assignments carry when an admin API key acts as an agent. */
export const API_KEY_AGENT_ID = 'admin';

declare module 'fastify' {
  interface FastifyInstance {
    /** onRequest hook for management endpoints: an admin API key, PARLEY_ADMIN_KEY, or an admin's console session. */
    requireAdmin: (request: FastifyRequest, reply: FastifyReply) => Promise<void>;
    /** onRequest hook for console endpoints: any agent's console session, or an admin API key; sets request.agent. */
    requireAgent: (request: FastifyRequest, reply: FastifyReply) => Promise<void>;
    /** onRequest hook for conversation endpoints: a visitor session token; sets request.session. */
    requireSession: (request: FastifyRequest, reply: FastifyReply) => Promise<void>;
    /** A visitor session token, or a console login (cookie or console token; sets request.agent). */
    requireSessionOrAgent: (request: FastifyRequest, reply: FastifyReply) => Promise<void>;
    /** True when the request carries a valid admin key, without failing when it does not. */
    isAdmin: (request: FastifyRequest) => Promise<boolean>;
  }
  interface FastifyRequest {
    session: VerifiedSession | null;
    agent: AgentPrincipal | null;
  }
}

export interface AuthOptions {
  readonly apiKeys: ApiKeysStore;
  readonly adminKey: string | null;
  readonly tokens: SessionTokens;
  readonly consoleSessions: ConsoleSessions;
  readonly agents: AgentService;
  /**
   * Refuses a visitor session used from a page its widget does not allow (throws
   * PARLEY_ERR_AUTH_ORIGIN_NOT_ALLOWED). The same check realtime connects make, so REST and sockets
   * share one origin policy: a disallowed Origin is refused, a missing one (a server, a same-origin
   * GET) is let through, as a browser always sends Origin on cross-origin requests.
   */
  readonly sessionOrigin: (claims: VerifiedSession, origin: string | undefined) => Promise<void>;
  /** Refuses a token whose conversation is gone (erased) or whose consent was withdrawn: stateless tokens stop working at once. */
  readonly sessionAlive?: (claims: VerifiedSession) => Promise<void>;
}

const SAFE_METHODS = new Set(['GET', 'HEAD', 'OPTIONS']);
const BEARER = /^Bearer\s+(\S+)\s*$/i;

export const authPlugin = fp<AuthOptions>(
  async (app, { apiKeys, adminKey, tokens, consoleSessions, agents, sessionOrigin, sessionAlive }) => {
    await app.register(fastifyCookie);
    app.decorateRequest('session', null);
    app.decorateRequest('agent', null);

    /** Checks an admin key; its name (what the caller signs with, e.g. a reply), 'Admin' for PARLEY_ADMIN_KEY. */
    const checkKey = async (request: FastifyRequest, key: string): Promise<{ name: string; keyId: string }> => {
      if (adminKey !== null && sameSecret(key, adminKey)) return { name: 'Admin', keyId: 'env' };
      const row = await apiKeys.findByHash(hashApiKey(key));
      if (row === undefined) throw new ApiError('PARLEY_ERR_AUTH_INVALID_KEY');
      // Best effort: a failed timestamp update must not fail the request it describes.
      apiKeys.touch(row.id).catch((error: unknown) => request.log.warn({ err: error }, 'could not record API key use'));
      return { name: row.name.trim() === '' ? 'Admin' : row.name, keyId: row.id };
    };

    const consoleAgent = async (request: FastifyRequest, token: string, via: 'cookie' | 'token'): Promise<AgentPrincipal> => {
      const login = await consoleSessions.resolve(token);
      if (login === undefined) throw new ApiError('PARLEY_ERR_AUTH_SESSION_INVALID');
      // The console's own polling says `x-parley-background`: it must not keep an idle agent from turning away.
      if (request.headers['x-parley-background'] !== '1') agents.touch(login.agent.id);
      return { id: login.agent.id, name: login.agent.name, role: roleOf(login.agent.role), via, sessionHash: login.tokenHash };
    };

    /** Bearer first (API key or console token), else the console cookie; null when neither is there. */
    const identify = async (request: FastifyRequest): Promise<AgentPrincipal | null> => {
      if (request.headers.authorization !== undefined) {
        const key = bearer(request);
        if (isConsoleToken(key)) return consoleAgent(request, key, 'token');
        const { name, keyId } = await checkKey(request, key);
        return { id: API_KEY_AGENT_ID, name, role: 'admin', via: 'key', sessionHash: null, keyId };
      }
      const cookie = request.cookies[CONSOLE_COOKIE];
      if (cookie === undefined || cookie === '') return null;
      const principal = await consoleAgent(request, cookie, 'cookie');
      // A cross-site form can send the cookie but not a JSON content type without a CORS preflight, which it does not get.
      if (!SAFE_METHODS.has(request.method) && !/^application\/json\b/i.test(request.headers['content-type'] ?? '')) {
        throw new ApiError('PARLEY_ERR_AUTH_CSRF');
      }
      return principal;
    };

    const requireAgent = async (request: FastifyRequest): Promise<void> => {
      const principal = await identify(request);
      if (principal === null) throw new ApiError('PARLEY_ERR_AUTH_MISSING');
      request.agent = principal;
    };

    app.decorate('requireAgent', requireAgent);
    app.decorate('requireAdmin', async (request: FastifyRequest) => {
      await requireAgent(request);
      if (request.agent?.role !== 'admin') throw new ApiError('PARLEY_ERR_AUTH_ADMIN_REQUIRED');
    });
    app.decorate('isAdmin', async (request: FastifyRequest) => {
      if (request.headers.authorization === undefined) return false;
      try {
        await checkKey(request, bearer(request));
        return true;
      } catch {
        // Any failure simply means "not an admin"; the caller then applies the visitor rules.
        return false;
      }
    });
    const visitorSession = async (request: FastifyRequest): Promise<void> => {
      const claims = await tokens.verify(bearer(request));
      await sessionOrigin(claims, request.headers.origin);
      await sessionAlive?.(claims);
      request.session = claims;
    };
    app.decorate('requireSession', visitorSession);
    app.decorate('requireSessionOrAgent', async (request: FastifyRequest) => {
      // Only console logins read as agents here; anything else must be the visitor's session token.
      const header = request.headers.authorization;
      const token = header === undefined ? undefined : BEARER.exec(header)?.[1];
      const consoleLogin =
        (token !== undefined && isConsoleToken(token)) || (header === undefined && request.cookies[CONSOLE_COOKIE] !== undefined);
      if (consoleLogin) {
        await requireAgent(request);
        return;
      }
      await visitorSession(request);
    });
  },
  { name: 'parley-auth' },
);

/** The agent a `requireAgent` or `requireAdmin` hook let through. */
export function agentOf(request: FastifyRequest): AgentPrincipal {
  if (request.agent === null) throw new ApiError('PARLEY_ERR_AUTH_MISSING');
  return request.agent;
}

/** The agent id of a console login; API keys have no account to show or change. */
export function consoleAgentId(request: FastifyRequest): string {
  const agent = agentOf(request);
  if (agent.via === 'key') throw new ApiError('PARLEY_ERR_AUTH_SESSION_INVALID', 'This endpoint needs a console login, not an API key.');
  return agent.id;
}

/** The visitor session behind `/v1/conversations/:id/…`: a token reaches its own conversation only. */
export function conversationSession(request: FastifyRequest<{ Params: { id: string } }>): VerifiedSession {
  const claims = request.session;
  if (claims === null || claims.sub !== request.params.id) {
    throw new ApiError('PARLEY_ERR_AUTH_FORBIDDEN', 'This session token belongs to another conversation.');
  }
  return claims;
}

function bearer(request: FastifyRequest): string {
  const header = request.headers.authorization;
  if (header === undefined || header.trim() === '') throw new ApiError('PARLEY_ERR_AUTH_MISSING');
  const match = BEARER.exec(header);
  if (match?.[1] === undefined) {
    throw new ApiError('PARLEY_ERR_AUTH_MISSING', 'The Authorization header must have the form "Bearer <key or token>".');
  }
  return match[1];
}
