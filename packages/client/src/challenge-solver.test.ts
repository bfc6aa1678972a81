import type { Challenge } from '@parley/protocol';
import { describe, expect, it } from 'vitest';
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

  it('pauses between batches sized to the slice, so the page keeps its turns however hard the challenge', async () => {
    const challenge = await challengeFor(4000);
    // A clock on which every digest costs 1 ms: a 20 ms slice holds about 20 digests.
    let clock = 0;
    let sinceLastPause = 0;
    const batches: number[] = [];
    const solution = await solveChallenge(challenge, {
      now: () => clock,
      digest: (data) => {
        clock += 1;
        sinceLastPause += 1;
        return crypto.subtle.digest('SHA-256', data);
      },
      pause: async () => {
        batches.push(sinceLastPause);
        sinceLastPause = 0;
      },
    });
    expect(solution.number).toBe(4000);
    expect(batches.length).toBeGreaterThan(100);
    expect(Math.max(...batches)).toBeLessThanOrEqual(20);
  });

  it('grows its batches when digests are quick, twofold at most and never past 512', async () => {
    const challenge = await challengeFor(4000);
    const batches: number[] = [];
    let count = 0;
    await solveChallenge(challenge, {
      now: () => 0,
      digest: (data) => {
        count += 1;
        return crypto.subtle.digest('SHA-256', data);
      },
      pause: async () => {
        batches.push(count);
        count = 0;
      },
    });
    expect(batches.slice(0, 7)).toEqual([16, 32, 64, 128, 256, 512, 512]);
  });

  it('refuses an algorithm other than SHA-256, and a challenge no number up to maxnumber solves', async () => {
    const challenge = await challengeFor(10, 5);
    await expect(solveChallenge(challenge)).rejects.toThrow('No number up to 5 solves this challenge.');
    // @ts-expect-error: a server of another version could send another algorithm.
    await expect(solveChallenge({ ...challenge, algorithm: 'SHA-512' })).rejects.toThrow('Cannot solve a SHA-512 challenge.');
  });
});
