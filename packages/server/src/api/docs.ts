import swagger from '@fastify/swagger';
import swaggerUi from '@fastify/swagger-ui';
import fp from 'fastify-plugin';
import { PROTOCOL_VERSION } from '@parley/protocol';
import { BODY_LIMIT_BYTES } from '../http/limits.js';

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
            `Management API (admin key) and visitor API (session token) of Parley. Errors are \`{ "error": { "code", "message", "field"? } }\`; ` +
            `every code is listed with its fix in docs/errors.md. JSON bodies are limited to ${BODY_LIMIT_BYTES} bytes.`,
        },
        servers: [{ url: publicUrl }],
        components: {
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
    await app.register(swaggerUi, { routePrefix: '/docs', staticCSP: DOCS_CSP, uiConfig: { validatorUrl: null } });
    app.get('/v1/openapi.json', { schema: { hide: true } }, async () => app.swagger());
  },
  { name: 'parley-docs' },
);
