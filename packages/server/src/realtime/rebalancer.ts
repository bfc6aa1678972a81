import { CLOSE_CODES, type ServerFrame } from '@parley/protocol';

/** An open realtime connection of this node, as a rebalance sees it. */
export interface Sheddable {
  readonly closed: boolean;
  send(frame: ServerFrame): void;
  close(code: number, reason: string): void;
}

export interface RebalanceLog {
  info(details: Record<string, unknown>, message: string): void;
}

const REASON = 'rebalancing';

/**
 * Connections per second a draining node sends back (to the survivors, or to itself restarted): a node serves
 * ~1,000–2,000 reconnects a second with its CPU saturated (bench/reconnect-storm.js, 10,000 visitors on SQLite),
 * so a drained crowd spread at this pace lands on one node no faster than it can welcome them, and on several as
 * a fraction of that each.
 */
export const DRAIN_PACE_PER_SECOND = 2000;
/** The longest a drained client is told to wait, however many there are: a shutdown is not a reason to vanish. */
export const DRAIN_SPREAD_MAX_MS = 10_000;

/** A drained connection's wait: uniform over a spread of `count / DRAIN_PACE_PER_SECOND` seconds (at most DRAIN_SPREAD_MAX_MS). */
export function drainWaitMs(count: number, random: () => number = Math.random): number {
  const spreadMs = Math.min(DRAIN_SPREAD_MAX_MS, (count / DRAIN_PACE_PER_SECOND) * 1000);
  return Math.floor(random() * spreadMs);
}

/**
 * Sheds this node's realtime connections on request (SIGUSR2, `POST /v1/admin/rebalance`), spread
 * over a number of seconds. After a failover the clients of the dead node all reconnect to the
 * survivors and stay there; shedding them one by one, each told to reconnect at once, lets the load
 * balancer spread them over every node again, in a trickle rather than a storm. Unlike shutdown, the
 * node keeps serving and accepting connections meanwhile (some clients land here again; that is fine),
 * and a client resumes from its last seq, so nothing is lost.
 */
export class Rebalancer {
  private source: () => Iterable<Sheddable> = () => [];
  private readonly pending = new Map<Sheddable, NodeJS.Timeout>();

  constructor(
    private readonly log: RebalanceLog,
    private readonly random: () => number = Math.random,
  ) {}

  /** The gateway hands over its open sessions (it is built inside its plugin, after this). */
  attach(source: () => Iterable<Sheddable>): void {
    this.source = source;
  }

  /**
   * Schedules every connection open now (and not already scheduled) to be shed within `spreadMs`;
   * connections opened after this call stay. Returns how many were scheduled.
   */
  start(spreadMs: number): number {
    const sessions = shuffled(
      [...this.source()].filter((session) => !session.closed && !this.pending.has(session)),
      this.random,
    );
    sessions.forEach((session, index) => {
      // The k-th of n leaves at a random moment of the k-th n-th of the spread: evenly spread, never in lockstep.
      const at = ((index + this.random()) / sessions.length) * spreadMs;
      const timer = setTimeout(() => this.shed(session), at);
      timer.unref();
      this.pending.set(session, timer);
    });
    this.log.info({ connections: sessions.length, spreadMs }, 'rebalancing: shedding realtime connections, each told to reconnect');
    return sessions.length;
  }

  /** Shutdown closes every connection at once: the sheds still scheduled have nothing left to do. */
  stop(): void {
    for (const timer of this.pending.values()) clearTimeout(timer);
    this.pending.clear();
  }

  private shed(session: Sheddable): void {
    this.pending.delete(session);
    if (!session.closed) sendAway(session, REASON);
    if (this.pending.size === 0) this.log.info({}, 'rebalancing done: every connection open at its start was shed');
  }
}

/**
 * Tells the client to reconnect — at once, or after `afterMs` — and closes the connection. It resumes from its last
 * seq on whichever node it lands.
 */
export function sendAway(session: Sheddable, reason: string, afterMs = 0): void {
  session.send({ type: 'reconnect', afterMs, reason });
  session.close(CLOSE_CODES.SERVER_RESTART.code, reason);
}

function shuffled<T>(items: readonly T[], random: () => number): T[] {
  return items
    .map((item) => ({ item, key: random() }))
    .sort((a, b) => a.key - b.key)
    .map(({ item }) => item);
}
