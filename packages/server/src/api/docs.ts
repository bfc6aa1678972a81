import swagger from '@fastify/swagger';
import swaggerUi from '@fastify/swagger-ui';
import fp from 'fastify-plugin';
import { PROTOCOL_VERSION } from '@parley/protocol';
import { BODY_LIMIT_BYTES } from '../http/limits.js';
import { DOCS_CSS, DOCS_FAVICON_SVG, DOCS_JS, DOCS_LOGO_SVG } from './docs-theme.js';
import { openApiWebhookSchemas, openApiWebhooks } from './openapi-webhooks.js';

/**
 * The API reference page's policy: Swagger UI's own scripts and styles from this server, "Try it out"
 * calls to this server only, no framing. Styles may be inline (Swagger UI sets style attributes); no
 * script may be (a reflected payload in an example or a description would not run). The validator
 * badge, which would send the spec to validator.swagger.io, is off.
 */
const DOCS_CSP = [
  "default-src 'self'",
  "base-uri 'none'",
  "connect-src 'self'",
  "font-src 'self' data:",
  "form-action 'self'",
  "frame-ancestors 'none'",
  "img-src 'self' data:",
  "object-src 'none'",
  "script-src 'self'",
  "script-src-attr 'none'",
  "style-src 'self' 'unsafe-inline'",
].join('; ');

/**
 * The sections in the order a site owner needs them: set up a widget, start visitors' sessions, connect a
 * bot; then the agents' side; then housekeeping. Swagger UI lists tags in this order (a tag missing here
 * would come last, after these).
 */
const TAGS: readonly { readonly name: string; readonly description: string }[] = [
  { name: 'widgets', description: 'Create and configure chat widgets: options, allowed origins, embed code, texts per language.' },
  {
    name: 'widget versions',
    description:
      'Every configuration change as a version: drafts, publish, rollback, diff, export and import, promote between environments, preview links.',
  },
  {
    name: 'visitor',
    description:
      'What the widget calls: start a session (a token scoped to one conversation), send and read messages, files, the public config.',
  },
  {
    name: 'bots',
    description: 'Connect a bot: built-in FAQ rules, a webhook or n8n workflow, Rasa, Dialogflow, an OpenAI-compatible model.',
  },
  { name: 'blueprints', description: 'Shared option sets that widgets inherit (defaults ⊕ blueprint ⊕ widget).' },
  {
    name: 'inbox',
    description: 'The agents’ inbox: list, assign and transfer, reply, notes, snooze, resolve, the activity of a conversation.',
  },
  {
    name: 'conversation links',
    description:
      'Signed, expiring, revocable links that open one conversation full page on any device (async mode): the visitor or an agent makes one; agents list and revoke them.',
  },
  {
    name: 'campaigns',
    description: 'Proactive messages per widget: the message, its trigger, audience, frequency cap, schedule and priority (admin).',
  },
  { name: 'contacts', description: 'The people the site talked to: search, attributes, merge, CSV import and export.' },
  {
    name: 'reports',
    description: 'Conversations, the bot’s share, response times, CSAT and busiest hours for a period in a time zone (JSON or CSV).',
  },
  { name: 'agents', description: 'The people who answer: accounts, roles, capacity, status.' },
  { name: 'teams', description: 'Groups of agents that conversations are routed to.' },
  { name: 'canned responses', description: 'The team’s saved replies (`/shortcut` in the console).' },
  { name: 'api keys', description: 'Keys for scripts and servers (admin).' },
  { name: 'webhooks', description: 'Signed event deliveries to your endpoints: subscriptions, the delivery log, replay (admin).' },
  { name: 'privacy', description: 'The audit log (who changed what, append-only) and what retention would delete now (admin).' },
  { name: 'console auth', description: 'Logging in to the console (a cookie, or the token as a Bearer token).' },
  { name: 'operations', description: 'Health and readiness probes for load balancers and monitoring.' },
];

/** Phones lay the page out at their width only when it says so (without this, text is about 8 px). */
const VIEWPORT = '<meta name="viewport" content="width=device-width, initial-scale=1">';

/** OpenAPI 3.1 generated from the route schemas: JSON at /v1/openapi.json, browsable at /docs. */
export const docsPlugin = fp<{ publicUrl: string }>(
  async (app, { publicUrl }) => {
    await app.register(swagger, {
      openapi: {
        openapi: '3.1.0',
        info: {
          title: 'Parley API',
          version: `${PROTOCOL_VERSION}.0.0`,
          description:
            `Start with **widgets** (create one, set its options and allowed origins), then **visitor** (what the widget calls: ` +
            `\`POST /v1/widgets/{id}/sessions\` starts a conversation) and **bots** (connect yours). ` +
            `Management API (admin key) and visitor API (session token) of Parley. Errors are \`{ "error": { "code", "message", "field"? } }\`; ` +
            `every code is listed with its fix in docs/errors.md. JSON bodies are limited to ${BODY_LIMIT_BYTES} bytes.`,
        },
        servers: [{ url: publicUrl }],
        tags: TAGS.map((tag) => ({ ...tag })),
        // Outbound webhooks (OpenAPI 3.1): what Parley POSTs, per event type; their bodies in components.schemas.
        webhooks: openApiWebhooks(),
        components: {
          schemas: openApiWebhookSchemas(),
          securitySchemes: {
            adminKey: { type: 'http', scheme: 'bearer', description: 'An admin API key (pk_…), or PARLEY_ADMIN_KEY.' },
            sessionToken: {
              type: 'http',
              scheme: 'bearer',
              bearerFormat: 'JWT',
              description: 'The token of POST /v1/widgets/{id}/sessions.',
            },
            consoleSession: {
              type: 'apiKey',
              in: 'cookie',
              name: 'parley_console',
              description:
                'A console login (POST /v1/auth/login); the login token also works as a Bearer token. Changes need Content-Type: application/json.',
            },
          },
        },
      },
    });
    // In a scope of its own, so that the page's hook touches only Swagger UI's routes.
    await app.register(async (scope) => {
      // Swagger UI's page has no viewport tag and the plugin offers no option for one: it goes in here.
      scope.addHook('onSend', async (_request, reply, payload) => {
        const type = String(reply.getHeader('content-type') ?? '');
        return type.startsWith('text/html') && typeof payload === 'string'
          ? payload.replace('<meta charset="UTF-8">', `<meta charset="UTF-8">\n      ${VIEWPORT}`)
          : payload;
      });
      await scope.register(swaggerUi, {
        routePrefix: '/docs',
        staticCSP: DOCS_CSP,
        uiConfig: { validatorUrl: null, filter: true, docExpansion: 'list', defaultModelsExpandDepth: -1 },
        logo: { type: 'image/svg+xml', content: Buffer.from(DOCS_LOGO_SVG), href: '/docs', target: '_self' },
        theme: {
          title: 'Parley API reference',
          css: [{ filename: 'parley.css', content: DOCS_CSS }],
          js: [{ filename: 'parley.js', content: DOCS_JS }],
          favicon: [{ filename: 'parley.svg', rel: 'icon', sizes: 'any', type: 'image/svg+xml', content: Buffer.from(DOCS_FAVICON_SVG) }],
        },
      });
    });
    app.get('/v1/openapi.json', { schema: { hide: true } }, async () => app.swagger());
  },
  { name: 'parley-docs' },
);
