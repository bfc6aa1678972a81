import type { FastifyPluginAsync, FastifyReply, FastifyRequest } from 'fastify';
import type * as v from 'valibot';
import { reportPageQuerySchema, reportQuerySchema, REPORT_MAX_DAYS, type ReportQuery } from '@parley/protocol';
import { agentOf } from '../http/auth-plugin.js';
import { ApiError } from '../http/api-error.js';
import { AGENT_SECURITY, errorResponse, jsonSchema, ok } from '../http/openapi.js';
import { parseInput } from '../http/parse-input.js';
import type { Db } from '../store/database.js';
import { busiestHoursCsv, commentsCsv, csatCsv, responseTimesCsv, summaryCsv, unansweredCsv } from '../reports/report-csv.js';
import { resolvePeriod, type ResolvedPeriod } from '../reports/report-period.js';
import { ReportQueries, type ReportScope } from '../reports/report-queries.js';

export interface ReportsApiOptions {
  readonly db: Db;
  /** Writes what this node queued, so a report includes what just happened here. */
  readonly flush: () => Promise<void>;
}

/** Rows a CSV export of a list holds at most (the JSON form is paged). */
const CSV_MAX_ROWS = 10_000;
const DEFAULT_TAKE = 50;

const PERIOD_HELP =
  `Query: \`from\`, \`to\` (YYYY-MM-DD days of \`timeZone\`, both included, at most ${REPORT_MAX_DAYS} days), \`timeZone\` (IANA, default UTC), ` +
  'optional `widgetId`, `teamId`, `agentId` (combined), `format` = `json` (default) or `csv` (a file). An agent login that is not an admin sees its own figures only. ' +
  'Every figure is defined in docs/reports.md.';
const ERRORS = { 400: errorResponse, 401: errorResponse, 403: errorResponse };

/** A report as `format` asks: JSON, or a CSV file named for the report and its period. Never cached. */
export function sendReport(reply: FastifyReply, query: ReportQuery, name: string, json: unknown, csv: () => string): FastifyReply {
  reply.header('cache-control', 'no-store');
  if (query.format === 'json') return reply.send(json);
  return reply
    .header('content-type', 'text/csv; charset=utf-8')
    .header('content-disposition', `attachment; filename="parley-${name}-${query.from}-${query.to}.csv"`)
    .send(csv());
}

/** `/v1/reports/...`: figures for a period, from the events the server recorded (reports/). */
export const reportsApi: FastifyPluginAsync<ReportsApiOptions> = async (app, { db, flush }) => {
  const queries = new ReportQueries(db);
  app.addHook('onRequest', app.requireAgent);

  const read = async <S extends typeof reportQuerySchema | typeof reportPageQuerySchema>(
    request: FastifyRequest,
    schema: S,
  ): Promise<{ query: v.InferOutput<S>; period: ResolvedPeriod; scope: ReportScope }> => {
    const query = parseInput(schema, request.query ?? {});
    const scope = scopeFor(request, query);
    const period = resolvePeriod(query, scope);
    await flush();
    return { query, period, scope };
  };
  const route = (paged: boolean, summary: string, description: string, answer: string) => ({
    schema: {
      tags: ['reports'],
      summary,
      description: `${description} ${PERIOD_HELP}`,
      security: AGENT_SECURITY,
      querystring: jsonSchema(paged ? reportPageQuerySchema : reportQuerySchema),
      response: { 200: ok(answer), ...ERRORS },
    },
  });

  /** A report answered whole (not paged): JSON, or its CSV form. */
  const whole = <R>(
    name: string,
    [summary, description, answer]: readonly [string, string, string],
    run: (period: ResolvedPeriod, scope: ReportScope) => Promise<R>,
    csv: (report: R) => string,
  ): void => {
    app.get(`/v1/reports/${name}`, route(false, summary, description, answer), async (request, reply) => {
      const { query, period, scope } = await read(request, reportQuerySchema);
      const report = await run(period, scope);
      return sendReport(reply, query, name, report, () => csv(report));
    });
  };

  whole(
    'summary',
    [
      'Conversations, messages, the bot’s share',
      'Conversations that started in the period (resolved by the bot alone, handed to a human, unanswered, abandoned…), messages and widget loads/opens that happened in it, and the same per day. CSV: one line per day and a total line.',
      '`SummaryReport` (protocol)',
    ],
    (period, scope) => queries.summary(period, scope),
    summaryCsv,
  );
  whole(
    'response-times',
    [
      'Time to first human response and to resolution',
      'Median, p90 and average (seconds, nearest rank), wall clock and counting only the widget’s business hours, over conversations that started in the period.',
      '`ResponseTimesReport` (protocol)',
    ],
    (period, scope) => queries.responseTimes(period, scope),
    responseTimesCsv,
  );
  whole(
    'csat',
    ['Satisfaction (CSAT)', 'Ratings given in the period: count, average and the distribution of scores 1–5.', '`CsatReport` (protocol)'],
    (period, scope) => queries.csat(period, scope),
    csatCsv,
  );
  whole(
    'busiest-hours',
    [
      'Busiest hours (weekday × hour)',
      'Conversations started in the period by weekday (Monday first) and hour of `timeZone`.',
      '`BusiestHoursReport` (protocol)',
    ],
    (period, scope) => queries.busiestHours(period, scope),
    busiestHoursCsv,
  );

  app.get(
    '/v1/reports/csat/comments',
    route(
      true,
      'Satisfaction comments',
      'Ratings with a comment, newest first, paged (`take` 1–100, default 50; `cursor`: the previous page’s `nextCursor`). CSV: every one, up to 10,000.',
      '`CsatCommentsPage` (protocol)',
    ),
    async (request, reply) => {
      const { query, period, scope } = await read(request, reportPageQuerySchema);
      const csv = query.format === 'csv';
      const page = await queries.csatComments(
        period,
        scope,
        csv ? CSV_MAX_ROWS : (query.take ?? DEFAULT_TAKE),
        csv ? undefined : query.cursor,
      );
      return sendReport(reply, query, 'csat-comments', { object: 'report.csat_comments', period: period.period, ...page }, () =>
        commentsCsv(page.items),
      );
    },
  );

  for (const kind of ['unanswered', 'abandoned'] as const) {
    app.get(
      `/v1/reports/${kind}`,
      route(
        true,
        kind === 'unanswered' ? 'Unanswered conversations' : 'Abandoned conversations',
        kind === 'unanswered'
          ? 'Conversations started in the period, handed to a human, that no human has answered, oldest handoff first, paged.'
          : 'The unanswered conversations whose visitor left (resolved, or silent for 30 minutes), oldest handoff first, paged.',
        '`UnansweredPage` (protocol)',
      ),
      async (request, reply) => {
        const { query, period, scope } = await read(request, reportPageQuerySchema);
        const csv = query.format === 'csv';
        const page = await queries.unanswered(
          period,
          scope,
          kind === 'abandoned',
          csv ? CSV_MAX_ROWS : (query.take ?? DEFAULT_TAKE),
          csv ? undefined : query.cursor,
        );
        return sendReport(reply, query, kind, { object: `report.${kind}`, period: period.period, ...page }, () =>
          unansweredCsv(page.items),
        );
      },
    );
  }
};

/** Admins (an admin key or an admin login) see any scope; any other agent sees its own figures only. */
function scopeFor(request: FastifyRequest, query: ReportQuery): ReportScope {
  const agent = agentOf(request);
  let agentId = query.agentId ?? null;
  if (agent.role !== 'admin') {
    if (agentId !== null && agentId !== agent.id) {
      throw new ApiError(
        'PARLEY_ERR_AUTH_ADMIN_REQUIRED',
        'Only an admin sees another agent’s figures; leave agentId out to see your own.',
      );
    }
    agentId = agent.id;
  }
  return { widgetId: query.widgetId ?? null, teamId: query.teamId ?? null, agentId };
}
