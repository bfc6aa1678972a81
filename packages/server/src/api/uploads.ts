import { randomBytes } from 'node:crypto';
import type { FastifyInstance, FastifyPluginAsync, FastifyRequest } from 'fastify';
import * as v from 'valibot';
import { clientIdSchema } from '@parley/protocol';
import type { FileStore } from '../files/file-store.js';
import { sniffType } from '../files/sniff-type.js';
import { ApiError } from '../http/api-error.js';
import { errorResponse, idParams, jsonSchema, ok, SESSION_SECURITY } from '../http/openapi.js';
import { parseInput } from '../http/parse-input.js';
import { servesUntrustedBytes } from '../http/untrusted-bytes.js';
import { refuseWhenLimited } from '../limits/refuse.js';
import type { RouteOptions } from '../services.js';
import { appendVisitorMessage, requester, visitorConversation } from './visitor-conversation.js';
import { sendAppended } from '../http/appended.js';

/** Largest upload; the widget checks the same limit before sending (its `fileTooLarge` text). */
export const MAX_UPLOAD_BYTES = 10 * 1024 * 1024;

export const uploadQuerySchema = v.strictObject({
  name: v.optional(v.pipe(v.string(), v.trim(), v.minLength(1), v.maxLength(200))),
  clientId: v.optional(clientIdSchema),
});

/** Raw bodies of any type, in the calling plugin only; the size is checked by uploadedFile to answer with the file error. */
export function acceptRawBodies(app: FastifyInstance): void {
  app.removeAllContentTypeParsers();
  app.addContentTypeParser('*', { parseAs: 'buffer', bodyLimit: MAX_UPLOAD_BYTES * 2 }, (_request, body, done) => done(null, body));
}

/**
 * The `file` message of an upload request, shared with agents' uploads: the body is checked (size,
 * sniffed type) and kept; `?name=` names it and `?clientId=` makes the send idempotent.
 */
export async function uploadedFile(files: FileStore, publicUrl: string, conversationId: string, request: FastifyRequest) {
  const { name = 'file', clientId } = parseInput(uploadQuerySchema, request.query ?? {});
  const bytes = Buffer.isBuffer(request.body) ? request.body : Buffer.alloc(0);
  if (bytes.length === 0)
    throw new ApiError('PARLEY_ERR_FILE_TYPE_NOT_ALLOWED', 'The body was empty: send the file itself as the request body.');
  if (bytes.length > MAX_UPLOAD_BYTES) {
    throw new ApiError('PARLEY_ERR_FILE_TOO_LARGE', `The file has ${bytes.length} bytes; at most ${MAX_UPLOAD_BYTES} are accepted.`);
  }
  const mimeType = sniffType(bytes);
  if (mimeType === undefined) throw new ApiError('PARLEY_ERR_FILE_TYPE_NOT_ALLOWED', `${name} is not an image, a PDF or plain text.`);
  const id = randomBytes(18).toString('base64url');
  await files.put(id, bytes, { name, mimeType, size: bytes.length, conversationId, createdAt: new Date().toISOString() });
  const url = `${publicUrl}/files/${id}`;
  const text = `[${name.replace(/[[\]]/g, '')}](${url})`;
  return { type: 'file', text, payload: { url, name, mimeType, size: bytes.length }, clientId: clientId ?? null } as const;
}

/**
 * Visitor uploads: `POST /v1/conversations/:id/files?name=` with the raw file as the body and the
 * session token. The type is sniffed from the bytes (images, PDF, plain text only), the file is kept
 * by the file store and a `file` message is appended, so it reaches everyone like any message.
 * `GET /files/:id` serves it back under an unguessable id with the sniffed type and `nosniff`.
 */
export const uploadsApi: FastifyPluginAsync<RouteOptions & { files: FileStore; publicUrl: string }> = async (
  app,
  { services, files, publicUrl },
) => {
  acceptRawBodies(app);

  app.post<{ Params: { id: string } }>('/v1/conversations/:id/files', {
    onRequest: app.requireSession,
    schema: {
      tags: ['visitor'],
      summary: 'Upload a file',
      description: `The raw file as the body (at most ${MAX_UPLOAD_BYTES} bytes; PNG, JPEG, GIF, WebP, PDF or plain text, read from the bytes). Appends a \`file\` message and answers it (201; 200 for a known \`clientId\`).`,
      security: SESSION_SECURITY,
      params: idParams,
      querystring: jsonSchema(uploadQuerySchema),
      response: {
        200: ok('`{ message, created: false }`'),
        201: ok('`{ message, created: true }`'),
        400: errorResponse,
        401: errorResponse,
        403: errorResponse,
        413: errorResponse,
        415: errorResponse,
        429: errorResponse,
      },
    },
    handler: async (request, reply) => {
      const target = await visitorConversation(services, request);
      if (!target.effective.attachments) throw new ApiError('PARLEY_ERR_FILE_UPLOADS_DISABLED');
      refuseWhenLimited(reply, await services.limits.upload(requester(request, target), target.effective.botId !== null), 'uploads');
      const file = await uploadedFile(files, publicUrl, target.conversation.id, request);
      const result = await appendVisitorMessage(services, target, file);
      return sendAppended(reply, result);
    },
  });

  app.get<{ Params: { id: string } }>('/files/:id', { schema: { hide: true } }, async (request, reply) => {
    const file = await files.get(request.params.id);
    if (file === undefined) throw new ApiError('PARLEY_ERR_FILE_NOT_FOUND');
    const inline = file.meta.mimeType.startsWith('image/') || file.meta.mimeType === 'application/pdf';
    servesUntrustedBytes(reply)
      .header('content-type', file.meta.mimeType === 'text/plain' ? 'text/plain; charset=utf-8' : file.meta.mimeType)
      .header('content-disposition', `${inline ? 'inline' : 'attachment'}; filename*=UTF-8''${encodeURIComponent(file.meta.name)}`)
      .header('cache-control', 'private, max-age=31536000, immutable')
      .header('access-control-allow-origin', '*');
    return reply.send(file.bytes);
  });
};
