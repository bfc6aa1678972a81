import type { Challenge, ErrorBody, ErrorCode, PublicWidgetConfig, SessionCreate, SessionCreated } from '@parley/protocol';

/** Globals are injected so the same code runs in the browser, in Node tests and in benches. */
export interface RestClientOptions {
  /** Where the Parley server is, e.g. `https://chat.example.com`. */
  readonly baseUrl: string;
  readonly fetch?: typeof fetch;
}

/** An error answer of the Parley API, with its stable code (see docs/errors.md). */
export class ParleyApiError extends Error {
  override readonly name = 'ParleyApiError';

  constructor(
    readonly status: number,
    readonly code: ErrorCode | 'PARLEY_ERR_CLIENT_NETWORK' | 'PARLEY_ERR_CLIENT_BAD_RESPONSE',
    message: string,
    readonly field?: string,
    /** PARLEY_ERR_CHALLENGE_REQUIRED: solve it (solveChallenge) and send the request again with the solution. */
    readonly challenge?: Challenge,
  ) {
    super(message);
  }
}

/** The two calls a page makes before it can chat: fetch the widget's public config, open a session. */
export class RestClient {
  private readonly baseUrl: string;
  private readonly fetchImpl: typeof fetch;

  constructor(options: RestClientOptions) {
    this.baseUrl = options.baseUrl.replace(/\/+$/, '');
    this.fetchImpl = options.fetch ?? globalThis.fetch.bind(globalThis);
  }

  /** `lang`: the language the page or the visitor chose; else `browser`, which a widget's own `language` outranks. */
  widgetConfig(widgetId: string, lang?: string, browser?: string): Promise<PublicWidgetConfig> {
    const query =
      lang !== undefined ? `?lang=${encodeURIComponent(lang)}` : browser === undefined ? '' : `?browser=${encodeURIComponent(browser)}`;
    return this.call<PublicWidgetConfig>('GET', `/v1/widgets/${encodeURIComponent(widgetId)}/config${query}`);
  }

  createSession(widgetId: string, input: SessionCreate = {}): Promise<SessionCreated> {
    return this.call<SessionCreated>('POST', `/v1/widgets/${encodeURIComponent(widgetId)}/sessions`, input);
  }

  private async call<T>(method: 'GET' | 'POST', path: string, body?: unknown): Promise<T> {
    let response: Response;
    try {
      response = await this.fetchImpl(`${this.baseUrl}${path}`, {
        method,
        ...(body === undefined ? {} : { body: JSON.stringify(body), headers: { 'content-type': 'application/json' } }),
      });
    } catch (error) {
      const reason = error instanceof Error ? error.message : String(error);
      throw new ParleyApiError(0, 'PARLEY_ERR_CLIENT_NETWORK', `Could not reach ${this.baseUrl}: ${reason}`);
    }
    const parsed: unknown = await response.json().catch(() => undefined);
    if (response.ok && parsed !== undefined) return parsed as T; // The server's answers follow the protocol types.
    if (isErrorBody(parsed))
      throw new ParleyApiError(response.status, parsed.error.code, parsed.error.message, parsed.error.field, parsed.error.challenge);
    throw new ParleyApiError(response.status, 'PARLEY_ERR_CLIENT_BAD_RESPONSE', `Unexpected HTTP ${response.status} from ${path}.`);
  }
}

function isErrorBody(value: unknown): value is ErrorBody {
  if (typeof value !== 'object' || value === null || !('error' in value)) return false;
  const error: unknown = value.error;
  return typeof error === 'object' && error !== null && 'code' in error && typeof error.code === 'string' && 'message' in error;
}
