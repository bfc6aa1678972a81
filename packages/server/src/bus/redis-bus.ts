import { randomUUID } from 'node:crypto';
import { Redis } from 'ioredis';
import { deliverLocally, type Bus, type BusGap, type BusLog } from './bus.js';
import { decodeGapNotice, DroppedChannels, encodeGapNotices, GAPS_CHANNEL } from './dropped-channels.js';
import { Link, quit } from './redis-link.js';

export interface RedisBusOptions {
  /** `redis://host:6379` or `rediss://…` (PARLEY_REDIS_URL). */
  url: string;
  log: BusLog;
  /**
   * Tags this node's messages so it can ignore their echo from Redis (it already delivered them
   * locally). Must be unique among the nodes on one Redis; a random id is the safe default.
   */
  nodeId?: string;
  /**
   * Called when events may never have reached this node, so the gateway tells the links concerned to
   * catch up from the database by seq: `{ kind: 'all' }` once the subscriber connection is back and
   * every active channel is subscribed again after Redis went away (or was not there when channels
   * were first subscribed); `{ kind: 'channels' }` when another node announces the channels whose
   * publishes it dropped while it could not reach Redis.
   */
  onResync?: (gap: BusGap) => void;
  /**
   * How many distinct channels with dropped publishes a node remembers to announce; past it, it
   * announces that every channel may have missed events. Default 1,000.
   */
  maxDroppedChannels?: number;
  /** How long to wait for a TCP connection to Redis. Default 5,000 ms. */
  connectTimeoutMs?: number;
  /** How long any single command (PUBLISH, SUBSCRIBE, PING) may take before it counts as failed. Default 1,000 ms. */
  commandTimeoutMs?: number;
  /**
   * How often the subscriber connection is PINGed. A subscriber only ever reads, so without this a
   * half-open connection (Redis host gone without a reset) would look healthy for many minutes while
   * no event arrives. Default 5,000 ms; 0 turns it off.
   */
  pingIntervalMs?: number;
}

type Handler = (payload: string) => void;

interface ChannelState {
  readonly handlers: Set<Handler>;
  /** Settles when the SUBSCRIBE for this channel was confirmed or given up on (Redis down). */
  readonly subscribed: Promise<void>;
}

/** Many channels are resubscribed in slices so one reconnect never builds a single huge command. */
const RESUBSCRIBE_SLICE = 500;

/** Between our node id and the payload; node ids may not contain it. */
const SEPARATOR = '|';

/** How soon a node tries again to announce its dropped channels when it cannot tell whether Redis is back. */
const ANNOUNCE_RETRY_MS = 1000;

/**
 * Fan-out between nodes through Redis pub/sub. Every event is delivered to this node's own
 * subscribers first, in-process, and then published to Redis for the other nodes; the copy Redis
 * echoes back is recognised by the node id in the envelope and ignored. So a node keeps serving its
 * own connections while Redis is away, and local delivery is exactly once either way.
 *
 * Failure policy: delivery between nodes is at-most-once. Commands are never queued while Redis is
 * unreachable (no offline queue, no resend after reconnect), so publish fails fast and drops the
 * event with a warning instead of holding the request that produced it; clients catch up from the
 * database by seq. ioredis reconnects by itself; the subscriber then subscribes every active channel
 * again (we do it ourselves rather than trusting ioredis's autoResubscribe, so we know when it is
 * confirmed) and `onResync` fires. A node that dropped publishes remembers their channels and, once
 * its publisher works again, announces them on `parley:bus:gaps`; every other node then fires
 * `onResync` with those channels, so its links on quiet conversations do not wait for their next
 * message to notice the gap.
 */
export class RedisBus implements Bus {
  readonly nodeId: string;
  private readonly log: BusLog;
  private readonly onResync: ((gap: BusGap) => void) | undefined;
  private readonly publisher: Redis;
  private readonly subscriber: Redis;
  private readonly channels = new Map<string, ChannelState>();
  private readonly pubLink: Link;
  private readonly subLink: Link;
  private readonly pingTimer: NodeJS.Timeout | undefined;
  /** Whether the subscriber has been ready once; a later `ready` is a reconnect. */
  private subscriberWasReady = false;
  /** Whether channels were subscribed while the subscriber was not up, so they missed events. */
  private missedWhileDown = false;
  /** Events dropped since Redis went away, reported once it is back. */
  private dropped = 0;
  /** The channels of those events, until the other nodes have been told. */
  private readonly unannounced: DroppedChannels;
  private announceTimer: NodeJS.Timeout | undefined;
  private announcing = false;
  private closed = false;

  constructor(options: RedisBusOptions) {
    this.nodeId = options.nodeId ?? randomUUID();
    if (this.nodeId.length === 0 || this.nodeId.includes(SEPARATOR)) {
      throw new Error(`RedisBus nodeId must be non-empty and free of "${SEPARATOR}"`);
    }
    this.log = options.log;
    this.onResync = options.onResync;
    this.unannounced = new DroppedChannels(options.maxDroppedChannels ?? 1000);
    const common = {
      connectTimeout: options.connectTimeoutMs ?? 5000,
      commandTimeout: options.commandTimeoutMs ?? 1000,
      // Fail fast rather than queue: a queued PUBLISH would hold the request path for the whole outage,
      // and a queued SUBSCRIBE would replay stale state. Reconnecting itself is ioredis's default
      // (retry forever, backing off up to 2 s).
      enableOfflineQueue: false,
      autoResendUnfulfilledCommands: false,
      autoResubscribe: false,
      // Each command gets exactly one attempt; the bus handles failure itself.
      maxRetriesPerRequest: 0,
    } as const;
    this.publisher = new Redis(options.url, { ...common, connectionName: `parley-bus-pub-${this.nodeId}` });
    this.subscriber = new Redis(options.url, { ...common, connectionName: `parley-bus-sub-${this.nodeId}` });
    const closing = (): boolean => this.closed;
    this.pubLink = new Link(this.publisher, 'publisher', this.log, closing, () => void this.announce());
    this.subLink = new Link(this.subscriber, 'subscriber', this.log, closing, () => void this.resubscribe());
    this.subscriber.on('message', (channel: string, message: string) => this.receive(channel, message));
    const pingIntervalMs = options.pingIntervalMs ?? 5000;
    if (pingIntervalMs > 0) {
      this.pingTimer = setInterval(() => void this.checkSubscriber(), pingIntervalMs);
      // The health check alone must never keep the process alive.
      this.pingTimer.unref();
    }
  }

  /** Never throws and never waits on a Redis that is away: at worst the other nodes miss the event (logged). */
  async publish(channel: string, payload: string): Promise<void> {
    if (this.closed) return;
    const state = this.channels.get(channel);
    if (state !== undefined) deliverLocally(channel, state.handlers, payload, this.log);
    await this.pubLink.settled();
    if (this.pubLink.state !== 'up') {
      this.drop(channel, 'Redis is unreachable');
      return;
    }
    try {
      await this.publisher.publish(channel, `${this.nodeId}${SEPARATOR}${payload}`);
    } catch (error) {
      this.drop(channel, error instanceof Error ? error.message : String(error));
    }
  }

  /**
   * Resolves once Redis confirmed the channel's SUBSCRIBE (the first local subscriber sends it, later
   * ones wait for the same confirmation). With Redis away it resolves at once with local delivery
   * only, so connections are still served; the channel is subscribed on reconnect and onResync fires.
   */
  async subscribe(channel: string, handler: Handler): Promise<() => Promise<void>> {
    if (this.closed) throw new Error('RedisBus is closed');
    let state = this.channels.get(channel);
    if (state === undefined) {
      state = { handlers: new Set(), subscribed: this.redisSubscribe(channel) };
      this.channels.set(channel, state);
    }
    // Wrapped so the same function subscribed twice gets two independent subscriptions.
    const entry: Handler = (payload) => handler(payload);
    const current = state;
    current.handlers.add(entry);
    await current.subscribed;
    let ended = false;
    return async () => {
      if (ended) return;
      ended = true;
      current.handlers.delete(entry);
      // The last local subscriber leaves the Redis channel, unless a later subscribe already replaced the state.
      if (current.handlers.size > 0 || this.channels.get(channel) !== current) return;
      this.channels.delete(channel);
      await this.redisUnsubscribe(channel);
    };
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    if (this.pingTimer !== undefined) clearInterval(this.pingTimer);
    clearTimeout(this.announceTimer);
    this.channels.clear();
    await Promise.all([quit(this.publisher), quit(this.subscriber)]);
  }

  /** Confirmed SUBSCRIBE, or, with Redis away, nothing: the channel is subscribed on reconnect and onResync covers the gap. */
  private async redisSubscribe(channel: string): Promise<void> {
    await this.subLink.settled();
    // Everyone left while the first connect was under way: nothing to subscribe any more.
    if (!this.channels.has(channel)) return;
    if (this.subLink.state !== 'up') {
      this.missedWhileDown = true;
      return;
    }
    try {
      await this.subscriber.subscribe(channel);
    } catch (error) {
      // The connection dropped mid-way; the reconnect resubscribes this channel, since it is still active.
      this.missedWhileDown = true;
      this.log.warn({ err: error, channel }, 'Redis SUBSCRIBE failed; the channel is subscribed again when Redis is back');
    }
  }

  private async redisUnsubscribe(channel: string): Promise<void> {
    // A connection that is down holds no subscriptions, and the reconnect only restores active channels.
    if (this.subLink.state !== 'up') return;
    try {
      await this.subscriber.unsubscribe(channel);
    } catch (error) {
      this.log.warn({ err: error, channel }, 'Redis UNSUBSCRIBE failed; the channel is dropped on the next reconnect');
    }
  }

  private receive(channel: string, message: string): void {
    const cut = message.indexOf(SEPARATOR);
    if (cut < 0) {
      this.log.warn({ channel }, 'ignored a bus message without a node id (not published by a Parley node?)');
      return;
    }
    // Our own publish, already delivered locally.
    if (message.slice(0, cut) === this.nodeId) return;
    if (channel === GAPS_CHANNEL) {
      this.heardGap(message.slice(cut + 1));
      return;
    }
    const state = this.channels.get(channel);
    if (state !== undefined) deliverLocally(channel, state.handlers, message.slice(cut + 1), this.log);
  }

  /** On every subscriber `ready`: restore the active channels, then tell the gateway that events may have been missed. */
  private async resubscribe(): Promise<void> {
    const reconnect = this.subscriberWasReady;
    this.subscriberWasReady = true;
    const missed = reconnect || this.missedWhileDown;
    const active = [...this.channels.keys()];
    // The gaps channel first: every node listens to it, whether or not it has connections.
    const wanted = [GAPS_CHANNEL, ...active];
    try {
      for (let i = 0; i < wanted.length; i += RESUBSCRIBE_SLICE) {
        await this.subscriber.subscribe(...wanted.slice(i, i + RESUBSCRIBE_SLICE));
      }
    } catch (error) {
      // Dropped again while resubscribing: the next `ready` tries again, and only then is it a resync.
      this.missedWhileDown = true;
      this.log.warn(
        { err: error, channels: active.length },
        'resubscribing after a Redis reconnect failed; retrying on the next reconnect',
      );
      return;
    }
    this.missedWhileDown = false;
    if (!missed || this.closed) return;
    if (reconnect) this.log.warn({ channels: active.length }, 'Redis subscriber is back; channels resubscribed, clients should catch up');
    this.resync({ kind: 'all' });
  }

  /** Another node announced channels whose publishes it dropped (or all of them). */
  private heardGap(body: string): void {
    const gap = decodeGapNotice(body);
    if (gap === undefined) {
      this.log.warn({ channel: GAPS_CHANNEL }, 'ignored a gap notice this version does not understand');
      return;
    }
    this.resync(gap);
  }

  private resync(gap: BusGap): void {
    try {
      this.onResync?.(gap);
    } catch (error) {
      this.log.error({ err: error }, 'onResync threw');
    }
  }

  /** A PING on the subscriber proves the connection still carries traffic; a silent one is cut so ioredis reconnects. */
  private async checkSubscriber(): Promise<void> {
    if (this.closed || this.subLink.state !== 'up') return;
    try {
      await this.subscriber.ping();
    } catch (error) {
      if (this.closed) return;
      this.log.warn({ err: error }, 'Redis subscriber did not answer PING; reconnecting');
      // disconnect(true) closes the socket and lets the retry strategy bring it back (then resubscribe, then onResync).
      this.subscriber.disconnect(true);
    }
  }

  private drop(channel: string, reason: string): void {
    // One warning per outage, not one per event: an outage under load would otherwise flood the log.
    if (this.dropped === 0) this.log.warn({ channel, reason }, 'Redis unavailable; events reach this node only until it is back');
    this.dropped += 1;
    this.unannounced.add(channel);
    // A publish can fail while the connection stays up (Redis slow to answer): no `ready` will follow
    // to trigger the announcement, so it is tried again shortly in any case.
    this.scheduleAnnounce();
  }

  private scheduleAnnounce(): void {
    if (this.announceTimer !== undefined || this.closed) return;
    this.announceTimer = setTimeout(() => {
      this.announceTimer = undefined;
      void this.announce();
    }, ANNOUNCE_RETRY_MS);
    this.announceTimer.unref();
  }

  /**
   * Tells the other nodes which channels missed this node's events, so they re-read them from the
   * database (the events are stored before they are published). Runs on every publisher `ready` and
   * shortly after a drop; with the publisher down it waits for the next `ready`, and a notice that
   * fails is kept and tried again.
   */
  private async announce(): Promise<void> {
    if (this.closed || this.announcing || this.unannounced.empty || this.pubLink.state !== 'up') return;
    this.announcing = true;
    const taken = this.unannounced.take();
    try {
      for (const body of encodeGapNotices(taken)) await this.publisher.publish(GAPS_CHANNEL, `${this.nodeId}${SEPARATOR}${body}`);
      // Logged once the notice is out, which is also when the next outage gets its own first warning.
      this.log.warn(
        { dropped: this.dropped, channels: taken === 'all' ? 'all' : taken.size },
        'Redis publisher is back; events dropped meanwhile reached this node only, telling the other nodes to catch up',
      );
      this.dropped = 0;
    } catch (error) {
      // Some notices may have gone out: announcing a channel twice only costs the others a database read.
      this.unannounced.giveBack(taken);
      this.log.warn({ err: error }, 'could not announce the channels whose events were dropped; trying again');
    } finally {
      this.announcing = false;
    }
    if (!this.unannounced.empty) this.scheduleAnnounce();
  }
}
