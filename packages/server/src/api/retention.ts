import type { FastifyPluginAsync } from 'fastify';
import { ADMIN_SECURITY, errorResponse, ok } from '../http/openapi.js';
import type { RetentionJob } from '../retention/index.js';

export interface RetentionApiOptions {
  readonly retention: RetentionJob;
}

const tags = ['privacy'];
const errors = { 401: errorResponse, 403: errorResponse };

/** The retention job's dry run (admins). The job itself runs hourly on one node (retention/). */
export const retentionApi: FastifyPluginAsync<RetentionApiOptions> = async (app, { retention }) => {
  app.addHook('onRequest', app.requireAdmin);

  app.get('/v1/retention/preview', {
    schema: {
      tags,
      summary: 'What retention would delete now',
      description:
        'A dry run of the hourly retention job: `{ defaultDays, items: [{ widgetId, widgetName, days, source, cutoff, conversations, messages, files }] }`. ' +
        'Per widget, the conversations whose last activity is before `cutoff` (now minus `days`) and their messages and uploaded files. ' +
        '`days` is the widget’s `retentionDays` (`source` widget) or PARLEY_RETENTION_DAYS (`source` installation); null: kept. ' +
        'The item with `widgetId` null covers conversations of deleted widgets (the installation default applies). Nothing is deleted.',
      security: ADMIN_SECURITY,
      response: { 200: ok('`{ defaultDays, items }`'), ...errors },
    },
    handler: async () => retention.preview(),
  });
};
