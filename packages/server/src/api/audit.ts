import type { FastifyPluginAsync } from 'fastify';
import { AUDIT_ACTOR_KINDS, auditQuerySchema } from '@parley/protocol';
import type { AuditLog } from '../audit/index.js';
import { ApiError } from '../http/api-error.js';
import { ADMIN_SECURITY, errorResponse, jsonSchema, ok } from '../http/openapi.js';
import { parseInput } from '../http/parse-input.js';
import { DEFAULT_PAGE_SIZE } from '../store/pagination.js';

export interface AuditApiOptions {
  readonly audit: AuditLog;
}

const tags = ['privacy'];
const errors = { 400: errorResponse, 401: errorResponse, 403: errorResponse };

/** The audit log, read-only (admins): nothing here or anywhere else changes or deletes an entry. */
export const auditApi: FastifyPluginAsync<AuditApiOptions> = async (app, { audit }) => {
  app.addHook('onRequest', app.requireAdmin);

  app.get('/v1/audit', {
    schema: {
      tags,
      summary: 'The audit log',
      description: `Who changed what and when, newest first: \`{ items, nextCursor }\`, each \`{ id, at, actor: { kind, id, name }, action, targetType, targetId, detail }\`. \`detail\` holds no personal data (the names of changed fields, counts). Filters: \`action\` (exact, or a prefix such as \`widget.*\`), \`actorKind\` (${AUDIT_ACTOR_KINDS.join(', ')}), \`actor\` (an agent's or API key's id), \`targetType\`, \`target\` (the changed thing's id), \`from\`/\`to\` (ISO times, both included); paging with \`take\` (1–100, default 20) and \`cursor\`. Admins only; the log is append-only.`,
      security: ADMIN_SECURITY,
      querystring: jsonSchema(auditQuerySchema),
      response: { 200: ok('`{ items, nextCursor }`'), ...errors },
    },
    handler: async (request) => {
      const query = parseInput(auditQuerySchema, request.query ?? {});
      const take = query.take === undefined ? DEFAULT_PAGE_SIZE : Number(query.take);
      if (!/^\d+$/.test(query.take ?? '1') || take < 1 || take > 100) {
        throw new ApiError('PARLEY_ERR_REQUEST_VALIDATION', 'take must be a whole number from 1 to 100.', 'take');
      }
      if (query.from !== undefined && query.to !== undefined && Date.parse(query.from) > Date.parse(query.to)) {
        throw new ApiError('PARLEY_ERR_REQUEST_VALIDATION', 'from must be on or before to.', 'from');
      }
      return audit.list({ ...query, take });
    },
  });
};
