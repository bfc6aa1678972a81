/**
 * Admission control for hellos (issue 19, reconnect storms). When a node restarts, every client of it comes back
 * within seconds, and each hello does a handful of database reads (conversation, ownership, presence, backlog, read
 * cursors, call). Served all at once, thousands of hellos interleave, each finishes only when nearly all do, and
 * clients whose welcome takes longer than their open timeout give up and retry — work done twice. Here at most
 * `concurrency` hellos do their work at a time, the rest wait in arrival order (first come, first welcomed), and
 * past `maxQueue` waiting a connection is told to come back later (`reconnect` with the wait below) instead of
 * queueing into its client's timeout.
 *
 * The wait a refused client is given paces the returns at the rate this node has been serving hellos: each refusal
 * takes the next free slot after the current queue has drained (a virtual clock moving 1/rate per refusal), plus
 * a little jitter, so a crowd of refused clients returns as a trickle the node can serve, not as a second storm.
 */
export interface AdmissionOptions {
  /** Hellos doing their work at once. */
  readonly concurrency?: number;
  /** Hellos waiting for a turn; past it, new ones are told to come back later. */
  readonly maxQueue?: number;
  /** The rate assumed (hellos per second) before any has been measured. */
  readonly initialRate?: number;
  readonly now?: () => number;
  readonly random?: () => number;
}

/** A hello's place: `admitted` resolves when it may do its work; `leave()` when it is done or its connection closed. */
export interface AdmissionTicket {
  /** true when the hello may do its work; false when it left the queue first (its connection closed while it waited). */
  readonly admitted: Promise<boolean>;
  /** Frees the slot (or leaves the queue, never to be admitted). Safe to call more than once. */
  leave(): void;
}

/**
 * Measured with bench/reconnect-storm.js (10,000 visitors, SQLite, the 2-core development machine): a node serves
 * roughly 1,000–2,000 hellos a second with its event loop saturated, each one's reads taking well under a
 * millisecond; 32 at once keep the database busy with no idle gap while the rest wait in order, and a queue of
 * 1,000 is about a second's work, well inside the client's 4 s open timeout.
 */
export const HELLO_CONCURRENCY = 32;
export const HELLO_QUEUE = 1000;
const INITIAL_RATE = 1000;
/** Spread of the jitter added to each paced wait, so clients given neighbouring slots do not land together. */
const JITTER_MS = 250;
/** A rate is measured over windows at least this long in which hellos were waiting (the node was the bottleneck). */
const RATE_WINDOW_MS = 500;

interface Waiter {
  readonly admit: (admitted: boolean) => void;
}

export class Admission {
  readonly concurrency: number;
  readonly maxQueue: number;
  private active = 0;
  /** Waiting hellos in arrival order: a Set iterates in insertion order and deletes in O(1) (a closed connection leaves). */
  private readonly queue = new Set<Waiter>();
  private readonly now: () => number;
  private readonly random: () => number;
  /** Hellos per second this node served while hellos were waiting. */
  private rate: number;
  private windowStart = 0;
  private windowServed = 0;
  /** The next free moment (ms) a refused client may be sent back to. */
  private horizon = 0;

  constructor(options: AdmissionOptions = {}) {
    this.concurrency = Math.max(1, options.concurrency ?? HELLO_CONCURRENCY);
    this.maxQueue = Math.max(0, options.maxQueue ?? HELLO_QUEUE);
    this.rate = options.initialRate ?? INITIAL_RATE;
    this.now = options.now ?? Date.now;
    this.random = options.random ?? Math.random;
  }

  /** Hellos doing their work now. */
  get running(): number {
    return this.active;
  }

  /** Hellos waiting for a turn. */
  get waiting(): number {
    return this.queue.size;
  }

  /** True when a new hello would be refused: a connection can be told to come back before any work is done for it. */
  get full(): boolean {
    return this.active >= this.concurrency && this.queue.size >= this.maxQueue;
  }

  /** A place for one hello, or undefined when the queue is full (then answer `reconnect` with `retryAfterMs()`). */
  enter(): AdmissionTicket | undefined {
    if (this.active < this.concurrency) {
      this.active += 1;
      return this.ticket(Promise.resolve(true), undefined);
    }
    if (this.queue.size >= this.maxQueue) return undefined;
    let admit: (admitted: boolean) => void = () => undefined;
    const admitted = new Promise<boolean>((resolve) => (admit = resolve));
    const waiter: Waiter = { admit };
    this.queue.add(waiter);
    if (this.queue.size === 1) this.startWindow();
    return this.ticket(admitted, waiter);
  }

  /**
   * How long a refused client should wait before its next try: after the queue has drained at the measured rate,
   * in the next free slot of that rate (every refusal takes one), plus jitter.
   */
  retryAfterMs(): number {
    const now = this.now();
    const slotMs = 1000 / this.rate;
    const drained = now + this.queue.size * slotMs;
    this.horizon = Math.max(this.horizon, drained) + slotMs;
    return Math.round(this.horizon - now + this.random() * JITTER_MS);
  }

  private ticket(admitted: Promise<boolean>, waiter: Waiter | undefined): AdmissionTicket {
    let left = false;
    return {
      admitted,
      leave: () => {
        if (left) return;
        left = true;
        // Still queued (its connection closed while waiting): it leaves the line and never takes a slot; whoever
        // awaits `admitted` learns it with false. Otherwise it holds one (admitted, even if its promise has not
        // been seen resolving yet): freed.
        if (waiter !== undefined && this.queue.delete(waiter)) return waiter.admit(false);
        this.release();
      },
    };
  }

  /** A slot is free: it goes to the longest-waiting hello, whose promise then resolves. */
  private release(): void {
    this.served();
    const next = this.queue.values().next();
    if (next.done === true) {
      this.active -= 1;
      return;
    }
    this.queue.delete(next.value);
    next.value.admit(true);
  }

  /** Counts a finished hello toward the rate, measured only while others were waiting (the node was saturated). */
  private served(): void {
    if (this.queue.size === 0) return;
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
