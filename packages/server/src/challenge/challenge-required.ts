import type { Challenge } from '@parley/protocol';
import { ApiError } from '../http/api-error.js';

/** A new session must solve `challenge` first; the error handler sends it as `error.challenge` beside the 428. */
export class ChallengeRequired extends ApiError {
  constructor(
    message: string,
    readonly challenge: Challenge,
  ) {
    super('PARLEY_ERR_CHALLENGE_REQUIRED', message);
  }
}
