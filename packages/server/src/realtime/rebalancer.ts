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

/** Tells the client to reconnect at once (it resumes from its last seq, on whichever node it lands) and closes the connection. */
export function sendAway(session: Sheddable, reason: string): void {
  session.send({ type: 'reconnect', afterMs: 0, reason });
  session.close(CLOSE_CODES.SERVER_RESTART.code, reason);
}

function shuffled<T>(items: readonly T[], random: () => number): T[] {
  return items
    .map((item) => ({ item, key: random() }))
    .sort((a, b) => a.key - b.key)
    .map(({ item }) => item);
}
