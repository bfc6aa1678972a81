import { ApiError } from './api-error.js';

/**
 * NUL characters (U+0000) are refused at the edge, in every string of a request or frame. PostgreSQL
 * cannot store them in text or JSON (it failed the request with a 500) while SQLite stored them, so
 * the two databases disagreed; no chat text, name or setting needs one, and a NUL in a log line or a
 * downstream C string truncates it. Refusing (rather than silently stripping) tells the sender what
 * to change, and the widget shows a refused message as failed, so nothing is lost unseen.
 */
export function nulPath(value: unknown, path: readonly string[] = [], depth = 0): string[] | null {
  if (typeof value === 'string') return value.includes('\u0000') ? [...path] : null;
  // Parsed JSON is at most as deep as the body limit allows; the bound only guards against our own cycles.
  if (typeof value !== 'object' || value === null || depth > 64) return null;
  for (const [key, item] of Object.entries(value)) {
    if (key.includes('\u0000')) return [...path, key.replaceAll('\u0000', '\\u0000')];
    const found = nulPath(item, [...path, key], depth + 1);
    if (found !== null) return found;
  }
  return null;
}

export const NUL_MESSAGE = 'must not contain NUL characters (\\u0000)';

/**
 * onRequest: a NUL anywhere in the URL (`%00`: path ids, query values) is refused before any route
 * reads it. Path parameters are not parsed by a schema, and PostgreSQL failed the lookup with a 500
 * where SQLite answered 404.
 */
export async function refuseNulInUrl(request: { readonly url: string }): Promise<void> {
  if (request.url.includes('%00')) throw new ApiError('PARLEY_ERR_REQUEST_VALIDATION', `The URL ${NUL_MESSAGE} (%00).`);
}
