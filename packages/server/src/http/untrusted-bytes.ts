import type { FastifyReply } from 'fastify';

/**
 * Headers for bytes someone else chose (visitors' uploads, proxied preview pictures): the browser never
 * sniffs them into another type nor runs them as a document, and any site embedding a widget may show them.
 */
export function servesUntrustedBytes(reply: FastifyReply): FastifyReply {
  return reply
    .header('x-content-type-options', 'nosniff')
    .header('content-security-policy', "default-src 'none'; sandbox")
    .header('cross-origin-resource-policy', 'cross-origin');
}
