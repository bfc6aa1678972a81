import type { FastifyPluginAsync, FastifyReply } from 'fastify';
import { loginSchema, passwordChangeSchema, type LoginResult } from '@parley/protocol';
import type { AgentService } from '../agents/agent-service.js';
import { CONSOLE_COOKIE, type ConsoleSessions } from '../auth/console-sessions.js';
import { LoginLimiter } from '../auth/login-limiter.js';
import type { Limiter } from '../limits/limiter.js';
import { ApiError } from '../http/api-error.js';
import { consoleAgentId } from '../http/auth-plugin.js';
import { CONSOLE_SECURITY, errorResponse, jsonSchema, ok } from '../http/openapi.js';
import { parseInput } from '../http/parse-input.js';

export interface AuthApiOptions {
  readonly agents: AgentService;
  readonly consoleSessions: ConsoleSessions;
  /** The cookie gets `Secure` when the server is reached over https. */
  readonly publicUrl: string;
  /** Where failed logins are counted (in Redis across nodes when configured). */
  readonly limiter: Limiter;
}

const tags = ['console auth'];
const errors = { 400: errorResponse, 401: errorResponse, 403: errorResponse, 429: errorResponse };

/** Console logins: an HttpOnly, SameSite=Strict cookie holding an opaque session token. */
export const authApi: FastifyPluginAsync<AuthApiOptions> = async (app, { agents, consoleSessions, publicUrl, limiter: counts }) => {
  const secure = publicUrl.startsWith('https://');
  const limiter = new LoginLimiter(counts);

  const setCookie = (reply: FastifyReply, token: string, expiresAt: Date | null): void => {
    void reply.setCookie(CONSOLE_COOKIE, token, {
      httpOnly: true,
      sameSite: 'strict',
      path: '/',
      secure,
      ...(expiresAt === null ? { maxAge: 0 } : { expires: expiresAt }),
    });
  };

  app.post('/v1/auth/login', {
    schema: {
      tags,
      summary: 'Log in to the console',
      description:
        'Answers `{ agent, expiresAt, token }` and sets the `parley_console` cookie (HttpOnly, SameSite=Strict, Path=/, Secure on https). The same 401 answers an unknown email and a wrong password. Attempts are rate-limited per address and per email (429 with Retry-After).',
      body: jsonSchema(loginSchema),
      response: { 200: ok('`{ agent, expiresAt, token }`'), ...errors },
    },
    handler: async (request, reply) => {
      const { email, password } = parseInput(loginSchema, request.body ?? {});
      const retryAfterS = await limiter.check(request.ip, email);
      if (retryAfterS > 0) {
        void reply.header('retry-after', String(retryAfterS));
        throw new ApiError('PARLEY_ERR_AUTH_RATE_LIMITED', `Too many login attempts; try again in ${retryAfterS} s.`);
      }
      const row = await agents.checkCredentials(email, password);
      if (row === undefined) {
        await limiter.failed(request.ip, email);
        throw new ApiError('PARLEY_ERR_AUTH_LOGIN_FAILED');
      }
      await limiter.succeeded(request.ip, email);
      const { token, expiresAt } = await consoleSessions.open(row.id);
      agents.touch(row.id);
      setCookie(reply, token, expiresAt);
      const result: LoginResult = { agent: await agents.get(row.id), expiresAt: expiresAt.toISOString(), token };
      return result;
    },
  });

  await app.register(async (scope) => {
    scope.addHook('onRequest', scope.requireAgent);

    scope.post('/v1/auth/logout', {
      schema: {
        tags,
        summary: 'Log out (revokes the session)',
        security: CONSOLE_SECURITY,
        response: { 204: { description: 'Logged out', type: 'null' }, ...errors },
      },
      handler: async (request, reply) => {
        const hash = request.agent?.sessionHash ?? null;
        if (hash !== null) await consoleSessions.revoke(hash);
        setCookie(reply, '', null);
        return reply.status(204).send();
      },
    });

    scope.get('/v1/auth/me', {
      schema: { tags, summary: 'The logged-in agent', security: CONSOLE_SECURITY, response: { 200: ok('`{ agent }`'), ...errors } },
      handler: async (request) => ({ agent: await agents.get(consoleAgentId(request)) }),
    });

    scope.post('/v1/auth/password', {
      schema: {
        tags,
        summary: 'Change my password',
        description: 'Every other session of the agent is logged out; this one stays.',
        security: CONSOLE_SECURITY,
        body: jsonSchema(passwordChangeSchema),
        response: { 204: { description: 'Changed', type: 'null' }, ...errors },
      },
      handler: async (request, reply) => {
        const id = consoleAgentId(request);
        const input = parseInput(passwordChangeSchema, request.body ?? {});
        await agents.changePassword(id, input.currentPassword, input.newPassword);
        await consoleSessions.revokeOthers(id, request.agent?.sessionHash ?? '');
        return reply.status(204).send();
      },
    });
  });
};
