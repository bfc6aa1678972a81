// Its own entry point, not the package's index: what the core imports from @parley/client must not pull the solver in.
import { solveChallenge } from '@parley/client/challenge';
import type { Challenge, ChallengeSolution } from '@parley/protocol';

/**
 * Loaded only when the server answers a session creation with PARLEY_ERR_CHALLENGE_REQUIRED (many new
 * sessions from the visitor's address, or none of them loaded the widget first). Solves it with
 * `crypto.subtle` on the main thread, in batches of ~20 ms with a timer between them: the widget runs under
 * host pages' strict CSPs (`script-src 'self'`), which refuse a Worker made from a Blob.
 */
export function solve(challenge: Challenge): Promise<ChallengeSolution> {
  return solveChallenge(challenge);
}
