import * as v from 'valibot';
import { ApiError } from './api-error.js';
import { NUL_MESSAGE, nulPath } from './nul-check.js';

/**
 * Validates anything that crosses the HTTP edge with its protocol schema and reports the first
 * problem with the dotted path of the field, so the caller knows exactly what to change.
 */
export function parseInput<S extends v.GenericSchema>(schema: S, input: unknown, root?: string): v.InferOutput<S> {
  const result = v.safeParse(schema, input, { abortPipeEarly: true });
  if (result.success) {
    const nul = nulPath(result.output);
    if (nul === null) return result.output;
    const field = [root, ...nul].filter((p) => p !== undefined).join('.');
    throw new ApiError(
      'PARLEY_ERR_REQUEST_VALIDATION',
      `${field === '' ? 'The request body' : field} ${NUL_MESSAGE}.`,
      field === '' ? undefined : field,
    );
  }
  const issue = result.issues[0];
  const path = [root, ...(issue.path ?? []).map((item) => String(item.key))].filter((p) => p !== undefined).join('.');
  const field = path === '' ? undefined : path;
  if (issue.type === 'strict_object' && issue.input !== undefined && field !== undefined) {
    throw new ApiError('PARLEY_ERR_REQUEST_UNKNOWN_FIELD', `Unknown field "${field}": this endpoint does not accept it.`, field);
  }
  const subject = field ?? (root === undefined ? 'The request body' : root);
  const text = issue.input === undefined && field !== undefined ? 'is required' : describe(issue);
  throw new ApiError('PARLEY_ERR_REQUEST_VALIDATION', `${subject} ${text}.`, field);
}

function describe(issue: v.BaseIssue<unknown>): string {
  // Our schemas phrase messages as predicates ("must be …"); valibot's own start with "Invalid".
  if (issue.message.startsWith('must') || issue.message.startsWith('keys') || issue.message.startsWith('values')) {
    return issue.message.replace(/\.$/, '');
  }
  return `is invalid: ${issue.message.replace(/^Invalid \w+: /, '').replace(/\.$/, '')}`;
}
