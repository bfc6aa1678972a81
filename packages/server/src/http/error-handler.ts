import type { FastifyError, FastifyInstance } from 'fastify';
import { ERROR_CATALOG, type ErrorBody, type ErrorCode } from '@parley/protocol';
import { ChallengeRequired } from '../challenge/challenge-required.js';
import { isStorageFailure } from '../store/storage-failure.js';
import { ApiError } from './api-error.js';
import { BODY_LIMIT_BYTES } from './limits.js';

/** Turns every failure into the catalog's `{ error: { code, message, field } }` shape. */
export function installErrorHandler(app: FastifyInstance): void {
  app.setErrorHandler((error: FastifyError | ApiError, request, reply) => {
    const storageFailed = !(error instanceof ApiError) && isStorageFailure(error);
    const apiError = error instanceof ApiError ? error : storageFailed ? STORAGE_UNAVAILABLE() : fromFastifyError(error);
    // A storage incident is logged once by the store (WriteHealth), not once per request it fails.
    if (storageFailed) request.log.debug({ err: error }, 'request failed: storage unavailable');
    else if (apiError.status >= 500) request.log.error({ err: error }, 'request failed');
    const body: ErrorBody = {
      error: {
        code: apiError.code,
        message: apiError.message,
        ...(apiError.field === undefined ? {} : { field: apiError.field }),
        ...(apiError.details === undefined ? {} : { details: apiError.details }),
        requestId: request.id,
        ...(apiError instanceof ChallengeRequired ? { challenge: apiError.challenge } : {}),
      },
    };
    return reply.status(apiError.status).send(body);
  });

  app.setNotFoundHandler((request, reply) => {
    const code: ErrorCode = 'PARLEY_ERR_ROUTE_NOT_FOUND';
    return reply.status(404).send({
      error: { code, message: `No endpoint for ${request.method} ${request.url.split('?')[0] ?? ''}.`, requestId: request.id },
    });
  });
}

/** The database dropped the connection, cannot be reached or takes no writes: a retry in a few seconds may well succeed. */
const STORAGE_UNAVAILABLE = (): ApiError =>
  new ApiError(
    'PARLEY_ERR_STORAGE_UNAVAILABLE',
    'The database could not be reached or took no writes; nothing was stored. Retry in a few seconds.',
  );

function fromFastifyError(error: FastifyError): ApiError {
  switch (error.code) {
    case 'FST_ERR_CTP_INVALID_JSON_BODY':
    case 'FST_ERR_CTP_EMPTY_JSON_BODY':
      return new ApiError('PARLEY_ERR_REQUEST_INVALID_JSON', `The request body is not valid JSON: ${error.message}`);
    case 'FST_ERR_CTP_BODY_TOO_LARGE':
      return new ApiError('PARLEY_ERR_REQUEST_TOO_LARGE', `The request body is larger than ${BODY_LIMIT_BYTES} bytes.`);
    case 'FST_ERR_CTP_INVALID_MEDIA_TYPE':
      return new ApiError('PARLEY_ERR_REQUEST_UNSUPPORTED_MEDIA_TYPE', `Unsupported content type; send application/json.`);
    default:
      break;
  }
  if (error instanceof SyntaxError && error.statusCode === 400) {
    return new ApiError('PARLEY_ERR_REQUEST_INVALID_JSON', `The request body is not valid JSON: ${error.message}`);
  }
  if (error.statusCode === 413) return new ApiError('PARLEY_ERR_REQUEST_TOO_LARGE');
  if (error.statusCode === 415) return new ApiError('PARLEY_ERR_REQUEST_UNSUPPORTED_MEDIA_TYPE');
  if (error.statusCode !== undefined && error.statusCode >= 400 && error.statusCode < 500) {
    return new ApiError('PARLEY_ERR_REQUEST_VALIDATION', error.message);
  }
  return new ApiError('PARLEY_ERR_SERVER_INTERNAL', ERROR_CATALOG.PARLEY_ERR_SERVER_INTERNAL.title);
}
