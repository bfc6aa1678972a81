import type { Challenge } from '@parley/protocol';
import { describe, expect, it } from 'vitest';
import { AltchaSigner } from './altcha.js';
import { BASE_MAXNUMBER, ChallengeGate, levelFor, maxnumberFor, type AdmitInput } from './challenge-gate.js';
import { ChallengeRequired } from './challenge-required.js';
import type { ChallengeStore } from './challenge-store.js';
import { MemoryChallengeStore } from './memory-challenge-store.js';
import { solve } from './testing/solve.js';

const SECRET = 'test-secret-0123456789abcdefghijklmnopqrstuvwxyz';
const WIDGET = 'wgt_01JTESTTESTTESTTESTTESTTE';
/** Small enough for a plain-JS solver; the production base is BASE_MAXNUMBER. */
const BASE = 500;

function setup(store: ChallengeStore = new MemoryChallengeStore()) {
  const clock = { now: Date.parse('2026-12-06T12:00:00Z') };
  const warnings: string[] = [];
  const gate = new ChallengeGate({
    signer: new AltchaSigner(SECRET, () => clock.now),
    store,
    log: { warn: (_, message) => warnings.push(message) },
    now: () => clock.now,
    baseMaxnumber: BASE,
  });
  const input = (over: Partial<AdmitInput> = {}): AdmitInput => ({
    widgetId: WIDGET,
    settings: { threshold: 3, withoutPageLoad: 100 },
    address: '203.0.113.7',
    solution: undefined,
    ...over,
  });
  /** The challenge a refused admission carried. */
  const refused = async (over: Partial<AdmitInput> = {}): Promise<ChallengeRequired> => {
    const error = await gate.admit(input(over)).then(
      () => undefined,
      (thrown: unknown) => thrown,
    );
    if (!(error instanceof ChallengeRequired)) throw new Error(`expected a ChallengeRequired, got ${String(error)}`);
    return error;
  };
  return { gate, clock, input, refused, warnings };
}

async function admitTimes(gate: ChallengeGate, input: AdmitInput, times: number): Promise<void> {
  for (let i = 0; i < times; i += 1) await gate.admit(input);
}

describe('ChallengeGate', () => {
  it('asks nothing up to the threshold, then a challenge of each new session from that address', async () => {
    const { gate, input, refused } = setup();
    await admitTimes(gate, input(), 3);
    const error = await refused();
    expect(error.status).toBe(428);
    expect(error.code).toBe('PARLEY_ERR_CHALLENGE_REQUIRED');
    expect(error.message).toContain('4 new sessions in ten minutes came from this address (threshold 3)');
    expect(error.challenge.maxnumber).toBe(BASE);
    // Another address behind its own threshold is not touched.
    await gate.admit(input({ address: '198.51.100.1' }));
  });

  it('admits a session with a solved challenge, and counts it once (the refused try did not count)', async () => {
    const { gate, input, refused } = setup();
    await admitTimes(gate, input(), 3);
    const { challenge } = await refused();
    await gate.admit(input({ solution: solve(challenge) }));
    // Five sessions asked for, four admitted: the fifth is at 5 > 3, and 5 < 2 × 3 keeps level 1.
    expect((await refused()).challenge.maxnumber).toBe(BASE);
  });

  it('refuses a solution used twice (a replay) with a new challenge', async () => {
    const { gate, input, refused } = setup();
    await admitTimes(gate, input(), 3);
    const solution = solve((await refused()).challenge);
    await gate.admit(input({ solution }));
    const replay = await refused({ solution });
    expect(replay.message).toContain('The solution sent was refused (replayed)');
    expect(replay.challenge.challenge).not.toBe(solution.challenge);
  });

  it('refuses an expired solution, a wrong number, a forged signature and another widget’s challenge', async () => {
    const { gate, input, refused, clock } = setup();
    await admitTimes(gate, input(), 3);
    const solution = solve((await refused()).challenge);
    expect((await refused({ solution: { ...solution, number: solution.number + 1 } })).message).toContain('(wrong-number)');
    expect((await refused({ solution: { ...solution, signature: '0'.repeat(64) } })).message).toContain('(signature)');
    const other = solve(await gate.issue('wgt_other', {}, '203.0.113.7'));
    expect((await refused({ solution: other })).message).toContain('(other-widget)');
    clock.now += 5 * 60_000 + 1000;
    expect((await refused({ solution })).message).toContain('(expired)');
  });

  it('makes the challenge harder as the address goes further over its threshold', async () => {
    const { gate, input, refused } = setup();
    const seen: number[] = [];
    for (let session = 1; session <= 30; session += 1) {
      const error = await gate.admit(input()).then(
        () => undefined,
        (thrown: unknown) => (thrown instanceof ChallengeRequired ? thrown : undefined),
      );
      if (error !== undefined) {
        seen.push(error.challenge.maxnumber);
        await gate.admit(input({ solution: solve(error.challenge) }));
      }
    }
    expect(seen).toHaveLength(27);
    expect(seen[0]).toBe(maxnumberFor(1, BASE));
    expect(seen.at(-1)).toBe(maxnumberFor(4, BASE));
    expect([...seen].sort((a, b) => a - b)).toEqual(seen);
    expect((await refused()).challenge.maxnumber).toBe(maxnumberFor(4, BASE));
  });

  it('challenges sessions from an address that loaded no config of the widget after their own, lower threshold', async () => {
    const { gate, input, refused } = setup();
    const settings = { threshold: 100, withoutPageLoad: 1 };
    await gate.admit(input({ settings }));
    expect((await refused({ settings })).message).toContain('without loading the widget first (threshold 1)');
    // A page load from that address vouches for it.
    gate.sawPageLoad(WIDGET, '203.0.113.7');
    await new Promise((resolve) => setImmediate(resolve));
    await admitTimes(gate, input({ settings }), 5);
  });

  it('never asks a loopback peer (an undeclared local proxy would make every visitor one address)', async () => {
    const { gate, input } = setup();
    const settings = { threshold: 0, withoutPageLoad: 0 };
    for (const address of ['127.0.0.1', '::1', '::ffff:127.0.0.1']) await admitTimes(gate, input({ settings, address }), 5);
  });

  it('asks nothing when the widget turned challenges off', async () => {
    const { gate, input } = setup();
    await admitTimes(gate, input({ settings: { enabled: false, threshold: 0, withoutPageLoad: 0 } }), 10);
  });

  it('counts an IPv6 /64 as one address, and an IPv4-mapped address as its IPv4 self', async () => {
    const { gate, input, refused } = setup();
    await gate.admit(input({ address: '2001:db8:1:2::a' }));
    await gate.admit(input({ address: '2001:db8:1:2:ffff::b' }));
    await gate.admit(input({ address: '2001:db8:1:2::c' }));
    await refused({ address: '2001:db8:1:2::d' });
    await admitTimes(gate, input({ address: '192.0.2.9' }), 3);
    await refused({ address: '::ffff:192.0.2.9' });
  });

  it('issues a challenge at the address’s level (at least 1) without counting a session', async () => {
    const { gate, input } = setup();
    const first: Challenge = await gate.issue(WIDGET, { threshold: 3 }, '203.0.113.7');
    expect(first.maxnumber).toBe(maxnumberFor(1, BASE));
    await admitTimes(gate, input(), 3);
  });

  it('bounds its recorded page loads by forgetting the one recorded longest ago, never all of them at once', async () => {
    const writes: string[] = [];
    const store = new MemoryChallengeStore();
    const remember = store.remember.bind(store);
    store.remember = (key, ttlMs) => {
      writes.push(key.split(':').at(-1) ?? key);
      return remember(key, ttlMs);
    };
    const clock = { now: 0 };
    const gate = new ChallengeGate({
      signer: new AltchaSigner(SECRET),
      store,
      log: { warn: () => {} },
      now: () => clock.now,
      recentLoadsMax: 3,
    });
    for (const address of ['192.0.2.1', '192.0.2.2', '192.0.2.3']) gate.sawPageLoad(WIDGET, address);
    // Seen again within five minutes: not written again.
    for (const address of ['192.0.2.1', '192.0.2.2', '192.0.2.3']) gate.sawPageLoad(WIDGET, address);
    expect(writes).toEqual(['192.0.2.1', '192.0.2.2', '192.0.2.3']);
    // A fourth address makes room by forgetting the first one only: the other two are still known.
    gate.sawPageLoad(WIDGET, '192.0.2.4');
    gate.sawPageLoad(WIDGET, '192.0.2.2');
    gate.sawPageLoad(WIDGET, '192.0.2.3');
    gate.sawPageLoad(WIDGET, '192.0.2.1');
    expect(writes).toEqual(['192.0.2.1', '192.0.2.2', '192.0.2.3', '192.0.2.4', '192.0.2.1']);
    // A load recorded again after the refresh interval moves to the end: the oldest recorded goes first.
    clock.now += 5 * 60_000;
    gate.sawPageLoad(WIDGET, '192.0.2.3');
    gate.sawPageLoad(WIDGET, '192.0.2.5');
    gate.sawPageLoad(WIDGET, '192.0.2.3');
    expect(writes.slice(5)).toEqual(['192.0.2.3', '192.0.2.5']);
  });

  it('lets sessions through, and says so once, while its store fails', async () => {
    const failing: ChallengeStore = {
      add: () => Promise.reject(new Error('redis away')),
      spend: () => Promise.reject(new Error('redis away')),
      remember: () => Promise.reject(new Error('redis away')),
      remembers: () => Promise.reject(new Error('redis away')),
      close: () => Promise.resolve(),
    };
    const { gate, input, warnings } = setup(failing);
    await admitTimes(gate, input({ settings: { threshold: 0, withoutPageLoad: 0 } }), 5);
    expect(warnings).toEqual(['challenge store unavailable: new sessions are let through without a challenge']);
  });
});

describe('maxnumberFor', () => {
  it('starts at BASE_MAXNUMBER and multiplies by 4 per level, capped at level 4', () => {
    expect([0, 1, 2, 3, 4, 9].map((level) => maxnumberFor(level))).toEqual([1, 1, 4, 16, 64, 64].map((f) => f * BASE_MAXNUMBER));
  });
});

describe('levelFor', () => {
  it('is 0 at or below the threshold, then grows by one each time the count doubles, up to 4', () => {
    expect([20, 21, 39, 40, 80, 160, 10_000].map((count) => levelFor(count, 20))).toEqual([0, 1, 1, 2, 3, 4, 4]);
    expect([0, 1, 2, 4, 8].map((count) => levelFor(count, 0))).toEqual([0, 1, 2, 3, 4]);
  });
});
