import type { FastifyPluginAsync, FastifyRequest } from 'fastify';
import { blockDetail, liftedCount } from '../audit/index.js';
import { blockCreateSchema, type InboxActivityKind, type VisitorBlock } from '@parley/protocol';
import type { Blocklist } from '../blocks/index.js';
import type { ConversationEngine } from '../engine/conversation-engine.js';
import { ApiError } from '../http/api-error.js';
import { agentOf } from '../http/auth-plugin.js';
import { parseListQuery } from '../http/list-query.js';
import { AGENT_SECURITY, errorResponse, idParams, jsonSchema, ok } from '../http/openapi.js';
import { parseInput } from '../http/parse-input.js';
import { conversationActivityStore } from '../store/conversation-activity-store.js';
import type { Db } from '../store/database.js';
import { checkCursor } from '../store/pagination.js';

export interface BlocksApiOptions {
  readonly blocks: Blocklist;
  readonly engine: ConversationEngine;
  readonly db: Db;
}

const tags = ['inbox'];
const errors = { 400: errorResponse, 401: errorResponse, 403: errorResponse, 404: errorResponse };
type IdRequest = FastifyRequest<{ Params: { id: string } }>;

/**
 * Agents block a conversation's visitor, or the address they write from (Intercom's and Chatwoot's
 * "Block contact"): the visitor's paths answer 403 PARLEY_ERR_VISITOR_BLOCKED and their open sockets
 * close on every node. Any agent blocks and unblocks from a conversation; the list of every block is
 * for admins.
 */
export const blocksApi: FastifyPluginAsync<BlocksApiOptions> = async (app, { blocks, engine, db }) => {
  const conversationOf = async (request: IdRequest) => {
    const conversation = await engine.getConversation(request.params.id);
    if (conversation === undefined)
      throw new ApiError('PARLEY_ERR_CONVERSATION_NOT_FOUND', `No conversation has the id ${request.params.id}.`);
    return conversation;
  };
  /** The timeline line, for the conversation the block was made from (when it still exists). */
  const record = async (request: FastifyRequest, kind: InboxActivityKind, block: VisitorBlock): Promise<void> => {
    if (block.conversationId === null || (await engine.getConversation(block.conversationId)) === undefined) return;
    const { id, name } = agentOf(request);
    await conversationActivityStore.add(db, block.conversationId, kind, {
      actor: { id, name },
      agent: null,
      previousAgent: null,
      team: null,
      until: kind === 'blocked' ? block.expiresAt : null,
      scope: block.scope,
    });
  };

  app.post<{ Params: { id: string } }>('/v1/inbox/:id/block', {
    config: { audit: { action: 'block.created', targetType: 'conversation', detail: (_request, answer) => blockDetail(answer) } },
    onRequest: app.requireAgent,
    schema: {
      tags,
      summary: 'Block the visitor of a conversation, or their address',
      description:
        '`scope` visitor: their verified identity on this widget (every session, now and later), or this conversation when they are anonymous; `scope` address: the address their session came from (IPv4 as itself, IPv6 by its /64), on this widget or with `everyWidget` on all. `duration` 1d | 7d | 30d | permanent (until lifted); `reason` is for agents only. The visitor’s requests then answer 403 PARLEY_ERR_VISITOR_BLOCKED and their open connections close on every node. A line “blocked” goes to the conversation’s activity. Answers the block.',
      security: AGENT_SECURITY,
      params: idParams,
      body: jsonSchema(blockCreateSchema),
      response: {
        201: ok('The block: `{ id, scope, widgetId, subject, conversationId, createdBy, createdAt, expiresAt, reason }`'),
        ...errors,
      },
    },
    handler: async (request, reply) => {
      const input = parseInput(blockCreateSchema, request.body ?? {});
      const conversation = await conversationOf(request);
      const { id, name } = agentOf(request);
      const block = await blocks.block(conversation, input, { id, name });
      await record(request, 'blocked', block);
      return reply.status(201).send(block);
    },
  });

  app.get<{ Params: { id: string } }>('/v1/inbox/:id/blocks', {
    onRequest: app.requireAgent,
    schema: {
      tags,
      summary: 'Blocks that refuse this conversation’s visitor',
      description: 'The blocks in force now on this conversation’s visitor or on the address their session came from: `{ items }`.',
      security: AGENT_SECURITY,
      params: idParams,
      response: { 200: ok('`{ items }`'), ...errors },
    },
    handler: async (request) => ({ items: await blocks.affecting(await conversationOf(request)) }),
  });

  app.delete<{ Params: { id: string } }>('/v1/inbox/:id/block', {
    config: {
      audit: { action: 'block.lifted', targetType: 'conversation', detail: (_request, answer) => ({ lifted: liftedCount(answer) }) },
    },
    onRequest: app.requireAgent,
    schema: {
      tags,
      summary: 'Unblock the visitor of a conversation',
      description:
        'Lifts every block that refuses this conversation’s visitor (on them or on their address), and writes an “unblocked” line to its activity. Answers `{ lifted }`: the blocks that were lifted.',
      security: AGENT_SECURITY,
      params: idParams,
      response: { 200: ok('`{ lifted }`'), ...errors },
    },
    handler: async (request) => {
      const conversation = await conversationOf(request);
      const lifted: VisitorBlock[] = [];
      for (const block of await blocks.affecting(conversation)) {
        const removed = await blocks.lift(block.id);
        if (removed === undefined) continue;
        lifted.push(removed);
        // On this conversation, even when the block was made from another of the visitor's conversations.
        await record(request, 'unblocked', { ...removed, conversationId: conversation.id });
      }
      return { lifted };
    },
  });

  app.get('/v1/blocks', {
    onRequest: app.requireAdmin,
    schema: {
      tags,
      summary: 'List blocks (admins)',
      description:
        'Every block still in force, newest first: `{ items, nextCursor }`. Cursor pagination with `take` (1–100, default 20) and `cursor` (the `nextCursor` of the previous page). Expired blocks no longer apply and are not listed.',
      security: AGENT_SECURITY,
      querystring: {
        type: 'object',
        properties: {
          take: { type: 'string', description: 'Page size, 1–100 (default 20).' },
          cursor: { type: 'string', description: 'The `nextCursor` of the previous page.' },
        },
      },
      response: { 200: ok('`{ items, nextCursor }`'), ...errors },
    },
    handler: async (request) => {
      const query = parseListQuery(request.query, { blueprintId: false, meta: false });
      return blocks.page(query.take, checkCursor(query.cursor, 'blk'));
    },
  });

  app.delete<{ Params: { id: string } }>('/v1/blocks/:id', {
    config: { audit: { action: 'block.lifted', targetType: 'block' } },
    onRequest: app.requireAdmin,
    schema: {
      tags,
      summary: 'Lift a block (admins)',
      description:
        'The visitor or address may chat again at once, on every node; an “unblocked” line goes to the activity of the conversation the block was made from. Answers 204.',
      security: AGENT_SECURITY,
      params: idParams,
      response: { 204: { description: 'Lifted', type: 'null' }, ...errors },
    },
    handler: async (request, reply) => {
      const block = await blocks.lift(request.params.id);
      if (block === undefined) throw new ApiError('PARLEY_ERR_BLOCK_NOT_FOUND', `No block has the id ${request.params.id}.`);
      await record(request, 'unblocked', block);
      return reply.status(204).send();
    },
  });
};
