import type { FastifyReply } from 'fastify';
import type { Message } from '@parley/protocol';

/**
 * The answer to a request that stored a message: `{ message, created }`, 201 when it is new and 200 for a resend of
 * its clientId. Only those two fields: what the engine returns with them (the owner the writer saw, for the bot
 * turn) is the server's own business, not the API's.
 */
export function sendAppended(reply: FastifyReply, result: { readonly message: Message; readonly created: boolean }): FastifyReply {
  return reply.status(result.created ? 201 : 200).send({ message: result.message, created: result.created });
}
