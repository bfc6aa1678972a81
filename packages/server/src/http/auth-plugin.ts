import fp from 'fastify-plugin';
import type { FastifyReply, FastifyRequest } from 'fastify';
import type { SessionClaims } from '@parley/protocol';
import { hashApiKey, sameSecret } from '../auth/api-keys.js';
import type { SessionTokens } from '../auth/session-tokens.js';
import type { ApiKeysStore } from '../store/api-keys-store.js';
import { ApiError } from './api-error.js';

declare module 'fastify' {
  interface FastifyInstance {
    /** onRequest hook for management endpoints: an admin API key (or PARLEY_ADMIN_KEY). */
    requireAdmin: (request: FastifyRequest, reply: FastifyReply) => Promise<void>;
    /** onRequest hook for conversation endpoints: a visitor session token; sets request.session. */
    requireSession: (request: FastifyRequest, reply: FastifyReply) => Promise<void>;
    /** True when the request carries a valid admin key, without failing when it does not. */
    isAdmin: (request: FastifyRequest) => Promise<boolean>;
  }
  interface FastifyRequest {
    session: SessionClaims | null;
  }
}

export interface AuthOptions {
  readonly apiKeys: ApiKeysStore;
  readonly adminKey: string | null;
  readonly tokens: SessionTokens;
}

export const authPlugin = fp<AuthOptions>(
  async (app, { apiKeys, adminKey, tokens }) => {
    app.decorateRequest('session', null);

    const checkAdmin = async (request: FastifyRequest): Promise<void> => {
      const key = bearer(request);
      if (adminKey !== null && sameSecret(key, adminKey)) return;
      const row = await apiKeys.findByHash(hashApiKey(key));
      if (row === undefined) throw new ApiError('PARLEY_ERR_AUTH_INVALID_KEY');
      // Best effort: a failed timestamp update must not fail the request it describes.
      apiKeys.touch(row.id).catch((error: unknown) => request.log.warn({ err: error }, 'could not record API key use'));
    };

    app.decorate('requireAdmin', checkAdmin);
    app.decorate('isAdmin', async (request: FastifyRequest) => {
      if (request.headers.authorization === undefined) return false;
      try {
        await checkAdmin(request);
        return true;
      } catch {
        // Any failure simply means "not an admin"; the caller then applies the visitor rules.
        return false;
      }
    });
    app.decorate('requireSession', async (request: FastifyRequest) => {
      request.session = await tokens.verify(bearer(request));
    });
  },
  { name: 'parley-auth' },
);

function bearer(request: FastifyRequest): string {
  const header = request.headers.authorization;
  if (header === undefined || header.trim() === '') throw new ApiError('PARLEY_ERR_AUTH_MISSING');
  const match = /^Bearer\s+(\S+)\s*$/i.exec(header);
  if (match?.[1] === undefined) {
    throw new ApiError('PARLEY_ERR_AUTH_MISSING', 'The Authorization header must have the form "Bearer <key or token>".');
  }
  return match[1];
}
