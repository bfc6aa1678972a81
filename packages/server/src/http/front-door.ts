import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { FastifyServerFactory } from 'fastify';

/** Answers a request entirely and returns true, or touches nothing and returns false. */
export type MemoryAnswer = (request: IncomingMessage, response: ServerResponse) => boolean;

/**
 * A Fastify `serverFactory` whose server offers each request to `answer` before Fastify. It is for the one
 * endpoint whose whole cost would otherwise be Fastify's own (routing, request/reply objects, hooks): the
 * public widget config, answered from memory on every page view (see api/widget-public.ts). Whatever
 * `answer` declines — anything it does not hold in memory, every error — goes through Fastify as usual.
 * The server gets the timeouts Fastify itself would have given it.
 */
export function frontDoor(answer: () => MemoryAnswer): FastifyServerFactory<Server> {
  return (handler, options) => {
    const server = createServer((request, response) => {
      if (!answeredFromMemory(answer(), request, response)) handler(request, response);
    });
    if (typeof options['keepAliveTimeout'] === 'number') server.keepAliveTimeout = options['keepAliveTimeout'];
    if (typeof options['requestTimeout'] === 'number') server.requestTimeout = options['requestTimeout'];
    if (typeof options['connectionTimeout'] === 'number') server.setTimeout(options['connectionTimeout']);
    if (typeof options['maxRequestsPerSocket'] === 'number' && options['maxRequestsPerSocket'] > 0) {
      server.maxRequestsPerSocket = options['maxRequestsPerSocket'];
    }
    return server;
  };
}

/**
 * A throw here would be an uncaught exception in the server's request event (Fastify catches its own
 * handlers' errors; nothing catches this): before anything was written the request goes to Fastify,
 * which answers the error its way; after, the half-written response cannot be finished and is cut.
 */
function answeredFromMemory(answer: MemoryAnswer, request: IncomingMessage, response: ServerResponse): boolean {
  try {
    return answer(request, response);
  } catch {
    if (!response.headersSent) return false;
    response.destroy();
    return true;
  }
}
