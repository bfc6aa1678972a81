import type { ServerFrame } from '@parley/protocol';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { Rebalancer, type Sheddable } from './rebalancer.js';

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
