import type { FastifyPluginAsync } from 'fastify';
import { ApiError } from '../http/api-error.js';
import { checkMetricsAccess } from '../http/metrics-access.js';
import type { RouteOptions } from '../services.js';

const tags = ['operations'];

/** Liveness, readiness (storage reachable) and Prometheus metrics. */
export const healthApi: FastifyPluginAsync<RouteOptions & { readonly metricsToken: string | null }> = async (
  app,
  { services, metricsToken },
) => {
  app.get('/healthz', { schema: { tags, summary: 'Liveness' } }, async () => ({ status: 'ok' }));

  app.get('/readyz', { schema: { tags, summary: 'Readiness: the database answers and takes writes' } }, async (request) => {
    const { database } = services;
    try {
      // After a failed write, only a real write shows the storage is back: a load balancer that saw 503
      // sends no traffic, so nothing else would ever succeed and turn this node ready again.
      if (database.writeHealth.state.kind === 'failing') await database.probeWrite();
      else await database.ping();
    } catch (error) {
      // database.writeHealth logged the incident once when it began; a load balancer polls this every few seconds.
      request.log.debug({ err: error }, 'readiness check: storage unavailable');
      const { state } = database.writeHealth;
      throw new ApiError(
        'PARLEY_ERR_STORAGE_UNAVAILABLE',
        state.kind === 'failing' ? `The storage takes no writes (${state.reason}); the server log names the cause.` : undefined,
      );
    }
    return { status: 'ready', storage: database.dialect };
  });

  const metricsSummary = 'Prometheus metrics (text format): with PARLEY_METRICS_TOKEN as Bearer token, else to local clients only';
  app.get('/metrics', { schema: { tags, summary: metricsSummary } }, async (request, reply) => {
    checkMetricsAccess(request, metricsToken);
    return reply.type(app.metrics.contentType).send(await app.metrics.metrics());
  });
};
