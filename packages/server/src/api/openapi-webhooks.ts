import { toJsonSchema, type JsonSchema } from '@valibot/to-json-schema';
import type { OpenAPIV3_1 } from 'openapi-types';
import type { WEBHOOK_DATA_SCHEMAS } from '@parley/protocol';
import { WEBHOOK_EVENT_TYPES, WEBHOOK_TEST_EVENT, webhookEnvelopeSchema } from '@parley/protocol';

/**
 * OpenAPI 3.1's `webhooks` object: one POST per event type, its body the envelope JSON Schema generated
 * from the protocol's payload schemas (the same ones receivers can validate with).
 */
export function openApiWebhooks(): Record<string, OpenAPIV3_1.PathItemObject> {
  return Object.fromEntries(
    TYPES.map((type) => [
      type,
      {
        post: {
          summary: type,
          description:
            'Signed the Standard Webhooks way (`webhook-id`, `webhook-timestamp`, `webhook-signature` headers); see docs/webhooks.md. ' +
            'Answer 2xx once handled: anything else is retried for 24 hours; 410 Gone disables the subscription.',
          tags: ['webhooks'],
          requestBody: {
            required: true,
            content: { 'application/json': { schema: { $ref: `#/components/schemas/${schemaName(type)}` } } },
          },
          responses: { '2XX': { description: 'Received: not sent again.' } },
        },
      },
    ]),
  );
}

const TYPES = [...WEBHOOK_EVENT_TYPES, WEBHOOK_TEST_EVENT] satisfies readonly (keyof typeof WEBHOOK_DATA_SCHEMAS)[];

/** `WebhookContactCreated` for `contact.created`. */
const schemaName = (type: string): string =>
  `Webhook${type.replace(/(^|[._])([a-z])/g, (_match: string, _sep: string, letter: string) => letter.toUpperCase())}`;

/** The envelope of each event type, for `components.schemas` (the `webhooks` entries refer to them). */
export function openApiWebhookSchemas(): Record<string, OpenAPIV3_1.SchemaObject> {
  return Object.fromEntries(
    TYPES.map((type) => [schemaName(type), openApiSchema(toJsonSchema(webhookEnvelopeSchema(type), { errorMode: 'ignore' }))]),
  );
}

/** JSON Schema (as valibot writes it) to OpenAPI 3.1's Schema Object: the keywords payload schemas use. */
export function openApiSchema(schema: JsonSchema): OpenAPIV3_1.SchemaObject {
  const common = {
    ...(schema.description === undefined ? {} : { description: schema.description }),
    ...(schema.const === undefined ? {} : { const: schema.const }),
    ...(schema.enum === undefined ? {} : { enum: schema.enum }),
    ...(schema.anyOf === undefined
      ? {}
      : { anyOf: schema.anyOf.flatMap((entry) => (typeof entry === 'boolean' ? [] : [openApiSchema(entry)])) }),
  };
  const type = schema.type;
  if (type === 'array') {
    const items = typeof schema.items === 'object' && !Array.isArray(schema.items) ? openApiSchema(schema.items) : {};
    return { ...common, type, items };
  }
  if (type === 'object') {
    const properties = Object.fromEntries(
      Object.entries(schema.properties ?? {}).flatMap(([key, entry]) => (typeof entry === 'boolean' ? [] : [[key, openApiSchema(entry)]])),
    );
    const additional = schema.additionalProperties;
    return {
      ...common,
      type,
      properties,
      ...(schema.required === undefined ? {} : { required: schema.required }),
      ...(additional === undefined
        ? {}
        : { additionalProperties: typeof additional === 'boolean' ? additional : openApiSchema(additional) }),
    };
  }
  if (type === undefined || Array.isArray(type)) return common;
  return { ...common, type };
}
