import fp from 'fastify-plugin';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { changedFields, type AuditLog } from './audit-log.js';

/**
 * How a management route is audited: `config: { audit: { action, targetType } }` on the route. The entry is
 * written once the handler succeeded (2xx/3xx), before the answer leaves, with the actor of the request's
 * authentication. The target is the route's `:id`, else the answer's `id`; `detail` defaults to the names of
 * the fields a PATCH body sets (never their values).
 */
export interface AuditedRoute {
  readonly action: string;
  readonly targetType: string;
  /** The changed thing's id when it is neither `:id` nor the answer's `id`. */
  readonly targetId?: (request: FastifyRequest, answer: unknown) => string | null;
  /** What to keep besides who, what and which: field or settings key names, counts. Never personal data. */
  readonly detail?: (request: FastifyRequest, answer: unknown) => Record<string, unknown>;
}

declare module 'fastify' {
  interface FastifyContextConfig {
    audit?: AuditedRoute;
    /**
     * A route whose handler writes its own entries (with `AuditLog.recordFor`, in the change's transaction or with
     * counts only it knows): the actions it records. Declared so that the route table says every admin change is
     * audited (audit-coverage.test.ts).
     */
    auditsItself?: readonly string[];
  }
  interface FastifyInstance {
    /** Every route registered after the audit hook, with how it is audited: what audit-coverage.test.ts reads. */
    auditRoutes: readonly AuditRouteInfo[];
  }
}

/** One route of the table as the audit hook saw it registered. */
export interface AuditRouteInfo {
  readonly method: string;
  readonly url: string;
  /** The action the hook records for it, the actions its handler records, or nothing. */
  readonly audited: readonly string[];
}

export interface AuditHookOptions {
  readonly audit: AuditLog;
}

/** Records every successful request to a route that declares `config.audit` (registered before the routes). */
export const auditHook = fp<AuditHookOptions>(
  async (app, { audit }) => {
    const routes: AuditRouteInfo[] = [];
    app.decorate('auditRoutes', routes);
    app.addHook('onRoute', (route) => {
      const config = route.config;
      const audited = [...(config?.audit === undefined ? [] : [config.audit.action]), ...(config?.auditsItself ?? [])];
      for (const method of [route.method].flat()) routes.push({ method, url: route.url, audited });
    });
    app.addHook('onSend', async (request: FastifyRequest, reply: FastifyReply, payload: unknown) => {
      const route = request.routeOptions.config.audit;
      if (route === undefined || reply.statusCode >= 400) return payload;
      const answer = typeof payload === 'string' && payload.startsWith('{') ? safeParse(payload) : undefined;
      const params = request.params as Record<string, string> | undefined;
      const answerId = typeof answer === 'object' && answer !== null && 'id' in answer && typeof answer.id === 'string' ? answer.id : null;
      const targetId = route.targetId !== undefined ? route.targetId(request, answer) : (params?.['id'] ?? answerId);
      const detail =
        route.detail !== undefined
          ? route.detail(request, answer)
          : request.method === 'PATCH' || request.method === 'PUT'
            ? { fields: changedFields(request.body) }
            : {};
      try {
        await audit.recordFor(request, { action: route.action, targetType: route.targetType, targetId, detail });
      } catch (error) {
        // The change itself committed: answering 500 would make the caller repeat it. The failure is loud in the log.
        request.log.error({ err: error, action: route.action }, 'could not write the audit log entry of a committed change');
      }
      return payload;
    });
  },
  { name: 'parley-audit-hook', dependencies: ['parley-auth'] },
);

function safeParse(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return undefined;
  }
}
