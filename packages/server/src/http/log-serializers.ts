import type { FastifyRequest } from 'fastify';
import { truncate } from '../privacy/visitor-address.js';

/**
 * How a request appears in the log. Browsers pass realtime credentials in the URL (`?token=`: visitor
 * sessions, console logins), so the query's token is masked like the Authorization header is. The client
 * address is cut to its network (/24 or /48): logs are kept, and a whole address is personal data.
 */
export function requestSerializer(request: Pick<FastifyRequest, 'method' | 'url' | 'ip'>): Record<string, string> {
  return {
    method: request.method,
    url: request.url.replace(/([?&]token=)[^&#]*/g, '$1<hidden>'),
    // Never a whole visitor address (issue 18): its /24 (IPv4) or /48 (IPv6) is enough to read a log by.
    remoteAddress: truncate(request.ip),
  };
}
