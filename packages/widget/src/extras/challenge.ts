// Its own entry point, not the package's index: what the core imports from @parley/client must not pull the solver in.
import { solveChallenge } from '@parley/client/challenge';
import type { Challenge, ChallengeSolution } from '@parley/protocol';

/**
 * Loaded only when the server answers a session creation with PARLEY_ERR_CHALLENGE_REQUIRED (many new
 * sessions from the visitor's address, or none of them loaded the widget first). Solves it on the main thread in
 * slices of at most ~8 ms, giving the page its turn between them (no long task): the widget runs under host pages'
 * strict CSPs (`script-src 'self'`), which refuse a Worker made from a Blob. With `crypto.subtle`, or on a plain-http
 * page (no secure context, no `crypto.subtle`) with the pure-JS SHA-256 that comes in this chunk only.
 */
export function solve(challenge: Challenge): Promise<ChallengeSolution> {
  return solveChallenge(challenge);
}
