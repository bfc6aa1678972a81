/**
 * Admission control for reconnects (issue 19, reconnect storms). When a node restarts, every client of it comes back
 * within seconds, and each does database work twice: its connect is authenticated (token, widget, conversation,
 * blocks), then its hello reads the conversation, ownership, presence, backlog, read cursors and call. Served all at
 * once, thousands of them interleave, each finishes only when nearly all do, and clients whose welcome takes longer
 * than their open timeout give up and retry — work done twice. Here at most `concurrency` of these steps run at a
 * time and the rest wait in arrival order, a hello (whose connect was already paid for) before any new connect; past
 * what the node can serve within `maxWaitMs` at the rate it measured (or `maxQueue` steps), a new connect is told to
 * come back later (`reconnect` with the wait below) instead of queueing into its client's open timeout.
 *
 * At most `concurrency` steps also *start* per turn of the event loop. A step's reads are SQLite's, answered
 * synchronously, so a step often ends in the same turn it began, its slot free again for the next arrival: bounded by
 * concurrency alone, one poll phase that found thousands of sockets readable ran thousands of steps back to back (seen
 * in the storm bench: the event loop held for 3.3 s, no connection accepted, 2,700 handshakes dropped by the full
 * listen queue, their clients back 11-12 s later). With the per-turn budget the rest wait in line, and the loop
 * accepts, reads and runs timers between batches.
 *
 * The wait a refused client is given starts when the current queue should have drained, at the rate this node has
 * been welcoming clients, and is spread uniformly over as long again (at least a second, at most 5 s in all), so refused clients come
 * back as a trickle over the time the node needs, not as a second storm, and the node is not left idle meanwhile.
 * (A stricter pacing, each refusal taking the next free slot of that rate, was measured first: returning clients
 * refused again pushed the slots ever later, and the node sat half idle for seconds while they waited.)
 */
export interface AdmissionOptions {
  /** Steps (connects being authenticated, hellos doing their reads) running at once. */
  readonly concurrency?: number;
  /** Steps started per turn of the event loop (default: `concurrency`). */
  readonly perTurn?: number;
  /** Steps waiting for a turn; past it, new connects (and hellos not preceded by one) are told to come back later. */
  readonly maxQueue?: number;
  /**
   * The longest a new connect may expect to wait, at the rate measured: past it, it is told to come back later
   * rather than queued into its client's open timeout (4 s in @parley/client).
   */
  readonly maxWaitMs?: number;
  /** The rate assumed (welcomes per second) before any has been measured. */
  readonly initialRate?: number;
  readonly now?: () => number;
  readonly random?: () => number;
}

/** A step's place: `admitted` resolves when it may do its work; `leave()` when it is done or its connection closed. */
export interface AdmissionTicket {
  /** true when the step may do its work; false when it left the queue first (its connection closed while it waited). */
  readonly admitted: Promise<boolean>;
  /** Frees the slot (or leaves the queue, never to be admitted). Safe to call more than once. */
  leave(): void;
}

/** `connect`: a WebSocket upgrade about to be authenticated; `hello`: a session's welcome and backlog. */
export type AdmissionStep = 'connect' | 'hello';

/**
 * Measured with bench/reconnect-storm.js (10,000 visitors, SQLite, the 2-core development machine): a node welcomes
 * roughly 2,000 reconnecting clients a second with its event loop saturated (≈ 0.5 ms of CPU each,
 * bench/reconnect-cost.js, 8 Dec 2026; 1,000-1,400 at 0.7-0.9 ms before); 32 steps at once keep the database busy with
 * no idle gap while the rest wait in order. A connect is queued while the queue ahead
 * of it should drain within 2.5 s at the rate measured, inside the client's 4 s open timeout (a connect waits before
 * its handshake is answered); past that it is told when to come back. ADMISSION_QUEUE only caps the memory the queue
 * may hold.
 */
export const ADMISSION_CONCURRENCY = 32;
export const ADMISSION_QUEUE = 10_000;
export const ADMISSION_MAX_WAIT_MS = 2_500;
/**
 * The rate assumed until a first window was measured: the storm's first half-second decides whom to queue. Assumed at
 * 1,000/s, half of what the node served, it refused 100-1,500 clients a round (a handshake each, and a wait of up to 5 s
 * that left the node idle at the end); at 2,000, none in four A/B rounds, all caught up 3.9-5.1 s against 5.6-6.4.
 * A slower node measures its own rate within RATE_WINDOW_MS and refuses from there.
 */
const INITIAL_RATE = 2000;
/** The shortest spread of the waits handed out, so clients refused together do not return together. */
const MIN_SPREAD_MS = 1000;
/**
 * The longest wait handed out, as long as the client's own cap for a lost link (@parley/client LOST_CAP_MS). A queue
 * estimated longer (hellos waiting at a rate measured low) sent clients away for 8-9 s, and the node sat idle while
 * they waited (storm bench); one that comes back too soon is only told again.
 */
const MAX_RETRY_AFTER_MS = 5000;
/** A rate is measured over windows at least this long in which steps were waiting (the node was the bottleneck). */
const RATE_WINDOW_MS = 500;

interface Waiter {
  readonly admit: (admitted: boolean) => void;
}

export class Admission {
  readonly concurrency: number;
  readonly perTurn: number;
  readonly maxQueue: number;
  readonly maxWaitMs: number;
  private active = 0;
  /** Steps started since the turn began (reset by `nextTurn`, on the event loop's check phase). */
  private startedThisTurn = 0;
  private turnScheduled = false;
  /**
   * Waiting steps in arrival order, hellos apart so they go first: a Set iterates in insertion order and deletes
   * in O(1) (a closed connection leaves).
   */
  private readonly queues: Readonly<Record<AdmissionStep, Set<Waiter>>> = { hello: new Set(), connect: new Set() };
  private readonly now: () => number;
  private readonly random: () => number;
  /** Hellos per second this node served while steps were waiting. */
  private rate: number;
  private windowStart = 0;
  private windowServed = 0;

  constructor(options: AdmissionOptions = {}) {
    this.concurrency = Math.max(1, options.concurrency ?? ADMISSION_CONCURRENCY);
    this.perTurn = Math.max(1, options.perTurn ?? this.concurrency);
    this.maxQueue = Math.max(0, options.maxQueue ?? ADMISSION_QUEUE);
    this.maxWaitMs = options.maxWaitMs ?? ADMISSION_MAX_WAIT_MS;
    this.rate = options.initialRate ?? INITIAL_RATE;
    this.now = options.now ?? Date.now;
    this.random = options.random ?? Math.random;
  }

  /** Steps doing their work now. */
  get running(): number {
    return this.active;
  }

  /** Steps waiting for a turn. */
  get waiting(): number {
    return this.queues.hello.size + this.queues.connect.size;
  }

  /**
   * A place for one step, or undefined when it should not wait (then answer `reconnect` with `retryAfterMs()`): a
   * connect once the steps waiting would take more than `maxWaitMs` (or `maxQueue` steps wait); a hello once
   * `maxQueue` hellos wait (a WebSocket's hello follows its admitted connect, so in practice only SSE and poll hellos,
   * which have no connect step, are ever refused).
   */
  enter(step: AdmissionStep = 'hello'): AdmissionTicket | undefined {
    if (this.active < this.concurrency && this.waiting === 0 && !this.turnSpent) {
      this.active += 1;
      this.started();
      return this.ticket(Promise.resolve(true), undefined, step);
    }
    if (
      step === 'connect'
        ? this.waiting >= this.maxQueue || this.drainMs(this.waiting + 1) > this.maxWaitMs
        : this.queues.hello.size >= this.maxQueue
    )
      return undefined;
    let admit: (admitted: boolean) => void = () => undefined;
    const admitted = new Promise<boolean>((resolve) => (admit = resolve));
    const waiter: Waiter = { admit };
    if (this.waiting === 0) this.startWindow();
    this.queues[step].add(waiter);
    // Waiting behind a spent turn rather than a full house: the next turn admits it (nothing may be running to leave).
    if (this.active < this.concurrency) this.scheduleTurn();
    return this.ticket(admitted, waiter, step);
  }

  /**
   * How long a refused client should wait before its next try: until the queue has drained at the measured rate,
   * plus a uniform share of as long again (at least MIN_SPREAD_MS); never more than MAX_RETRY_AFTER_MS.
   */
  retryAfterMs(): number {
    const drainMs = this.drainMs(this.waiting);
    const from = Math.min(drainMs, MAX_RETRY_AFTER_MS / 2);
    return Math.round(from + this.random() * Math.min(Math.max(MIN_SPREAD_MS, drainMs), MAX_RETRY_AFTER_MS - from));
  }

  /** How long `steps` waiting steps take to drain at the measured rate. */
  private drainMs(steps: number): number {
    // A waiting connect becomes a hello: the queue drains at about the rate of hellos, counting both.
    return (steps * 1000) / this.rate;
  }

  private ticket(admitted: Promise<boolean>, waiter: Waiter | undefined, step: AdmissionStep): AdmissionTicket {
    let left = false;
    return {
      admitted,
      leave: () => {
        if (left) return;
        left = true;
        // Still queued (its connection closed while waiting): it leaves the line and never takes a slot; whoever
        // awaits `admitted` learns it with false. Otherwise it holds one (admitted, even if its promise has not
        // been seen resolving yet): freed.
        if (waiter !== undefined && this.queues[step].delete(waiter)) return waiter.admit(false);
        this.release(step);
      },
    };
  }

  /**
   * A slot is free: it goes to the longest-waiting hello, else the longest-waiting connect, admitted on the next turn
   * of the event loop. Not at once: SQLite answers synchronously, so a step admitted inside the previous one's promise
   * chain would run its reads in the same microtask drain, and with a long queue the event loop would not accept a
   * connection nor read a socket for seconds — clients then time out while connecting (seen in the storm bench: 4 s
   * open timeouts while the queue drained). The step stays counted as active while it waits for that turn.
   */
  private release(step: AdmissionStep): void {
    if (step === 'hello') this.served();
    if (this.turnSpent) {
      // This turn's budget is spent: the slot waits for the next turn, which admits whoever is first then.
      this.active -= 1;
      if (this.waiting > 0) this.scheduleTurn();
      return;
    }
    const next = this.startNext();
    if (next === undefined) {
      this.active -= 1;
      return;
    }
    setImmediate(next.admit, true);
  }

  /** The longest-waiting hello, else the longest-waiting connect, out of the line and counted as started this turn. */
  private startNext(): Waiter | undefined {
    const next = this.queues.hello.values().next().value ?? this.queues.connect.values().next().value;
    if (next === undefined) return undefined;
    if (!this.queues.hello.delete(next)) this.queues.connect.delete(next);
    this.started();
    return next;
  }

  private get turnSpent(): boolean {
    return this.startedThisTurn >= this.perTurn;
  }

  private started(): void {
    this.startedThisTurn += 1;
    this.scheduleTurn();
  }

  private scheduleTurn(): void {
    if (this.turnScheduled) return;
    this.turnScheduled = true;
    setImmediate(this.nextTurn);
  }

  /** A new turn of the event loop: a fresh budget, spent first on free slots whose waiters a spent turn held back. */
  private readonly nextTurn = (): void => {
    this.turnScheduled = false;
    this.startedThisTurn = 0;
    while (this.active < this.concurrency && !this.turnSpent) {
      const next = this.startNext();
      if (next === undefined) return;
      this.active += 1;
      next.admit(true);
    }
  };

  /** Counts a finished hello toward the rate, measured only while others were waiting (the node was saturated). */
  private served(): void {
    // An idle spell is no part of the rate: the next window starts when steps wait again.
    if (this.waiting === 0) return this.startWindow();
    this.windowServed += 1;
    const elapsed = this.now() - this.windowStart;
    if (elapsed < RATE_WINDOW_MS) return;
    const measured = (this.windowServed * 1000) / elapsed;
    // Smoothed: one window of a slow or fast burst does not swing the pacing.
    this.rate = Math.max(1, 0.5 * this.rate + 0.5 * measured);
    this.startWindow();
  }

  private startWindow(): void {
    this.windowStart = this.now();
    this.windowServed = 0;
  }
}
