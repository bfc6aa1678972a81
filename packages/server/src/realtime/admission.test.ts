import { describe, expect, it } from 'vitest';
import { Admission, type AdmissionTicket } from './admission.js';

/** Lets every resolved admission run its continuation. */
const settle = (): Promise<void> => new Promise((resolve) => setImmediate(resolve));

/** Enters `count` hellos and records the order in which they are admitted. */
function crowd(admission: Admission, count: number): { tickets: AdmissionTicket[]; admitted: number[] } {
  const admitted: number[] = [];
  const tickets = Array.from({ length: count }, (_, index) => {
    const ticket = admission.enter();
    if (ticket === undefined) throw new Error(`hello ${index} was refused`);
    void ticket.admitted.then((yes) => yes && admitted.push(index));
    return ticket;
  });
  return { tickets, admitted };
}

describe('Admission', () => {
  it('lets at most `concurrency` hellos work at once and admits the next as each one leaves', async () => {
    const admission = new Admission({ concurrency: 3, perTurn: 100, maxQueue: 10 });
    const { tickets, admitted } = crowd(admission, 8);
    await settle();
    expect(admitted).toEqual([0, 1, 2]);
    expect(admission.running).toBe(3);
    expect(admission.waiting).toBe(5);
    tickets[1]!.leave();
    await settle();
    expect(admitted).toEqual([0, 1, 2, 3]);
    expect(admission.running).toBe(3);
    for (const ticket of tickets) ticket.leave();
    await settle();
    expect(admitted).toEqual([0, 1, 2, 3, 4, 5, 6, 7]);
    expect(admission.running).toBe(0);
    expect(admission.waiting).toBe(0);
  });

  it('admits waiting hellos in arrival order', async () => {
    const admission = new Admission({ concurrency: 1, maxQueue: 100 });
    const { tickets, admitted } = crowd(admission, 50);
    for (let index = 0; index < 50; index++) {
      await settle();
      expect(admitted.at(-1)).toBe(index);
      tickets[index]!.leave();
    }
    await settle();
    expect(admitted).toEqual(Array.from({ length: 50 }, (_, index) => index));
  });

  it('refuses a step once the queue is full: a new connect past all waiting steps, a hello past the waiting hellos', () => {
    const admission = new Admission({ concurrency: 2, maxQueue: 3 });
    crowd(admission, 4);
    expect(admission.enter('connect')).toBeDefined();
    expect(admission.waiting).toBe(3);
    expect(admission.enter('connect')).toBeUndefined();
    // A hello follows a connect already paid for: it still queues while fewer than maxQueue hellos wait.
    expect(admission.enter('hello')).toBeDefined();
    expect(admission.enter('hello')).toBeUndefined();
    expect(admission.running).toBe(2);
    expect(admission.waiting).toBe(4);
  });

  it('lets waiting hellos go before waiting connects, each kind in arrival order', async () => {
    const admission = new Admission({ concurrency: 1, maxQueue: 10 });
    const order: string[] = [];
    const tickets = new Map<string, AdmissionTicket>();
    for (const [name, step] of [
      ['c0', 'connect'],
      ['c1', 'connect'],
      ['h1', 'hello'],
      ['c2', 'connect'],
      ['h2', 'hello'],
    ] as const) {
      const ticket = admission.enter(step)!;
      void ticket.admitted.then((yes) => yes && order.push(name));
      tickets.set(name, ticket);
    }
    // One at a time: whoever is running finishes, and the next is admitted.
    for (let done = 0; done < 5; done++) {
      await settle();
      tickets.get(order.at(-1)!)!.leave();
    }
    await settle();
    expect(order).toEqual(['c0', 'h1', 'h2', 'c1', 'c2']);
  });

  it('drops a hello whose connection closed while it waited: it is never admitted and takes no slot', async () => {
    const admission = new Admission({ concurrency: 1, maxQueue: 10 });
    const { tickets, admitted } = crowd(admission, 4);
    const left = tickets[1]!.admitted;
    tickets[1]!.leave();
    await expect(left).resolves.toBe(false);
    tickets[2]!.leave();
    expect(admission.waiting).toBe(1);
    tickets[0]!.leave();
    await settle();
    expect(admitted).toEqual([0, 3]);
    expect(admission.running).toBe(1);
    tickets[3]!.leave();
    expect(admission.running).toBe(0);
  });

  it('frees a slot once however often its hello leaves', async () => {
    const admission = new Admission({ concurrency: 1, maxQueue: 10 });
    const { tickets, admitted } = crowd(admission, 3);
    tickets[0]!.leave();
    tickets[0]!.leave();
    await settle();
    expect(admitted).toEqual([0, 1]);
    expect(admission.running).toBe(1);
    expect(admission.waiting).toBe(1);
  });

  it('frees the slot of a hello that leaves right after being admitted, before it ran', async () => {
    const admission = new Admission({ concurrency: 1, perTurn: 100, maxQueue: 10 });
    const { tickets, admitted } = crowd(admission, 3);
    tickets[0]!.leave(); // admits 1 (its promise has not been seen resolving yet)
    tickets[1]!.leave();
    await settle();
    expect(admitted).toEqual([0, 1, 2]);
    expect(admission.running).toBe(1);
    expect(admission.waiting).toBe(0);
  });

  it('starts at most `perTurn` steps per turn of the event loop, even steps that end in the turn they began', async () => {
    // SQLite answers synchronously: a step may leave before the next socket is read, its slot free again at once.
    const admission = new Admission({ concurrency: 32, perTurn: 4, maxQueue: 100 });
    const admitted: number[] = [];
    const tickets: AdmissionTicket[] = [];
    for (let index = 0; index < 10; index++) {
      const ticket = admission.enter('connect')!;
      tickets.push(ticket);
      void ticket.admitted.then((yes) => {
        if (!yes) return;
        admitted.push(index);
        ticket.leave(); // done within the turn it was admitted in
      });
      // An immediate admission is already settled: its step runs (and leaves) before the next arrival.
      await Promise.resolve();
      await Promise.resolve();
    }
    expect(admitted).toEqual([0, 1, 2, 3]);
    expect(admission.waiting).toBe(6);
    await settle();
    expect(admitted).toEqual([0, 1, 2, 3, 4, 5, 6, 7]);
    await settle();
    expect(admitted).toEqual([0, 1, 2, 3, 4, 5, 6, 7, 8, 9]);
    expect(admission.running).toBe(0);
    expect(admission.waiting).toBe(0);
  });

  it('without a per-turn budget, steps that end at once all start in one turn (what the budget prevents)', async () => {
    const admission = new Admission({ concurrency: 32, perTurn: Infinity, maxQueue: 100 });
    const admitted: number[] = [];
    for (let index = 0; index < 10; index++) {
      const ticket = admission.enter('connect')!;
      void ticket.admitted.then((yes) => yes && (admitted.push(index), ticket.leave()));
      await Promise.resolve();
      await Promise.resolve();
    }
    expect(admitted).toHaveLength(10);
    expect(admission.waiting).toBe(0);
  });

  it('queues a connect only while the steps ahead of it should drain within maxWaitMs at the rate measured', () => {
    const admission = new Admission({ concurrency: 1, maxQueue: 10_000, maxWaitMs: 500, initialRate: 1000 });
    expect(admission.enter('connect')).toBeDefined(); // running
    // At 1,000 steps a second, 500 waiting steps take the 500 ms allowed.
    for (let index = 0; index < 500; index++) expect(admission.enter('connect')).toBeDefined();
    expect(admission.enter('connect')).toBeUndefined();
    // A hello follows a connect already paid for: its wait is not held against it.
    expect(admission.enter('hello')).toBeDefined();
    expect(admission.waiting).toBe(501);
  });

  it('sends refused clients back once the queue should have drained, spread over as long again', () => {
    let draw = 0;
    const admission = new Admission({ concurrency: 1, maxQueue: 2000, initialRate: 1000, random: () => draw });
    crowd(admission, 2001);
    // 2,000 waiting at 1,000/s drain in 2 s; the waits spread over the next 2 s.
    expect(admission.retryAfterMs()).toBe(2000);
    draw = 0.5;
    expect(admission.retryAfterMs()).toBe(3000);
    draw = 0.999;
    expect(admission.retryAfterMs()).toBe(3998);
  });

  it('never sends a client away for longer than 5 s: a longer queue spreads the waits over 2.5-5 s', () => {
    let draw = 0;
    const admission = new Admission({ concurrency: 1, maxQueue: 10_000, initialRate: 1000, random: () => draw });
    crowd(admission, 8001); // 8 s of waiting hellos at 1,000/s
    expect(admission.retryAfterMs()).toBe(2500);
    draw = 0.999;
    expect(admission.retryAfterMs()).toBe(4998);
  });

  it('spreads the waits over at least a second when the queue is short', () => {
    const admission = new Admission({ concurrency: 1, maxQueue: 0, initialRate: 1000, random: () => 0.999 });
    crowd(admission, 1);
    expect(admission.retryAfterMs()).toBe(999);
  });

  it('paces by the rate it measured while hellos were waiting', async () => {
    let now = 0;
    const admission = new Admission({ concurrency: 1, maxQueue: 1000, initialRate: 1000, now: () => now, random: () => 0 });
    const { tickets } = crowd(admission, 200);
    // 100 hellos served in one second while others waited: 100/s, smoothed with the assumed 1,000/s → 550/s.
    for (let index = 0; index < 100; index++) {
      now += 10;
      tickets[index]!.leave();
      await settle();
    }
    const slowerWait = admission.retryAfterMs();
    const fresh = new Admission({ concurrency: 1, maxQueue: 1000, initialRate: 1000, now: () => now, random: () => 0 });
    crowd(fresh, 101);
    expect(slowerWait).toBeGreaterThan(fresh.retryAfterMs());
  });
});
