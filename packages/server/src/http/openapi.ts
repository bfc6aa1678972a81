import { toJsonSchema } from '@valibot/to-json-schema';
import type * as v from 'valibot';

/**
 * JSON Schema of a protocol schema, for the OpenAPI description only. Requests are validated by
 * the protocol schema itself (parseInput), so parts JSON Schema cannot express (checks,
 * transforms) are simply left out of the documentation rather than failing.
 */
export function jsonSchema(schema: v.GenericSchema): Record<string, unknown> {
  const { $schema: _ignored, ...rest } = toJsonSchema(schema, { errorMode: 'ignore' });
  return rest;
}

export const errorResponse = {
  description: 'An error: see docs/errors.md for every code and how to fix it.',
  type: 'object',
  properties: {
    error: {
      type: 'object',
      required: ['code', 'message'],
      properties: {
        code: { type: 'string', description: 'Stable code, PARLEY_ERR_<AREA>_<WHAT>' },
        message: { type: 'string' },
        field: { type: 'string', description: 'Dotted path of the offending field' },
        requestId: { type: 'string' },
      },
    },
  },
} as const;

export const idParams = {
  type: 'object',
  required: ['id'],
  properties: { id: { type: 'string' } },
} as const;

export const ADMIN_SECURITY = [{ adminKey: [] }];
export const SESSION_SECURITY = [{ sessionToken: [] }];
/** Endpoints only a person logged in to the console can use (their own account). */
export const CONSOLE_SECURITY = [{ consoleSession: [] }];
/** Agents' endpoints: a console login, or an admin API key acting as the `admin` agent. */
export const AGENT_SECURITY = [{ consoleSession: [] }, { adminKey: [] }];

export function ok(description: string): Record<string, unknown> {
  return { description, type: 'object', additionalProperties: true };
}
