import type { FastifyPluginAsync } from 'fastify';
import type { InboxService } from '../engine/inbox-service.js';
import type { AgentReplies } from '../engine/agent-replies.js';
import type { ConversationEngine } from '../engine/conversation-engine.js';
import type { FileStore } from '../files/file-store.js';
import { ApiError } from '../http/api-error.js';
import { agentOf } from '../http/auth-plugin.js';
import { AGENT_SECURITY, errorResponse, idParams, jsonSchema, ok } from '../http/openapi.js';
import { acceptRawBodies, MAX_UPLOAD_BYTES, uploadedFile, uploadQuerySchema } from './uploads.js';
import { sendAppended } from '../http/appended.js';

export interface InboxFilesApiOptions {
  readonly engine: ConversationEngine;
  readonly inbox: InboxService;
  readonly replies: AgentReplies;
  readonly files: FileStore;
  readonly publicUrl: string;
}

/**
 * Agents' attachments: `POST /v1/inbox/:id/files?name=` with the raw file as the body. Same limits and
 * sniffing as visitor uploads, the same `file` message shape (so the widget and the console render it
 * alike), authored by the agent and treated as a reply: it takes an unheld conversation and may be mailed.
 * A console cookie is accepted only on a JSON content type (the auth plugin's CSRF rule), so the console
 * sends its login token as Bearer, or, in a tab without the token, the cookie with `content-type:
 * application/json`: no cross-site form can do either, and the type is read from the bytes whatever the header says.
 */
export const inboxFilesApi: FastifyPluginAsync<InboxFilesApiOptions> = async (app, { engine, inbox, replies, files, publicUrl }) => {
  acceptRawBodies(app);

  app.post<{ Params: { id: string } }>('/v1/inbox/:id/files', {
    onRequest: app.requireAgent,
    schema: {
      tags: ['inbox'],
      summary: 'Send a file to the visitor',
      description: `The raw file as the body (at most ${MAX_UPLOAD_BYTES} bytes; PNG, JPEG, GIF, WebP, PDF or plain text, read from the bytes), with a console token as Bearer or an admin API key (with the console cookie instead, send \`content-type: application/json\`: its CSRF rule; the type is still read from the bytes). Appends a \`file\` message authored by the agent, like a reply, and answers it (201; 200 for a known \`clientId\`).`,
      security: AGENT_SECURITY,
      params: idParams,
      querystring: jsonSchema(uploadQuerySchema),
      response: {
        200: ok('`{ message, created: false }`'),
        201: ok('`{ message, created: true }`'),
        400: errorResponse,
        401: errorResponse,
        403: errorResponse,
        404: errorResponse,
        413: errorResponse,
        415: errorResponse,
      },
    },
    handler: async (request, reply) => {
      const agent = agentOf(request);
      const id = request.params.id;
      // The same visibility rule as every inbox action: what inbox.item shows this agent.
      if ((await inbox.item(id, agent.id)) === undefined)
        throw new ApiError('PARLEY_ERR_CONVERSATION_NOT_FOUND', `No conversation has the id ${id}.`);
      const file = await uploadedFile(files, publicUrl, id, request);
      const result = await engine.append({ conversationId: id, author: { role: 'agent', id: agent.id, name: agent.name }, ...file });
      if (result.created) await replies.replied(result);
      return sendAppended(reply, result);
    },
  });
};
