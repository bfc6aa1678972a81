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
      if (!answer()(request, response)) handler(request, response);
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
