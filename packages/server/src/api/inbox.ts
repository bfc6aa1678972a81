import type { FastifyPluginAsync, FastifyRequest } from 'fastify';
import * as v from 'valibot';
import {
  assignSchema,
  emptyActionSchema,
  inboxQuerySchema,
  noteSchema,
  snoozeSchema,
  visitorMessageSchema,
  type Author,
} from '@parley/protocol';
import type { AgentService } from '../agents/agent-service.js';
import type { TeamService } from '../agents/team-service.js';
import type { AgentReplies } from '../engine/agent-replies.js';
import type { InboxService } from '../engine/inbox-service.js';
import type { Actor, Ownership } from '../engine/ownership.js';
import { ApiError } from '../http/api-error.js';
import { agentOf } from '../http/auth-plugin.js';
import { AGENT_SECURITY, errorResponse, idParams, jsonSchema, ok } from '../http/openapi.js';
import { parseInput } from '../http/parse-input.js';
import { sendAppended } from '../http/appended.js';

export interface InboxApiOptions {
  readonly inbox: InboxService;
  readonly ownership: Ownership;
  readonly replies: AgentReplies;
  readonly agents: AgentService;
  readonly teams: TeamService;
}

const tags = ['inbox'];
const errors = { 400: errorResponse, 401: errorResponse, 403: errorResponse, 404: errorResponse, 409: errorResponse };
const agentReplySchema = v.strictObject({
  text: visitorMessageSchema.entries.text,
  clientId: visitorMessageSchema.entries.clientId,
  agentId: v.optional(
    v.pipe(
      v.string(),
      v.minLength(1),
      v.maxLength(64),
      v.description(
        'Reply as this agent (an API key only: a console login always replies as itself). The visitor sees their name and "You are chatting with …", and a conversation nobody holds is assigned to them, as when they reply in the console.',
      ),
    ),
  ),
});
const noteBodySchema = v.strictObject({ ...noteSchema.entries, clientId: visitorMessageSchema.entries.clientId });

type IdRequest = FastifyRequest<{ Params: { id: string } }>;

/** The agents' inbox: lists, one conversation with its visitor's context, and the actions on it. */
export const inboxApi: FastifyPluginAsync<InboxApiOptions> = async (app, { inbox, ownership, replies, agents, teams }) => {
  app.addHook('onRequest', app.requireAgent);

  const actor = (request: FastifyRequest): Actor => {
    const { id, name } = agentOf(request);
    return { kind: 'agent', id, name };
  };
  const author = (request: FastifyRequest): Author => {
    const { id, name } = agentOf(request);
    return { role: 'agent', id, name };
  };
  /**
   * Who a reply is from: the caller, or with an API key the agent `agentId` names (Intercom's `admin_id`,
   * Chatwoot's sender of an API message): a key has no person behind it for the visitor to see.
   */
  const replyAuthor = async (request: FastifyRequest, agentId: string | undefined): Promise<Author> => {
    const me = agentOf(request);
    if (agentId === undefined || agentId === me.id) return author(request);
    if (me.via !== 'key') {
      throw new ApiError(
        'PARLEY_ERR_REQUEST_VALIDATION',
        'A console login replies as itself: agentId is for API keys. Leave it out.',
        'agentId',
      );
    }
    const agent = await agents.get(agentId);
    return { role: 'agent', id: agent.id, name: agent.name };
  };
  /** The item as this agent now sees it: every action answers with it. */
  const itemFor = async (request: IdRequest) => {
    const item = await inbox.item(request.params.id, agentOf(request).id);
    if (item === undefined) throw new ApiError('PARLEY_ERR_CONVERSATION_NOT_FOUND', `No conversation has the id ${request.params.id}.`);
    return item;
  };

  app.get('/v1/inbox', {
    schema: {
      tags,
      summary: 'List conversations',
      description:
        '`view` mine | unassigned | team | all (default all); `status` open | pending | resolved | snoozed; `owner` bot | queued | human; `q` searches contact name, email and message text; `widgetId`; `priority` low | normal | high | urgent (set by routing rules); `take` (1–100, default 20) and `cursor`. Newest activity first. Items are `{ conversation, contact, lastMessage, unread, waitingSinceMs }`.',
      security: AGENT_SECURITY,
      querystring: jsonSchema(inboxQuerySchema),
      response: { 200: ok('`{ items, nextCursor }`'), ...errors },
    },
    handler: async (request) => {
      const query = parseInput(inboxQuerySchema, request.query ?? {});
      const me = agentOf(request);
      const teamIds = me.via === 'key' ? [] : (await agents.get(me.id)).teamIds;
      return inbox.list({ id: me.id, teamIds }, query);
    },
  });

  app.get<{ Params: { id: string } }>('/v1/inbox/:id', {
    schema: {
      tags,
      summary: 'One conversation with its visitor’s context',
      description:
        'The list item plus `context` (pageUrl, referrer, browser, language, custom attributes, earlier conversations of the contact) and `queue` (place and estimated wait while queued). Messages: `GET /v1/conversations/{id}/messages` with the same credentials.',
      security: AGENT_SECURITY,
      params: idParams,
      response: { 200: ok('The conversation detail'), ...errors },
    },
    handler: async (request) => inbox.detail(request.params.id, agentOf(request).id),
  });

  app.get<{ Params: { id: string } }>('/v1/inbox/:id/activity', {
    schema: {
      tags,
      summary: 'What happened to the conversation',
      description:
        'Assignments and transfers, queueing for a team, hand-backs to the bot, snoozes, resolves and reopens, oldest first: `{ items: [{ id, kind, actor, agent, previousAgent, team, until, createdAt }] }`. `kind` is assigned | queued | handed_back | snoozed | woke | resolved | reopened | routed (a widget routing rule matched: `rule: { name, priority, handTo }`, `team` when it chose one); `actor` is the agent who did it, null when Parley did (routing, a reply taking the conversation, the visitor writing again). Handoffs are messages (type `event`), not activity.',
      security: AGENT_SECURITY,
      params: idParams,
      response: { 200: ok('`{ items }`'), ...errors },
    },
    handler: async (request) => ({ items: await ownership.activity(request.params.id) }),
  });

  app.post<{ Params: { id: string } }>('/v1/inbox/:id/assign', {
    schema: {
      tags,
      summary: 'Assign or transfer',
      description:
        '`{ agentId }` gives the conversation to that agent (owner human); `{ teamId }` puts it in that team’s queue, where routing assigns it; `{ agentId, teamId }` does both.',
      security: AGENT_SECURITY,
      params: idParams,
      body: jsonSchema(assignSchema),
      response: { 200: ok('The inbox item'), ...errors },
    },
    handler: async (request) => {
      const input = parseInput(assignSchema, request.body ?? {});
      if (input.teamId !== undefined && input.teamId !== null && !(await teams.exists(input.teamId))) {
        throw new ApiError('PARLEY_ERR_TEAM_NOT_FOUND', `No team has the id ${input.teamId}.`, 'teamId');
      }
      await ownership.assign(request.params.id, input, actor(request));
      return itemFor(request);
    },
  });

  for (const [action, summary, description] of [
    ['handback', 'Hand back to the bot', 'The bot answers the visitor’s next message.'],
    ['resolve', 'Resolve', 'The widget shows the rating prompt; a new visitor message reopens the conversation to the bot.'],
    ['reopen', 'Reopen', 'Back to its last assignee, or to the agent reopening it.'],
  ] as const) {
    app.post<{ Params: { id: string } }>(`/v1/inbox/:id/${action}`, {
      schema: {
        tags,
        summary,
        description: `${description} Send \`{}\` as the body.`,
        security: AGENT_SECURITY,
        params: idParams,
        body: jsonSchema(emptyActionSchema),
        response: { 200: ok('The inbox item'), ...errors },
      },
      handler: async (request) => {
        parseInput(emptyActionSchema, request.body ?? {});
        const id = request.params.id;
        if (action === 'handback') await ownership.handback(id, actor(request));
        else if (action === 'resolve') await ownership.resolve(id, actor(request));
        else await ownership.reopen(id, actor(request));
        return itemFor(request);
      },
    });
  }

  app.post<{ Params: { id: string } }>('/v1/inbox/:id/snooze', {
    schema: {
      tags,
      summary: 'Snooze until a time',
      description: 'Hidden from open and pending lists until `until`, or until the visitor writes.',
      security: AGENT_SECURITY,
      params: idParams,
      body: jsonSchema(snoozeSchema),
      response: { 200: ok('The inbox item'), ...errors },
    },
    handler: async (request) => {
      const { until } = parseInput(snoozeSchema, request.body ?? {});
      if (Date.parse(until) <= Date.now()) throw new ApiError('PARLEY_ERR_REQUEST_VALIDATION', 'until must be in the future.', 'until');
      await ownership.snooze(request.params.id, until, actor(request));
      return itemFor(request);
    },
  });

  app.post<{ Params: { id: string } }>('/v1/inbox/:id/notes', {
    schema: {
      tags,
      summary: 'Add a private note',
      description:
        'Stored in the conversation (type `note`, its own seq) and delivered only to agents: never to the visitor, over REST, realtime, the bot or exports.',
      security: AGENT_SECURITY,
      params: idParams,
      body: jsonSchema(noteBodySchema),
      response: { 201: ok('`{ message, created: true }`'), 200: ok('`{ message, created: false }` (a resend)'), ...errors },
    },
    handler: async (request, reply) => {
      const input = parseInput(noteBodySchema, request.body ?? {});
      await itemFor(request);
      const result = await replies.note(request.params.id, author(request), input.text, input.clientId ?? null);
      return sendAppended(reply, result);
    },
  });

  app.post<{ Params: { id: string } }>('/v1/inbox/:id/messages', {
    schema: {
      tags,
      summary: 'Reply to the visitor',
      description:
        "Markdown text. A reply to a conversation nobody holds assigns it to you (with an API key: to the agent `agentId` names, whom the visitor then sees answering; without it the reply is signed with the key's name). Idempotent on `clientId`. Replies the visitor has not read within a minute are emailed when they left an address and SMTP is configured.",
      security: AGENT_SECURITY,
      params: idParams,
      body: jsonSchema(agentReplySchema),
      response: { 201: ok('`{ message, created: true }`'), 200: ok('`{ message, created: false }` (a resend)'), ...errors },
    },
    handler: async (request, reply) => {
      const input = parseInput(agentReplySchema, request.body ?? {});
      await itemFor(request);
      const result = await replies.reply(request.params.id, await replyAuthor(request, input.agentId), input.text, input.clientId ?? null);
      return sendAppended(reply, result);
    },
  });
};
