// Types only: a value from @parley/protocol would bring its schemas (valibot) into the page's lazy chunk.
import type { Challenge, ChallengeSolution } from '@parley/protocol';

/** Globals are injected (tests, Node, a page without `crypto.subtle`). */
export interface SolveOptions {
  /** SHA-256 of the bytes; default `crypto.subtle.digest` (a secure context: https or localhost). */
  readonly digest?: (data: Uint8Array<ArrayBuffer>) => Promise<ArrayBuffer>;
  /** Gives the page its turn between batches; default a zero-delay timer, so input and rendering run between them. */
  readonly pause?: () => Promise<void>;
  /** The clock that sizes the batches; default `performance.now`. */
  readonly now?: () => number;
  /** How long one batch may hold the main thread; default 20 ms (a long task is 50). */
  readonly sliceMs?: number;
}

/**
 * `@parley/client/challenge` — an entry point of its own so that a page loads it only when asked to solve one.
 *
 * Solves an ALTCHA challenge (see @parley/protocol challenge.ts): tries numbers from 0 until
 * SHA-256(salt + number) is the challenge. Digests run in batches sized so that one batch holds the
 * main thread for about `sliceMs`, with a pause between batches: the page never freezes, however hard
 * the challenge. Rejects when no number up to `maxnumber` fits (a challenge this server did not make).
 */
export async function solveChallenge(challenge: Challenge, options: SolveOptions = {}): Promise<ChallengeSolution> {
  if (challenge.algorithm !== 'SHA-256') throw new Error(`Cannot solve a ${String(challenge.algorithm)} challenge.`);
  const digest = options.digest ?? ((data: Uint8Array<ArrayBuffer>) => crypto.subtle.digest('SHA-256', data));
  const pause = options.pause ?? (() => new Promise<void>((resolve) => setTimeout(resolve, 0)));
  const now = options.now ?? (() => performance.now());
  const sliceMs = options.sliceMs ?? 20;
  const encoder = new TextEncoder();
  const { salt, maxnumber } = challenge;
  const target = challenge.challenge.match(/../g)?.map((pair) => parseInt(pair, 16)) ?? [];
  let batch = 16;
  for (let start = 0; start <= maxnumber;) {
    const began = now();
    const end = Math.min(maxnumber, start + batch - 1);
    const hashes: Promise<ArrayBuffer>[] = [];
    for (let number = start; number <= end; number += 1) hashes.push(digest(encoder.encode(salt + number)));
    const found = (await Promise.all(hashes)).findIndex((hash) => sameBytes(new Uint8Array(hash), target));
    if (found >= 0) {
      const { algorithm, signature } = challenge;
      return { algorithm, challenge: challenge.challenge, number: start + found, salt, signature };
    }
    // Aim each batch at the slice: shrink at once when one ran long, grow at most twofold, never past 512. Issuing
    // the digests is the main thread's share (Chromium: ~20 µs each, busy machine), and one stretched batch must
    // not make the next one a long task.
    const took = Math.max(1, now() - began);
    batch = Math.max(16, Math.min(512, batch * 2, Math.round((batch * sliceMs) / took)));
    start = end + 1;
    await pause();
  }
  throw new Error(`No number up to ${maxnumber} solves this challenge.`);
}

function sameBytes(bytes: Uint8Array, target: readonly number[]): boolean {
  if (bytes.length !== target.length) return false;
  for (let i = 0; i < bytes.length; i += 1) if (bytes[i] !== target[i]) return false;
  return true;
}
