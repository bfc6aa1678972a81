/**
 * Fan-out between server nodes. A node publishes every event of a conversation on that
 * conversation's channel; every node with a connection to it is subscribed. Payloads are strings
 * (serialised frames) so implementations never interpret them. Delivery is at-most-once: a client
 * that misses an event catches up from the database by seq, so the bus never has to be durable.
 */
export interface Bus {
  publish(channel: string, payload: string): Promise<void>;
  /** Resolves once the subscription is active; the returned function ends it. */
  subscribe(channel: string, handler: (payload: string) => void): Promise<() => Promise<void>>;
  close(): Promise<void>;
}

export const conversationChannel = (conversationId: string): string => `parley:conv:${conversationId}`;
export const PRESENCE_CHANNEL = 'parley:presence';
