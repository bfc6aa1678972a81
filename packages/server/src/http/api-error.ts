import { ERROR_CATALOG, type ErrorCode, type ErrorDetails } from '@parley/protocol';

/** The one error type handlers throw; the error handler turns it into `{ error: { code, message, field } }`. */
export class ApiError extends Error {
  override readonly name = 'ApiError';
  readonly status: number;

  constructor(
    readonly code: ErrorCode,
    message?: string,
    readonly field?: string,
    /** Machine-readable facts about the error (a 429's `retryAfterSeconds`), sent as `error.details`. */
    readonly details?: ErrorDetails,
  ) {
    super(message ?? ERROR_CATALOG[code].title);
    this.status = ERROR_CATALOG[code].status;
  }
}
