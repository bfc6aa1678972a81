// Types only: a value from @parley/protocol would bring its schemas (valibot) into the page's lazy chunk.
import type { Challenge, ChallengeSolution } from '@parley/protocol';
import { challengeDigest, type Digest } from './challenge-digest.js';

/** Globals are injected (tests, Node, a page without `crypto.subtle`). */
export interface SolveOptions {
  /**
   * SHA-256 of the bytes; default `crypto.subtle.digest` in a secure context (https, localhost), else a small
   * pure-JS SHA-256 (@noble/hashes): a plain-http page has no `crypto.subtle`, and its visitors must still get in.
   */
  readonly digest?: Digest;
  /**
   * Gives the page its turn between slices; default `scheduler.yield()` where there is one, else a MessageChannel
   * message (a task at once, where nested zero-delay timers are clamped to 4 ms).
   */
  readonly pause?: () => Promise<void>;
  /** The clock that ends the slices; default `performance.now`. */
  readonly now?: () => number;
  /** How long one slice may hold the main thread before it gives the page its turn; default 8 ms (a long task is 50). */
  readonly sliceMs?: number;
}

/** Digests in flight at once with `crypto.subtle` (its answers come back as tasks of their own). */
const GROUP = 64;

/**
 * `@parley/client/challenge` — an entry point of its own so that a page loads it only when asked to solve one.
 *
 * Solves an ALTCHA challenge (see @parley/protocol challenge.ts): tries numbers from 0 until
 * SHA-256(salt + number) is the challenge. The work runs in slices ended by the clock, not by a count: the
 * clock is read after every digest, a slice ends once it has run `sliceMs`, and the page gets its turn before
 * the next one — so a slow device, a busy page or the pure-JS fallback never make a long task, however hard the
 * challenge. Rejects when no number up to `maxnumber` fits (a challenge this server did not make).
 */
export async function solveChallenge(challenge: Challenge, options: SolveOptions = {}): Promise<ChallengeSolution> {
  if (challenge.algorithm !== 'SHA-256') throw new Error(`Cannot solve a ${String(challenge.algorithm)} challenge.`);
  const digest = options.digest ?? challengeDigest();
  const pause = options.pause ?? defaultPause();
  const now = options.now ?? (() => performance.now());
  const sliceMs = options.sliceMs ?? 8;
  const encoder = new TextEncoder();
  const { salt, maxnumber } = challenge;
  const target = challenge.challenge.match(/../g)?.map((pair) => parseInt(pair, 16)) ?? [];
  let sliceStart = now();
  for (let number = 0; number <= maxnumber;) {
    const first = number;
    const hashes: (Promise<ArrayBuffer> | ArrayBuffer | Uint8Array)[] = [];
    // A group ends at GROUP digests, at maxnumber, or as soon as the slice has used its time.
    do hashes.push(digest(encoder.encode(salt + number++)));
    while (number <= maxnumber && hashes.length < GROUP && now() - sliceStart < sliceMs);
    const found = (await Promise.all(hashes)).findIndex((hash) => sameBytes(new Uint8Array(hash), target));
    if (found >= 0) {
      const { algorithm, signature } = challenge;
      return { algorithm, challenge: challenge.challenge, number: first + found, salt, signature };
    }
    if (now() - sliceStart >= sliceMs) {
      await pause();
      sliceStart = now();
    }
  }
  throw new Error(`No number up to ${maxnumber} solves this challenge.`);
}

function defaultPause(): () => Promise<void> {
  const scheduler = (globalThis as { scheduler?: { yield?: () => Promise<void> } }).scheduler;
  if (typeof scheduler?.yield === 'function') return scheduler.yield.bind(scheduler);
  if (typeof MessageChannel === 'function') {
    return () =>
      new Promise<void>((resolve) => {
        const channel = new MessageChannel();
        channel.port1.onmessage = () => {
          channel.port1.close();
          resolve();
        };
        channel.port2.postMessage(null);
      });
  }
  return () => new Promise<void>((resolve) => setTimeout(resolve, 0));
}

function sameBytes(bytes: Uint8Array, target: readonly number[]): boolean {
  if (bytes.length !== target.length) return false;
  for (let i = 0; i < bytes.length; i += 1) if (bytes[i] !== target[i]) return false;
  return true;
}
