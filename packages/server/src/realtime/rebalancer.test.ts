import type { ServerFrame } from '@parley/protocol';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { DRAIN_PACE_PER_SECOND, DRAIN_SPREAD_MAX_MS, drainWaitMs, Rebalancer, type Sheddable } from './rebalancer.js';

class FakeSession implements Sheddable {
  closed = false;
  readonly frames: ServerFrame[] = [];
  closedWith: { code: number; at: number } | null = null;
  send(frame: ServerFrame): void {
    this.frames.push(frame);
  }
  close(code: number): void {
    if (this.closed) return;
    this.closed = true;
    this.closedWith = { code, at: Date.now() };
  }
}

describe('Rebalancer', () => {
  beforeEach(() => {
    vi.useFakeTimers();
  });
  afterEach(() => {
    vi.useRealTimers();
  });
  const log = { info: vi.fn() };

  it('tells every open connection to reconnect, one after another over the whole spread', () => {
    const sessions = Array.from({ length: 100 }, () => new FakeSession());
    const rebalancer = new Rebalancer(log);
    rebalancer.attach(() => sessions);
    const start = Date.now();
    expect(rebalancer.start(10_000)).toBe(100);
    vi.advanceTimersByTime(5_000);
    const halfway = sessions.filter((session) => session.closed).length;
    expect(halfway).toBeGreaterThanOrEqual(49);
    expect(halfway).toBeLessThanOrEqual(51);
    vi.advanceTimersByTime(5_000);
    for (const session of sessions) {
      expect(session.frames).toEqual([{ type: 'reconnect', afterMs: 0, reason: 'rebalancing' }]);
      expect(session.closedWith?.code).toBe(4000);
    }
    // Each tenth of the spread sheds about a tenth of the connections.
    const tenth = (session: FakeSession): number => Math.min(9, Math.floor(((session.closedWith?.at ?? 0) - start) / 1_000));
    for (let k = 0; k < 10; k++) expect(sessions.filter((session) => tenth(session) === k)).toHaveLength(10);
  });

  it('leaves connections opened after the request, and those that closed by themselves, alone', () => {
    const sessions = [new FakeSession(), new FakeSession()];
    const rebalancer = new Rebalancer(log);
    rebalancer.attach(() => sessions);
    rebalancer.start(1_000);
    const late = new FakeSession();
    sessions.push(late);
    sessions[0]?.close(1000);
    vi.advanceTimersByTime(1_000);
    expect(sessions[0]?.frames).toEqual([]);
    expect(sessions[1]?.closedWith?.code).toBe(4000);
    expect(late.closed).toBe(false);
  });

  it('does not schedule a connection twice when asked again, and stops when the node shuts down', () => {
    const sessions = [new FakeSession(), new FakeSession(), new FakeSession()];
    const rebalancer = new Rebalancer(log);
    rebalancer.attach(() => sessions);
    expect(rebalancer.start(60_000)).toBe(3);
    expect(rebalancer.start(60_000)).toBe(0);
    rebalancer.stop();
    vi.advanceTimersByTime(60_000);
    expect(sessions.every((session) => !session.closed)).toBe(true);
  });

  it('sheds everything at once with a spread of 0', () => {
    const sessions = [new FakeSession(), new FakeSession()];
    const rebalancer = new Rebalancer(log);
    rebalancer.attach(() => sessions);
    rebalancer.start(0);
    vi.advanceTimersByTime(0);
    expect(sessions.every((session) => session.closed)).toBe(true);
  });
});

describe('drainWaitMs (the waits a draining node hands out)', () => {
  it('spreads the waits uniformly over count / DRAIN_PACE_PER_SECOND seconds', () => {
    const count = 10_000;
    const spread = (count / DRAIN_PACE_PER_SECOND) * 1000;
    let seed = 1;
    // A small deterministic generator: the spread's shape, not Math.random's luck.
    const random = (): number => ((seed = (seed * 48_271) % 2_147_483_647) - 1) / 2_147_483_646;
    const waits = Array.from({ length: count }, () => drainWaitMs(count, random));
    expect(Math.min(...waits)).toBeGreaterThanOrEqual(0);
    expect(Math.max(...waits)).toBeLessThan(spread);
    // Each tenth of the spread gets about a tenth of the clients: no bunching at the start or the end.
    const tenths = Array.from({ length: 10 }, (_, tenth) => waits.filter((w) => Math.floor(w / (spread / 10)) === tenth).length);
    for (const share of tenths) expect(Math.abs(share - count / 10)).toBeLessThan(count / 40);
  });

  it('never asks a client to wait longer than DRAIN_SPREAD_MAX_MS, however many there are', () => {
    expect(drainWaitMs(10_000_000, () => 0.999_999)).toBeLessThan(DRAIN_SPREAD_MAX_MS);
    expect(drainWaitMs(10_000_000, () => 0.999_999)).toBeGreaterThan(DRAIN_SPREAD_MAX_MS - 20);
  });

  it('sends a lone connection back at once', () => {
    expect(drainWaitMs(1, () => 0.999)).toBe(0);
  });
});
