import type { FastifyRequest } from 'fastify';
import { sameSecret } from '../auth/api-keys.js';
import { isLoopback } from '../challenge/address-key.js';
import { ApiError } from './api-error.js';

/**
 * Who may read GET /metrics. The figures name routes, queue depths and error rates: a map for
 * whoever plans an attack, so they are not public.
 * - With PARLEY_METRICS_TOKEN: a request with `Authorization: Bearer <token>`, from anywhere.
 * - Without it: clients on this machine only (a Prometheus beside the node), and only when they
 *   came straight to the socket. A request that carries X-Forwarded-For or Forwarded came through
 *   a proxy: behind a local nginx whose address is not in PARLEY_TRUST_PROXY every visitor would
 *   otherwise look like 127.0.0.1.
 */
export function checkMetricsAccess(request: FastifyRequest, token: string | null): void {
  if (token !== null) {
    const sent = /^Bearer\s+(\S+)\s*$/i.exec(request.headers.authorization ?? '')?.[1];
    if (sent === undefined || !sameSecret(sent, token)) throw new ApiError('PARLEY_ERR_METRICS_TOKEN_INVALID');
    return;
  }
  const proxied = request.headers['x-forwarded-for'] !== undefined || request.headers.forwarded !== undefined;
  if (proxied || !isLoopback(request.ip)) throw new ApiError('PARLEY_ERR_METRICS_NOT_LOCAL');
}
