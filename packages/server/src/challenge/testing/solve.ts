import { createHash } from 'node:crypto';
import type { Challenge, ChallengeSolution } from '@parley/protocol';

/** Test-only: what a browser does — try every number from 0 until one hashes to the challenge. */
export function solve(challenge: Challenge): ChallengeSolution {
  for (let number = 0; number <= challenge.maxnumber; number += 1) {
    if (
      createHash('sha256')
        .update(challenge.salt + number)
        .digest('hex') === challenge.challenge
    ) {
      const { algorithm, salt, signature } = challenge;
      return { algorithm, challenge: challenge.challenge, number, salt, signature };
    }
  }
  throw new Error('no number up to maxnumber solves the challenge');
}
