import type { IncomingMessage } from 'node:http';
import proxyAddr from '@fastify/proxy-addr';
import { fastifyTrustProxy, type TrustProxy } from '../http/trust-proxy.js';

/**
 * The client address of a raw request as Fastify's `request.ip` computes it (the same proxy-addr, the
 * same PARLEY_TRUST_PROXY rule), for the WebSocket upgrade, which never becomes a Fastify request: a
 * socket's volume limits and blocks are then keyed exactly like REST's.
 */
export function clientAddressOf(trust: TrustProxy): (request: IncomingMessage) => string {
  const option = fastifyTrustProxy(trust);
  // No proxy trusted: the socket's peer, as Fastify's request.ip is then. proxy-addr would come to the same address
  // after parsing X-Forwarded-For, which also builds the request's header object — on the config fast path that
  // was a fair share of the work per request.
  if (option === false) return (request) => request.socket.remoteAddress ?? '';
  const trusted = typeof option === 'function' ? option : proxyAddr.compile(option);
  return (request) => proxyAddr(request, trusted);
}
