import { ParleyApiError } from '@parley/client';
import type { ErrorBody } from '@parley/protocol';
import type { Agent } from './types.js';

export interface Page<T> {
  readonly items: readonly T[];
  readonly nextCursor: string | null;
}

/**
 * The console's one door to the server: same-origin JSON over fetch with the login cookie
 * (`parley_console`, HttpOnly). Every mutation sends `content-type: application/json` — the server
 * requires it on cookie-authenticated writes, which is what keeps other sites from forging them.
 */
export class ConsoleApi {
  /** Called when any request answers 401: the session ended (logout elsewhere, expiry). */
  onUnauthorized: () => void = () => {};

  constructor(private readonly fetchImpl: typeof fetch = globalThis.fetch.bind(globalThis)) {}

  get<T>(path: string): Promise<T> {
    return this.call<T>('GET', path);
  }

  /**
   * A refresh nobody asked for (polling). It says so in `x-parley-background`, so that the server can
   * leave the agent's activity alone: an open tab must not keep an idle agent from turning away.
   */
  poll<T>(path: string): Promise<T> {
    return this.call<T>('GET', path, undefined, { background: true });
  }

  post<T>(path: string, body: unknown = {}): Promise<T> {
    return this.call<T>('POST', path, body);
  }

  patch<T>(path: string, body: unknown): Promise<T> {
    return this.call<T>('PATCH', path, body);
  }

  put<T>(path: string, body: unknown): Promise<T> {
    return this.call<T>('PUT', path, body);
  }

  delete(path: string): Promise<void> {
    return this.call<void>('DELETE', path, {});
  }

  /**
   * The first `max` pages of a cursor-paginated list (from `cursor` when given: "Show more"), and the
   * cursor after them (null: nothing more). `background` reads them as a poll (see `poll`).
   */
  async pages<T>(
    path: string,
    options: { take: number; max: number; background?: boolean; cursor?: string | null },
  ): Promise<{ items: T[]; nextCursor: string | null }> {
    const items: T[] = [];
    let cursor: string | null = options.cursor ?? null;
    for (let page = 0; page < options.max; page++) {
      const separator = path.includes('?') ? '&' : '?';
      const url = `${path}${separator}take=${options.take}${cursor === null ? '' : `&cursor=${encodeURIComponent(cursor)}`}`;
      const answer: Page<T> = await (options.background === true ? this.poll<Page<T>>(url) : this.get<Page<T>>(url));
      items.push(...answer.items);
      cursor = answer.nextCursor ?? null; // Some lists (API keys) are never paginated and send no cursor.
      if (cursor === null) break;
    }
    return { items, nextCursor: cursor };
  }

  /** Every page of a cursor-paginated list (admin lists are short; stops after 20 pages). */
  async all<T>(path: string): Promise<T[]> {
    return (await this.pages<T>(path, { take: 100, max: 20 })).items;
  }

  login(email: string, password: string): Promise<{ readonly agent: Agent; readonly token: string; readonly expiresAt: string }> {
    return this.call('POST', '/v1/auth/login', { email, password }, { quiet401: true });
  }

  me(): Promise<{ readonly agent: Agent; readonly token?: string }> {
    return this.call('GET', '/v1/auth/me', undefined, { quiet401: true });
  }

  private async call<T>(
    method: string,
    path: string,
    body?: unknown,
    options: { quiet401?: boolean; background?: boolean } = {},
  ): Promise<T> {
    let response: Response;
    try {
      response = await this.fetchImpl(path, {
        method,
        credentials: 'same-origin',
        headers: {
          accept: 'application/json',
          ...(body === undefined ? {} : { 'content-type': 'application/json' }),
          ...(options.background === true ? { 'x-parley-background': '1' } : {}),
        },
        ...(body === undefined ? {} : { body: JSON.stringify(body) }),
      });
    } catch {
      throw new ParleyApiError(
        0,
        'PARLEY_ERR_CLIENT_NETWORK',
        'The server cannot be reached. Check your connection; the console retries on its own.',
      );
    }
    if (response.status === 204) return undefined as T; // No content: callers of 204 endpoints expect nothing.
    const parsed: unknown = await response.json().catch(() => undefined);
    if (response.ok) return parsed as T; // The server's answers follow the protocol types.
    if (response.status === 401 && options.quiet401 !== true) this.onUnauthorized();
    if (isErrorBody(parsed)) throw new ParleyApiError(response.status, parsed.error.code, parsed.error.message, parsed.error.field);
    throw new ParleyApiError(
      response.status,
      'PARLEY_ERR_CLIENT_BAD_RESPONSE',
      `The server answered HTTP ${response.status} to ${method} ${path}.`,
    );
  }
}

/** The server's error envelope (`{ error: { code, message, field? } }`), from any parsed body. */
export function isErrorBody(value: unknown): value is ErrorBody {
  if (typeof value !== 'object' || value === null || !('error' in value)) return false;
  const error: unknown = value.error;
  return typeof error === 'object' && error !== null && 'code' in error && 'message' in error;
}

/** A message a person can act on, from any thrown value. */
export function errorText(error: unknown): string {
  if (error instanceof ParleyApiError) return error.field === undefined ? error.message : `${error.field}: ${error.message}`;
  return error instanceof Error ? error.message : String(error);
}

export const api = new ConsoleApi();
