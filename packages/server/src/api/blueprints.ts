import type { FastifyPluginAsync } from 'fastify';
import { blueprintCreateSchema, blueprintDocumentSchema, blueprintUpdateSchema } from '@parley/protocol';
import { actorOf } from '../audit/index.js';
import { parseListQuery } from '../http/list-query.js';
import { ADMIN_SECURITY, errorResponse, idParams, jsonSchema, ok } from '../http/openapi.js';
import { parseInput } from '../http/parse-input.js';
import { dryRunOf, importedId, refuseOtherQuery, versionCursor, versionNumber, versionParams } from '../widgets/version-input.js';
import { assertRuleTeams } from '../engine/routing-rules.js';
import type { RouteOptions } from '../services.js';
import { parseBlueprintDocument } from '../widgets/document-input.js';
import { refuseRemovedOptions } from '../widgets/removed-options.js';

const tags = ['blueprints'];
const errors = { 400: errorResponse, 401: errorResponse, 404: errorResponse, 409: errorResponse };

/** Blueprints: named partial configurations that widgets inherit (defaults ⊕ blueprint ⊕ widget). */
export const blueprintsApi: FastifyPluginAsync<RouteOptions> = async (app, { services }) => {
  const { blueprints } = services;
  app.addHook('onRequest', app.requireAdmin);

  app.post('/v1/blueprints', {
    config: { audit: { action: 'blueprint.created', targetType: 'blueprint' } },
    schema: {
      tags,
      summary: 'Create a blueprint',
      security: ADMIN_SECURITY,
      body: jsonSchema(blueprintCreateSchema),
      response: { 201: ok('The blueprint'), ...errors },
    },
    handler: async (request, reply) => {
      const input = parseInput(blueprintCreateSchema, refuseRemovedOptions(request.body ?? {}));
      await assertRuleTeams(services.teams, input.routingRules);
      return reply.status(201).send(await blueprints.create(input, actorOf(request)));
    },
  });

  app.get('/v1/blueprints', {
    schema: {
      tags,
      summary: 'List blueprints, newest first',
      security: ADMIN_SECURITY,
      response: { 200: ok('`{ items, nextCursor }`'), ...errors },
    },
    handler: async (request) => {
      const { take, cursor } = parseListQuery(request.query, { blueprintId: false, meta: false });
      return blueprints.list(take, cursor);
    },
  });

  app.get<{ Params: { id: string } }>('/v1/blueprints/:id', {
    schema: {
      tags,
      summary: 'Fetch a blueprint',
      security: ADMIN_SECURITY,
      params: idParams,
      response: { 200: ok('The blueprint'), ...errors },
    },
    handler: async (request) => blueprints.get(request.params.id),
  });

  app.get<{ Params: { id: string } }>('/v1/blueprints/:id/versions', {
    schema: {
      tags,
      summary: 'List the blueprint’s versions, newest first',
      description:
        'Every change of the blueprint is a version: `{ items: [{ number, document, author, message, createdAt }], nextCursor }`.',
      security: ADMIN_SECURITY,
      params: idParams,
      response: { 200: ok('`{ items, nextCursor }`'), ...errors },
    },
    handler: async (request) => {
      const { take, cursor } = parseListQuery(request.query, { blueprintId: false, meta: false });
      return blueprints.versions(request.params.id, take, versionCursor(cursor));
    },
  });

  app.get<{ Params: { id: string; number: string } }>('/v1/blueprints/:id/versions/:number', {
    schema: {
      tags,
      summary: 'Fetch one version of the blueprint',
      security: ADMIN_SECURITY,
      params: versionParams,
      response: { 200: ok('The version'), ...errors },
    },
    handler: async (request) => blueprints.version(request.params.id, versionNumber(request.params.number, 'number')),
  });

  app.get<{ Params: { id: string } }>('/v1/blueprints/:id/export', {
    schema: {
      tags,
      summary: 'Export the blueprint as a document',
      description: 'A `parley.blueprint/1` document `{ format, id, blueprint }` (docs/configuration-versions.md).',
      security: ADMIN_SECURITY,
      params: idParams,
      response: { 200: ok('The document'), ...errors },
    },
    handler: async (request) => blueprints.exportDocument(request.params.id),
  });

  app.post<{ Querystring: Record<string, unknown> }>('/v1/blueprints/import', {
    config: {
      audit: {
        action: 'blueprint.imported',
        targetType: 'blueprint',
        targetId: (_request, answer) => importedId(answer, 'blueprintId'),
        detail: (request) => ({ dryRun: dryRunOf(request.query as Record<string, unknown>) }),
      },
    },
    schema: {
      tags,
      summary: 'Import a blueprint document',
      description:
        'Applies a `parley.blueprint/1` document: updates the blueprint of its `id` when this server has it, else the one blueprint with the same `blueprint.name`, else creates one. The document is the whole configuration. Applying a document equal to the configuration writes nothing (`action: unchanged`); a change reaches every linked widget at once. `?dryRun=true` answers `{ action, changes }` and writes nothing.',
      security: ADMIN_SECURITY,
      body: jsonSchema(blueprintDocumentSchema),
      response: { 200: ok('`{ action, dryRun, blueprintId, version, changes }`'), ...errors },
    },
    handler: async (request) => {
      refuseOtherQuery(request.query, ['dryRun']);
      const input = await parseBlueprintDocument(request.body ?? {}, services.teams);
      return blueprints.importDocument(input, actorOf(request), dryRunOf(request.query));
    },
  });

  app.patch<{ Params: { id: string } }>('/v1/blueprints/:id', {
    config: { audit: { action: 'blueprint.updated', targetType: 'blueprint' } },
    schema: {
      tags,
      summary: 'Update a blueprint (partial)',
      description: 'The change reaches every linked widget at once. `null` removes a value.',
      security: ADMIN_SECURITY,
      params: idParams,
      body: jsonSchema(blueprintUpdateSchema),
      response: { 200: ok('The blueprint'), ...errors },
    },
    handler: async (request) => {
      const input = parseInput(blueprintUpdateSchema, refuseRemovedOptions(request.body ?? {}));
      await assertRuleTeams(services.teams, input.routingRules);
      return blueprints.update(request.params.id, input, actorOf(request));
    },
  });

  app.delete<{ Params: { id: string } }>('/v1/blueprints/:id', {
    config: { audit: { action: 'blueprint.deleted', targetType: 'blueprint' } },
    schema: {
      tags,
      summary: 'Delete a blueprint',
      description: 'Refused with 409 while widgets are linked to it.',
      security: ADMIN_SECURITY,
      params: idParams,
      response: { 204: { description: 'Deleted', type: 'null' }, ...errors },
    },
    handler: async (request, reply) => {
      await blueprints.delete(request.params.id);
      return reply.status(204).send();
    },
  });
};
