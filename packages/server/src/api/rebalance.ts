import type { FastifyPluginAsync } from 'fastify';
import { rebalanceRequestSchema, type RebalanceStarted } from '@parley/protocol';
import { ADMIN_SECURITY, errorResponse, jsonSchema, ok } from '../http/openapi.js';
import { parseInput } from '../http/parse-input.js';
import type { Rebalancer } from '../realtime/rebalancer.js';

export interface RebalanceApiOptions {
  readonly rebalancer: Rebalancer;
  /** PARLEY_REBALANCE_SPREAD_SECONDS: the spread when the request names none. */
  readonly defaultSpreadSeconds: number;
}

/**
 * Operations on this one node (not the deployment): the balancer picks which node answers, so an
 * operator calls the node's own address. See docs/deploy.md, "a node failed over: rebalancing".
 */
export const rebalanceApi: FastifyPluginAsync<RebalanceApiOptions> = async (app, { rebalancer, defaultSpreadSeconds }) => {
  app.addHook('onRequest', app.requireAdmin);

  app.post('/v1/admin/rebalance', {
    // Who shed a node's connections, and how many (detail): an operator's action is in the audit log like a change.
    config: {
      audit: {
        action: 'node.rebalanced',
        targetType: 'node',
        targetId: () => null,
        detail: (_request, answer) => ({
          connections: typeof answer === 'object' && answer !== null && 'connections' in answer ? answer.connections : null,
        }),
      },
    },
    schema: {
      tags: ['operations'],
      summary: "Shed this node's realtime connections over a spread of seconds, so clients spread over every node again",
      description:
        'Each connection open now gets `reconnect` and a 4000 close, one after another over `spreadSeconds`; clients resume ' +
        'from their last seq wherever the load balancer sends them. The node keeps serving and accepting connections. ' +
        'Sending SIGUSR2 to the process does the same with the default spread.',
      security: ADMIN_SECURITY,
      body: jsonSchema(rebalanceRequestSchema),
      response: { 202: ok('`{ object: "rebalance", connections, spreadSeconds }`'), 400: errorResponse, 401: errorResponse },
    },
    handler: async (request, reply) => {
      const { spreadSeconds = defaultSpreadSeconds } = parseInput(rebalanceRequestSchema, request.body ?? {});
      const started: RebalanceStarted = { object: 'rebalance', connections: rebalancer.start(spreadSeconds * 1000), spreadSeconds };
      return reply.status(202).send(started);
    },
  });
};
