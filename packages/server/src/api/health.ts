import type { FastifyPluginAsync } from 'fastify';
import { ApiError } from '../http/api-error.js';
import type { RouteOptions } from '../services.js';

const tags = ['operations'];

/** Liveness, readiness (storage reachable) and Prometheus metrics. */
export const healthApi: FastifyPluginAsync<RouteOptions> = async (app, { services }) => {
  app.get('/healthz', { schema: { tags, summary: 'Liveness' } }, async () => ({ status: 'ok' }));

  app.get('/readyz', { schema: { tags, summary: 'Readiness: the database answers' } }, async (request) => {
    try {
      await services.database.ping();
    } catch (error) {
      request.log.error({ err: error }, 'readiness check: database unreachable');
      throw new ApiError('PARLEY_ERR_STORAGE_UNAVAILABLE');
    }
    return { status: 'ready', storage: services.database.dialect };
  });

  app.get('/metrics', { schema: { tags, summary: 'Prometheus metrics (text format)' } }, async (_request, reply) => {
    return reply.type(app.metrics.contentType).send(await app.metrics.metrics());
  });
};
