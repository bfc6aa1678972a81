import { PassThrough } from 'node:stream';
import type { FastifyPluginAsync, FastifyReply } from 'fastify';
import { n8nChatRequestSchema, type Message } from '@parley/protocol';
import type { Blocklist } from '../blocks/index.js';
import type { N8nChat, N8nRequest } from '../engine/n8n-chat.js';
import { noticeText } from '../engine/visitor-notices.js';
import { ApiError } from '../http/api-error.js';
import { errorResponse, idParams, jsonSchema, ok } from '../http/openapi.js';
import { parseInput } from '../http/parse-input.js';
import type { VisitorLimits } from '../limits/visitor-limits.js';

export interface N8nApiOptions {
  readonly chat: N8nChat;
  /** n8nPerAddress: every message costs a bot call (maybe a paid LLM), and a new sessionId is free to make up. */
  readonly limits: VisitorLimits;
  /** Agents' address blocks (the sessionId is the caller's to make up, so only the address is known). */
  readonly blocks?: Blocklist;
}

/**
 * `POST /v1/widgets/{id}/n8n`: the n8n Chat Trigger protocol (shared/protocols/n8n-chat.md), so an
 * existing `@n8n/chat` embed can point its `webhookUrl` at a Parley widget. A client that sends
 * `Accept: text/plain` (@n8n/chat with `enableStreaming`) gets NDJSON chunks as the bot speaks.
 */
export const n8nApi: FastifyPluginAsync<N8nApiOptions> = async (app, { chat, limits, blocks }) => {
  app.post<{ Params: { id: string } }>('/v1/widgets/:id/n8n', {
    schema: {
      tags: ['visitor'],
      summary: 'n8n chat protocol endpoint',
      description:
        'Speaks the protocol of the n8n Chat Trigger: `sendMessage` stores the message in the conversation named by `sessionId` (created on first use) and answers `{ output }` with the bot’s reply (images and files as Markdown) — plus `executionStarted` and an `executionId` for the `/chat` WebSocket while a person owns the conversation — or NDJSON `begin`/`item`/`end` chunks when the request says `Accept: text/plain`; `loadPreviousSession` answers `{ data }` with the stored conversation as LangChain messages. Origin allowlist and CORS as for sessions.',
      params: idParams,
      body: jsonSchema(n8nChatRequestSchema),
      response: {
        200: ok('`{ output }`, `{ data }` or an NDJSON stream'),
        400: errorResponse,
        403: errorResponse,
        404: errorResponse,
        429: errorResponse,
      },
    },
    handler: async (request, reply) => {
      const wait = await limits.n8n(request.ip);
      if (wait > 0) {
        reply.header('retry-after', String(wait));
        throw new ApiError(
          'PARLEY_ERR_WIDGET_CHAT_RATE_LIMITED',
          `Too many n8n chat requests from this address; try again in ${wait} s.`,
          undefined,
          {
            retryAfterSeconds: wait,
          },
        );
      }
      const input = parseInput(n8nChatRequestSchema, request.body ?? {});
      const target: N8nRequest = {
        widgetId: request.params.id,
        sessionId: input.sessionId,
        origin: request.headers.origin,
        trustedCaller: request.headers.origin === undefined && (await app.isAdmin(request)),
        metadata: input.metadata,
      };
      if (!target.trustedCaller) await blocks?.assertAllowed({ widgetId: target.widgetId, address: request.ip });
      reply.header('cache-control', 'no-store');
      if (input.action === 'loadPreviousSession') return reply.send({ data: await chat.loadPreviousSession(target) });
      if (!(request.headers.accept ?? '').includes('text/plain')) {
        const { messages, executionId, language } = await chat.sendMessage(target, input.chatInput);
        const output = outputOf(chat, messages, language);
        // A person owns the conversation: @n8n/chat 1.x opens `/chat` with this executionId and shows
        // what the agent says live (n8n/chat-socket.ts); older clients, which do not, show `output`.
        return reply.send(executionId === undefined ? { output } : { executionStarted: true, executionId, output });
      }
      return streamReply(reply, target, input.chatInput, chat);
    },
  });
};

/**
 * With nothing to show (a person owns the conversation), a notice: @n8n/chat shows an empty answer as
 * raw JSON over HTTP, and on `/chat` keeps its composer locked until a message arrives.
 */
function outputOf(chat: N8nChat, messages: readonly Message[], language: string): string {
  const texts = messages.map((message) => chat.text(message)).filter((text) => text !== '');
  return texts.length === 0 ? noticeText('human_will_answer', language) : texts.join('\n\n');
}

/**
 * NDJSON as a streaming Chat Trigger writes it: one `(nodeId, runIndex)` segment per bot message, so
 * @n8n/chat shows one bubble per message. The response starts with the first thing the bot says:
 * validation and origin errors before it are ordinary JSON errors; a failing bot still ends with its
 * apology inside the stream.
 */
async function streamReply(reply: FastifyReply, target: N8nRequest, chatInput: string, chat: N8nChat): Promise<FastifyReply> {
  const stream = new PassThrough();
  let started = false;
  let segment = 0;
  let open = false;
  const write = (type: 'begin' | 'item' | 'end' | 'error', content?: string): void => {
    if (!started) {
      started = true;
      void reply.header('content-type', 'application/json; charset=utf-8').header('x-accel-buffering', 'no').send(stream);
    }
    const metadata = { nodeId: 'parley', nodeName: 'Parley', itemIndex: 0, runIndex: segment, timestamp: Date.now() };
    stream.write(`${JSON.stringify({ type, ...(content === undefined ? {} : { content }), metadata })}\n`);
  };
  const close = (): void => {
    if (!open) return;
    write('end');
    open = false;
    segment += 1;
  };
  const whole = (text: string): void => {
    close();
    if (text === '') return;
    write('begin');
    write('item', text);
    write('end');
    segment += 1;
  };
  try {
    const { messages, language } = await chat.sendMessage(target, chatInput, {
      delta(text) {
        if (!open) write('begin');
        open = true;
        write('item', text);
      },
      message(message, streamed) {
        if (streamed && open) close();
        else whole(chat.text(message));
      },
      streamDropped: close,
    });
    close();
    if (messages.length === 0) whole(noticeText('human_will_answer', language));
  } catch (error) {
    if (!started) throw error;
    reply.log.error({ err: error }, 'the n8n stream failed after it started');
    const language = await chat.language(target).catch(() => 'en');
    write('error', noticeText('answer_interrupted', language));
  } finally {
    if (started) stream.end();
  }
  return reply;
}
