/**
 * Fan-out between server nodes. A node publishes every event of a conversation on that
 * conversation's channel; every node with a connection to it is subscribed. Payloads are strings
 * (serialised frames) so implementations never interpret them. Delivery is at-most-once: a client
 * that misses an event catches up from the database by seq, so the bus never has to be durable.
 * Order is kept per channel for the events one node publishes; events of two nodes may interleave
 * differently on each node (a node sees its own first), so ordering across nodes comes from seq.
 * A bus that can lose events between nodes says so afterwards (a `BusGap`, see RedisBus `onResync`),
 * so that live links catch up at once instead of at their next message.
 */
export interface Bus {
  publish(channel: string, payload: string): Promise<void>;
  /** Resolves once the subscription is active; the returned function ends it. */
  subscribe(channel: string, handler: (payload: string) => void): Promise<() => Promise<void>>;
  close(): Promise<void>;
}

export const conversationChannel = (conversationId: string): string => `parley:conv:${conversationId}`;

/** Events that may never have reached this node: what its subscribers should read again from the database. */
export type BusGap =
  /** Another node's publishes on these channels were dropped (it could not reach Redis for a while). */
  | { readonly kind: 'channels'; readonly channels: ReadonlySet<string> }
  /** This node could not hear anything for a while, or another node dropped too many channels to name. */
  | { readonly kind: 'all' };

/** What a bus needs of a logger: the pino shape (details first, then the message), so Fastify's logger fits. */
export interface BusLog {
  warn(details: object, message: string): void;
  error(details: object, message: string): void;
}

/**
 * Hands a payload to each handler on its own microtask, so the publisher never runs subscriber code
 * inside its own call, and a handler that throws is logged instead of surfacing as an uncaught
 * exception (which would crash the node) or keeping the other handlers from running.
 */
export function deliverLocally(channel: string, handlers: Iterable<(payload: string) => void>, payload: string, log: BusLog): void {
  for (const handler of [...handlers]) {
    queueMicrotask(() => {
      try {
        handler(payload);
      } catch (error) {
        log.error({ err: error, channel }, 'bus handler threw; the other handlers still got the event');
      }
    });
  }
}
