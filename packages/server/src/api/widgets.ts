import type { FastifyPluginAsync } from 'fastify';
import { actorOf, idIn } from '../audit/index.js';
import * as v from 'valibot';
import {
  metaSchema,
  nameSchema,
  promoteSchema,
  publishSchema,
  rollbackSchema,
  routingTestSchema,
  widgetCreateSchema,
  widgetDocumentSchema,
  widgetUpdateSchema,
} from '@parley/protocol';
import { assertRuleTeams, testRules } from '../engine/routing-rules.js';
import { parseListQuery } from '../http/list-query.js';
import { ADMIN_SECURITY, errorResponse, idParams, jsonSchema, ok } from '../http/openapi.js';
import { parseInput } from '../http/parse-input.js';
import type { RouteOptions } from '../services.js';
import { parseWidgetDocument } from '../widgets/document-input.js';
import { refuseRemovedOptions } from '../widgets/removed-options.js';
import { dryRunOf, importedId, refuseOtherQuery, versionNumber, versionParams } from '../widgets/version-input.js';

const cloneSchema = v.strictObject({ name: v.optional(nameSchema), meta: v.optional(metaSchema) });
const tags = ['widgets'];
const versionTags = ['widget versions'];
const errors = { 400: errorResponse, 401: errorResponse, 404: errorResponse };

/** Widget integrations: the management API (admin key). The visitor-facing endpoints live in widget-public.ts. */
export const widgetsApi: FastifyPluginAsync<RouteOptions> = async (app, { services }) => {
  const { widgets, setup } = services;
  app.addHook('onRequest', app.requireAdmin);

  app.post('/v1/widgets', {
    config: { audit: { action: 'widget.created', targetType: 'widget' } },
    schema: {
      tags,
      summary: 'Create a widget',
      security: ADMIN_SECURITY,
      body: jsonSchema(widgetCreateSchema),
      response: { 201: ok('The widget'), ...errors },
    },
    handler: async (request, reply) => {
      const input = parseInput(widgetCreateSchema, refuseRemovedOptions(request.body ?? {}));
      await assertRuleTeams(services.teams, input.routingRules);
      return reply.status(201).send(await widgets.create(input, actorOf(request)));
    },
  });

  app.get('/v1/widgets', {
    schema: {
      tags,
      summary: 'List widgets, newest first',
      description:
        'Cursor pagination with `take` (1–100, default 20) and `cursor` (the `nextCursor` of the previous page). Filter with `blueprintId=` and any number of `meta[key]=value`.',
      security: ADMIN_SECURITY,
      response: { 200: ok('`{ items, nextCursor }`'), ...errors },
    },
    handler: async (request) => widgets.list(parseListQuery(request.query, { blueprintId: true, meta: true })),
  });

  app.get<{ Params: { id: string } }>('/v1/widgets/:id', {
    schema: { tags, summary: 'Fetch a widget', security: ADMIN_SECURITY, params: idParams, response: { 200: ok('The widget'), ...errors } },
    handler: async (request) => widgets.get(request.params.id),
  });

  app.patch<{ Params: { id: string } }>('/v1/widgets/:id', {
    config: { audit: { action: 'widget.updated', targetType: 'widget' } },
    schema: {
      tags,
      summary: 'Update a widget (partial)',
      description:
        'Only the given fields change. `null` removes the widget’s own value so the blueprint’s (or the default) applies; `theme` and `notifications` merge key by key; `meta` replaces the whole map. The change is published as a new version; when the installation reviews before publishing (PARLEY_REVIEW_BEFORE_PUBLISH) it is written to the draft instead and visitors keep the published version.',
      security: ADMIN_SECURITY,
      params: idParams,
      body: jsonSchema(widgetUpdateSchema),
      response: { 200: ok('The widget'), ...errors },
    },
    handler: async (request) => {
      const input = parseInput(widgetUpdateSchema, refuseRemovedOptions(request.body ?? {}));
      await assertRuleTeams(services.teams, input.routingRules);
      return widgets.update(request.params.id, input, actorOf(request));
    },
  });

  app.post<{ Params: { id: string } }>('/v1/widgets/:id/routing/test', {
    schema: {
      tags,
      summary: 'Dry-run the routing rules',
      description:
        'Which routing rule a conversation would match: `text` is its first visitor message; `url`, `language`, `identified`, `attributes` (the page’s meta) and `at` (for business hours; now when absent) describe it. Tries `rules` when given (to test before saving), else the widget’s effective `routingRules`. Answers `{ match: { index, name, action } }`, or `{ match: null }` when no rule matches and the widget’s usual routing applies. Nothing is stored.',
      security: ADMIN_SECURITY,
      params: idParams,
      body: jsonSchema(routingTestSchema),
      response: { 200: ok('`{ match }`'), ...errors },
    },
    handler: async (request) => {
      const input = parseInput(routingTestSchema, request.body ?? {});
      await assertRuleTeams(services.teams, input.rules, 'rules');
      return testRules((await widgets.resolve(request.params.id)).effective, input);
    },
  });

  app.delete<{ Params: { id: string } }>('/v1/widgets/:id', {
    config: { audit: { action: 'widget.deleted', targetType: 'widget' } },
    schema: {
      tags,
      summary: 'Delete a widget',
      description: 'The widget stops working at once (its config and session endpoints answer 404); its conversations are kept.',
      security: ADMIN_SECURITY,
      params: idParams,
      response: { 204: { description: 'Deleted', type: 'null' }, ...errors },
    },
    handler: async (request, reply) => {
      await widgets.delete(request.params.id);
      return reply.status(204).send();
    },
  });

  app.post<{ Params: { id: string } }>('/v1/widgets/:id/clone', {
    config: { audit: { action: 'widget.cloned', targetType: 'widget', detail: (request, answer) => ({ newWidgetId: idIn(answer) }) } },
    schema: {
      tags,
      summary: 'Clone a widget',
      description:
        'A new widget with every setting, the blueprint link, the meta and the language maps of the source; optionally a new `name` and `meta`. Conversations and usage are not copied.',
      security: ADMIN_SECURITY,
      params: idParams,
      body: jsonSchema(cloneSchema),
      response: { 201: ok('The new widget'), ...errors },
    },
    handler: async (request, reply) => {
      const input = parseInput(cloneSchema, request.body ?? {});
      return reply.status(201).send(await widgets.clone(request.params.id, input, actorOf(request)));
    },
  });

  app.post<{ Params: { id: string } }>('/v1/widgets/:id/detach', {
    config: { audit: { action: 'widget.detached', targetType: 'widget' } },
    schema: {
      tags,
      summary: 'Detach a widget from its blueprint',
      description:
        'The blueprint’s values become the widget’s own, so visitors see no change, and later blueprint changes no longer reach it.',
      security: ADMIN_SECURITY,
      params: idParams,
      response: { 200: ok('The widget'), ...errors },
    },
    handler: async (request) => widgets.detach(request.params.id, actorOf(request)),
  });

  app.get<{ Params: { id: string } }>('/v1/widgets/:id/versions', {
    schema: {
      tags: versionTags,
      summary: 'List the published versions, newest first',
      description:
        'Every published change of the widget’s own configuration: `{ items: [{ number, document, blueprintId, blueprintVersion, author, message, createdAt, published }], nextCursor }`. Cursor pagination with `take` (1–100, default 20) and `cursor`.',
      security: ADMIN_SECURITY,
      params: idParams,
      response: { 200: ok('`{ items, nextCursor }`'), ...errors },
    },
    handler: async (request) => {
      const { take, cursor } = parseListQuery(request.query, { blueprintId: false, meta: false });
      return widgets.versions(request.params.id, take, cursor);
    },
  });

  app.get<{ Params: { id: string; number: string } }>('/v1/widgets/:id/versions/:number', {
    schema: {
      tags: versionTags,
      summary: 'Fetch one version',
      security: ADMIN_SECURITY,
      params: versionParams,
      response: { 200: ok('The version'), ...errors },
    },
    handler: async (request) => widgets.version(request.params.id, versionNumber(request.params.number, 'number')),
  });

  app.get<{ Params: { id: string } }>('/v1/widgets/:id/draft', {
    schema: {
      tags: versionTags,
      summary: 'Fetch the draft',
      description: '`{ baseVersion, document, author, updatedAt }`; PARLEY_ERR_WIDGET_NO_DRAFT when there is none.',
      security: ADMIN_SECURITY,
      params: idParams,
      response: { 200: ok('The draft'), ...errors, 409: errorResponse },
    },
    handler: async (request) => widgets.draft(request.params.id),
  });

  app.put<{ Params: { id: string } }>('/v1/widgets/:id/draft', {
    config: { audit: { action: 'widget.draft_saved', targetType: 'widget' } },
    schema: {
      tags: versionTags,
      summary: 'Write the draft',
      description:
        'The whole next configuration, validated as a create body is: the options are exactly the body’s (one left out has no own value); `name`, `description`, `meta` and `blueprintId` left out keep the published ones. Visitors keep the published version until `POST /v1/widgets/{id}/publish`.',
      security: ADMIN_SECURITY,
      params: idParams,
      body: jsonSchema(widgetCreateSchema),
      response: { 200: ok('The draft'), ...errors },
    },
    handler: async (request) => {
      const input = parseInput(widgetCreateSchema, refuseRemovedOptions(request.body ?? {}));
      await assertRuleTeams(services.teams, input.routingRules);
      return widgets.putDraft(request.params.id, input, actorOf(request));
    },
  });

  app.delete<{ Params: { id: string } }>('/v1/widgets/:id/draft', {
    config: { audit: { action: 'widget.draft_discarded', targetType: 'widget' } },
    schema: {
      tags: versionTags,
      summary: 'Discard the draft',
      security: ADMIN_SECURITY,
      params: idParams,
      response: { 204: { description: 'Discarded', type: 'null' }, ...errors, 409: errorResponse },
    },
    handler: async (request, reply) => {
      await widgets.discardDraft(request.params.id);
      return reply.status(204).send();
    },
  });

  app.post<{ Params: { id: string } }>('/v1/widgets/:id/publish', {
    config: { audit: { action: 'widget.published', targetType: 'widget' } },
    schema: {
      tags: versionTags,
      summary: 'Publish the draft',
      description:
        'The draft becomes the next version (with the optional `message`), which visitors get at once; the draft is gone. PARLEY_ERR_WIDGET_NO_DRAFT when there is none. A draft equal to the published configuration makes no version.',
      security: ADMIN_SECURITY,
      params: idParams,
      body: jsonSchema(publishSchema),
      response: { 200: ok('The widget'), ...errors, 409: errorResponse },
    },
    handler: async (request) => {
      const input = parseInput(publishSchema, request.body ?? {});
      return widgets.publish(request.params.id, actorOf(request), input.message);
    },
  });

  app.post<{ Params: { id: string } }>('/v1/widgets/:id/rollback', {
    config: {
      audit: {
        action: 'widget.rolled_back',
        targetType: 'widget',
        detail: (request) => ({ fields: ['version'], ...pick(request.body, 'version') }),
      },
    },
    schema: {
      tags: versionTags,
      summary: 'Roll back to a version',
      description:
        'Publishes a copy of `version` as a new version (history is never rewritten); the draft, if any, stays. PARLEY_ERR_WIDGET_VERSION_NOT_FOUND when the widget has no such version.',
      security: ADMIN_SECURITY,
      params: idParams,
      body: jsonSchema(rollbackSchema),
      response: { 200: ok('The widget'), ...errors },
    },
    handler: async (request) => {
      const input = parseInput(rollbackSchema, request.body ?? {});
      return widgets.rollback(request.params.id, input.version, actorOf(request), input.message);
    },
  });

  app.get<{ Params: { id: string }; Querystring: Record<string, unknown> }>('/v1/widgets/:id/diff', {
    schema: {
      tags: versionTags,
      summary: 'Compare two versions',
      description:
        '`from` and `to` are version numbers, `to` may be `draft`; `from` defaults to the published version and `to` to the draft. Answers `{ from, to, changes: [{ path, op, old, new, oldSource, newSource }] }` over the effective configuration (what visitors get, each version with the blueprint version it was built from): `path` is a JSON Pointer, `op` add, remove or replace, the sources `widget`, `blueprint` or `default`.',
      security: ADMIN_SECURITY,
      params: idParams,
      response: { 200: ok('The diff'), ...errors, 409: errorResponse },
    },
    handler: async (request) => {
      const query = request.query;
      refuseOtherQuery(query, ['from', 'to']);
      const from = query['from'] === undefined ? await widgets.publishedVersion(request.params.id) : versionNumber(query['from'], 'from');
      const to = query['to'] === undefined || query['to'] === 'draft' ? 'draft' : versionNumber(query['to'], 'to');
      return widgets.diffAnswer(request.params.id, from, to);
    },
  });

  app.get<{ Params: { id: string } }>('/v1/widgets/:id/export', {
    schema: {
      tags: versionTags,
      summary: 'Export the configuration as a document',
      description:
        'The published configuration as a `parley.widget/1` document `{ format, id, widget }` to keep in git; `POST /v1/widgets/import` or `npm run parley -- widgets apply` applies it. No identity secret.',
      security: ADMIN_SECURITY,
      params: idParams,
      response: { 200: ok('The document'), ...errors },
    },
    handler: async (request) => widgets.exportDocument(request.params.id),
  });

  app.post<{ Querystring: Record<string, unknown> }>('/v1/widgets/import', {
    config: {
      audit: {
        action: 'widget.imported',
        targetType: 'widget',
        targetId: (_request, answer) => importedId(answer, 'widgetId'),
        detail: (request) => ({ dryRun: dryRunOf(request.query as Record<string, unknown>) }),
      },
    },
    schema: {
      tags: versionTags,
      summary: 'Import a configuration document',
      description:
        'Applies a `parley.widget/1` document: updates the widget of its `id` when this server has it, else the one widget with the same `widget.name`, else creates one. The document is the whole configuration. Applying a document equal to the configuration writes nothing (`action: unchanged`); under review before publish an update goes to the draft. `?dryRun=true` answers `{ action, changes }` and writes nothing.',
      security: ADMIN_SECURITY,
      body: jsonSchema(widgetDocumentSchema),
      response: { 200: ok('`{ action, dryRun, widgetId, version, draft, changes }`'), ...errors },
    },
    handler: async (request) => {
      refuseOtherQuery(request.query, ['dryRun']);
      const input = await parseWidgetDocument(request.body ?? {}, services.teams);
      return widgets.importDocument(input, actorOf(request), dryRunOf(request.query));
    },
  });

  app.post<{ Params: { id: string } }>('/v1/widgets/:id/promote', {
    config: {
      audit: {
        action: 'widget.promoted',
        targetType: 'widget',
        detail: (request) => ({ ...pick(request.body, 'from'), ...pick(request.body, 'dryRun') }),
      },
    },
    schema: {
      tags: versionTags,
      summary: 'Promote from another widget',
      description:
        'Environments (staging → production): the widget takes the published configuration of `from` (its options and blueprint link) and keeps its own id, name, description, meta, allowed origins and identity secret. Answers `{ from, widgetId, version, draft, changes }`; with `dryRun: true` only the changes. Under review before publish the change goes to the draft.',
      security: ADMIN_SECURITY,
      params: idParams,
      body: jsonSchema(promoteSchema),
      response: { 200: ok('The promotion'), ...errors },
    },
    handler: async (request) => {
      const input = parseInput(promoteSchema, request.body ?? {});
      return widgets.promote(request.params.id, input.from, actorOf(request), input.dryRun ?? false, input.message);
    },
  });

  app.post<{ Params: { id: string } }>('/v1/widgets/:id/setup', {
    config: { audit: { action: 'widget.setup_started', targetType: 'widget' } },
    schema: {
      tags,
      summary: 'Pre-generate the language maps',
      description:
        'Answers at once with `{ id }` and builds, in the background, the texts of every configured language (the old maps are cleared first). Idempotent. Follow progress in the widget’s `setup` field; failed translations fall back to the default text and are listed in `setup.failures`.',
      security: ADMIN_SECURITY,
      params: idParams,
      response: { 202: ok('`{ id }`'), ...errors },
    },
    handler: async (request, reply) => {
      const { row, effective } = await widgets.resolve(request.params.id);
      await setup.start(row.id, effective);
      return reply.status(202).send({ id: row.id });
    },
  });

  app.get<{ Params: { id: string } }>('/v1/widgets/:id/identity-secret', {
    schema: {
      tags,
      summary: 'Fetch the identity secret',
      description: 'Your server signs `userHash = hex(HMAC-SHA256(identitySecret, userId))` with it. Never put it in a page.',
      security: ADMIN_SECURITY,
      params: idParams,
      response: { 200: ok('`{ identitySecret }`'), ...errors },
    },
    handler: async (request) => ({ identitySecret: await widgets.identitySecret(request.params.id, false) }),
  });

  app.post<{ Params: { id: string } }>('/v1/widgets/:id/identity-secret/rotate', {
    config: { audit: { action: 'widget.identity_secret_rotated', targetType: 'widget' } },
    schema: {
      tags,
      summary: 'Rotate the identity secret',
      description: 'Hashes made with the old secret stop verifying at once.',
      security: ADMIN_SECURITY,
      params: idParams,
      response: { 200: ok('`{ identitySecret }`'), ...errors },
    },
    handler: async (request) => ({ identitySecret: await widgets.identitySecret(request.params.id, true) }),
  });
};

function pick(body: unknown, key: string): Record<string, unknown> {
  return typeof body === 'object' && body !== null && key in body ? { [key]: (body as Record<string, unknown>)[key] } : {};
}
