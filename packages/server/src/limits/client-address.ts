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
  const trusted = option === false ? () => false : typeof option === 'function' ? option : proxyAddr.compile(option);
  return (request) => proxyAddr(request, trusted);
}
