import type { Challenge } from '@parley/protocol';
import { describe, expect, it } from 'vitest';
import { challengeDigest } from './challenge-digest.js';
import { solveChallenge } from './challenge-solver.js';

async function sha256Hex(text: string): Promise<string> {
  const hash = await crypto.subtle.digest('SHA-256', new TextEncoder().encode(text));
  return [...new Uint8Array(hash)].map((byte) => byte.toString(16).padStart(2, '0')).join('');
}

/** A challenge as the server makes it (the signature is only carried along by the solver). */
async function challengeFor(number: number, maxnumber = 5000): Promise<Challenge> {
  const salt = `0123456789abcdef01234567?wid=wgt_1&expires=${Math.floor(Date.now() / 1000) + 300}&`;
  return { algorithm: 'SHA-256', challenge: await sha256Hex(salt + number), maxnumber, salt, signature: 'f'.repeat(64) };
}

describe('solveChallenge', () => {
  it('finds the number whose SHA-256 with the salt is the challenge, and hands the rest back unchanged', async () => {
    const challenge = await challengeFor(3217);
    const solution = await solveChallenge(challenge);
    expect(solution).toEqual({ ...challenge, number: 3217, maxnumber: undefined });
    expect(await sha256Hex(solution.salt + solution.number)).toBe(challenge.challenge);
  });

  it('ends each slice by the clock, read after every digest, and gives the page its turn before the next', async () => {
    const challenge = await challengeFor(4000);
    // A clock on which every digest costs 1 ms: an 8 ms slice holds 8 digests.
    let clock = 0;
    let digests = 0;
    const slices: { digests: number; ms: number }[] = [];
    let sliceStart = 0;
    const solution = await solveChallenge(challenge, {
      now: () => clock,
      sliceMs: 8,
      digest: (data) => {
        clock += 1;
        digests += 1;
        return crypto.subtle.digest('SHA-256', data);
      },
      pause: async () => {
        slices.push({ digests, ms: clock - sliceStart });
        digests = 0;
        sliceStart = clock;
      },
    });
    expect(solution.number).toBe(4000);
    expect(slices.length).toBe(Math.floor(4001 / 8));
    expect(slices.every((slice) => slice.digests === 8 && slice.ms === 8)).toBe(true);
  });

  it('ends a slice right after a digest that overran it, and runs quick digests in groups without pausing', async () => {
    const challenge = await challengeFor(300);
    let clock = 0;
    let digests = 0;
    const slices: number[] = [];
    await solveChallenge(challenge, {
      now: () => clock,
      // The fifth digest stalls for 30 ms (a busy page); the others take no time on this clock.
      digest: (data) => {
        digests += 1;
        if (digests === 5) clock += 30;
        return crypto.subtle.digest('SHA-256', data);
      },
      pause: async () => {
        slices.push(digests);
      },
    });
    // Paused once, after the stalled digest; nothing else ever reached the 8 ms default.
    expect(slices).toEqual([5]);
  });

  it('defaults to a pure-JS SHA-256 where the page has no crypto.subtle (plain http), and solves with it', async () => {
    const challenge = await challengeFor(1234);
    const solution = await solveChallenge(challenge, { digest: challengeDigest(undefined) });
    expect(solution.number).toBe(1234);
  });

  it('refuses an algorithm other than SHA-256, and a challenge no number up to maxnumber solves', async () => {
    const challenge = await challengeFor(10, 5);
    await expect(solveChallenge(challenge)).rejects.toThrow('No number up to 5 solves this challenge.');
    // @ts-expect-error: a server of another version could send another algorithm.
    await expect(solveChallenge({ ...challenge, algorithm: 'SHA-512' })).rejects.toThrow('Cannot solve a SHA-512 challenge.');
  });
});
