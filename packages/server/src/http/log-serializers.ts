import type { FastifyRequest } from 'fastify';

/**
 * How a request appears in the log. Browsers pass realtime credentials in the URL (`?token=`: visitor
 * sessions, console logins), so the query's token is masked like the Authorization header is.
 */
export function requestSerializer(request: Pick<FastifyRequest, 'method' | 'url' | 'ip'>): Record<string, string> {
  return { method: request.method, url: request.url.replace(/([?&]token=)[^&#]*/g, '$1<hidden>'), remoteAddress: request.ip };
}
