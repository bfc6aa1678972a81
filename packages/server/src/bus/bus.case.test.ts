import { randomUUID } from 'node:crypto';
import type { FastifyBaseLogger } from 'fastify';
import { Redis } from 'ioredis';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import type { Bus, BusGap, BusLog } from './bus.js';
import { MemoryBus } from './memory-bus.js';
import { RedisBus, type RedisBusOptions } from './redis-bus.js';

const REDIS_URL = process.env['PARLEY_TEST_REDIS_URL'] ?? 'redis://127.0.0.1:6379';
/** Nothing listens here: the "Redis is away" case. */
const DEAD_REDIS_URL = 'redis://127.0.0.1:6390';

// Compile-time check that the server's own logger can be handed to a bus as it is.
export const fastifyLoggerIsABusLog = (log: FastifyBaseLogger): BusLog => log;

interface LogLine {
  level: 'warn' | 'error';
  message: string;
  details: object;
}

/** A log that records instead of printing, so tests can see a throwing handler was reported; `onLine` sees each line as it is logged. */
function recordingLog(onLine: (line: LogLine) => void = () => undefined): BusLog & { lines: LogLine[] } {
  const lines: LogLine[] = [];
  const record = (line: LogLine): void => {
    lines.push(line);
    onLine(line);
  };
  return {
    lines,
    warn: (details, message) => record({ level: 'warn', message, details }),
    error: (details, message) => record({ level: 'error', message, details }),
  };
}

/**
 * One implementation under test: `a` and, for a bus that spans nodes, `b` (another node on the
 * same backend). Channels get a per-run prefix so concurrent runs on one Redis never see each other.
 */
interface Nodes {
  a: Bus;
  b: Bus | null;
  log: ReturnType<typeof recordingLog>;
  close(): Promise<void>;
}

interface Implementation {
  name: string;
  open(): Promise<Nodes>;
}

const run = randomUUID().slice(0, 8);
let channelCount = 0;
const freshChannel = (): string => `parley:test:${run}:${++channelCount}`;

/** null when Redis answers, else why not. */
async function redisUnavailable(): Promise<string | null> {
  const probe = new Redis(REDIS_URL, { lazyConnect: true, connectTimeout: 2000, maxRetriesPerRequest: 0, retryStrategy: () => null });
  // The 'error' event carries the cause (ECONNREFUSED …); the rejected connect() only says the connection closed.
  let cause: string | undefined;
  probe.on('error', (error: unknown) => (cause ??= error instanceof Error ? error.message : String(error)));
  try {
    await probe.connect();
    await probe.ping();
    return null;
  } catch (error) {
    return cause ?? (error instanceof Error ? error.message : String(error));
  } finally {
    probe.disconnect();
  }
}

const redisBus = (log: BusLog, options: Partial<RedisBusOptions> = {}): RedisBus => new RedisBus({ url: REDIS_URL, log, ...options });

const memory: Implementation = {
  name: 'memory',
  async open() {
    const log = recordingLog();
    const a = new MemoryBus(log);
    return { a, b: null, log, close: () => a.close() };
  },
};

const redis: Implementation = {
  name: 'redis',
  async open() {
    const reason = await redisUnavailable();
    if (reason !== null)
      throw new Error(`Redis at ${REDIS_URL} is needed for this suite (PARLEY_TEST_SKIP_REDIS=1 leaves it out): ${reason}`);
    const log = recordingLog();
    const a = redisBus(log);
    const b = redisBus(log);
    return { a, b, log, close: async () => void (await Promise.all([a.close(), b.close()])) };
  },
};

/**
 * Redis missing is a failure under CI=true; on a developer machine too, with the reason, unless
 * PARLEY_TEST_SKIP_REDIS=1 says to leave it out on purpose (the same rule as PostgreSQL).
 */
const skipRedis = process.env['PARLEY_TEST_SKIP_REDIS'] === '1' && process.env['CI'] !== 'true';
const implementations = skipRedis ? [memory] : [memory, redis];

/** Collects what one subscription receives. */
class Inbox {
  readonly received: string[] = [];
  readonly handler = (payload: string): void => {
    this.received.push(payload);
  };

  /** The payloads without fence markers. */
  get payloads(): string[] {
    return this.received.filter((payload) => !payload.startsWith('fence:'));
  }

  async waitFor(predicate: (received: string[]) => boolean, what: string, timeoutMs = 5000): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    while (!predicate(this.received)) {
      if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}; received ${JSON.stringify(this.received.slice(-5))}`);
      await new Promise((resolve) => setTimeout(resolve, 5));
    }
  }
}

let fenceCount = 0;

/**
 * Waits until everything published so far on the channel has reached the inboxes, by sending
 * markers behind it and waiting for them. A node delivers its own events at once but other nodes'
 * events only after the trip through Redis, so on Redis one marker comes from each node: the one
 * from `b` trails everything Redis sends to `a` (including echoes of `a`'s own events, so a
 * duplicate would show), the one from `a` trails everything Redis sends to `b`.
 */
async function fence(nodes: Nodes, channel: string, inboxes: Inbox[]): Promise<void> {
  const markers: string[] = [];
  for (const node of nodes.b === null ? [nodes.a] : [nodes.b, nodes.a]) {
    const marker = `fence:${++fenceCount}`;
    markers.push(marker);
    await node.publish(channel, marker);
  }
  await Promise.all(
    inboxes.map((inbox) => inbox.waitFor((received) => markers.every((marker) => received.includes(marker)), markers.join())),
  );
}

for (const implementation of implementations) {
  describe(`Bus contract [${implementation.name}]`, () => {
    let nodes: Nodes | undefined;
    const current = (): Nodes => {
      if (nodes === undefined) throw new Error('bus did not open');
      return nodes;
    };

    beforeAll(async () => {
      nodes = await implementation.open();
    });
    afterAll(async () => {
      await nodes?.close();
    });

    it('delivers a publish to every subscriber on the same node exactly once', async () => {
      const { a } = current();
      const channel = freshChannel();
      const first = new Inbox();
      const second = new Inbox();
      const stopFirst = await a.subscribe(channel, first.handler);
      const stopSecond = await a.subscribe(channel, second.handler);
      await a.publish(channel, 'hello');
      await fence(current(), channel, [first, second]);
      expect(first.payloads).toEqual(['hello']);
      expect(second.payloads).toEqual(['hello']);
      await stopFirst();
      await stopSecond();
    });

    if (implementation.name !== 'memory') {
      it('delivers a publish to the subscribers on the other node, and ignores the echo on its own', async () => {
        const { a, b } = current();
        if (b === null) throw new Error('a node pair is needed');
        const channel = freshChannel();
        const local = new Inbox();
        const remote = new Inbox();
        const stopLocal = await a.subscribe(channel, local.handler);
        const stopRemote = await b.subscribe(channel, remote.handler);
        await a.publish(channel, 'from a');
        await b.publish(channel, 'from b');
        await fence(current(), channel, [local, remote]);
        // Exactly once each; between two publishing nodes there is no common order (each node sees its own events first).
        expect(local.payloads.toSorted()).toEqual(['from a', 'from b']);
        expect(remote.payloads.toSorted()).toEqual(['from a', 'from b']);
        await stopLocal();
        await stopRemote();
      });
    }

    it('stops delivering after unsubscribe; a second call of the returned function is harmless', async () => {
      const { a } = current();
      const channel = freshChannel();
      const gone = new Inbox();
      const stays = new Inbox();
      const stopGone = await a.subscribe(channel, gone.handler);
      await a.publish(channel, 'before');
      await stopGone();
      await stopGone();
      const stopStays = await a.subscribe(channel, stays.handler);
      // The stale second call above must not have cut off this newer subscription either.
      await stopGone();
      await a.publish(channel, 'after');
      await fence(current(), channel, [stays]);
      expect(gone.payloads).toEqual(['before']);
      expect(stays.payloads).toEqual(['after']);
      await stopStays();
    });

    it('gives two subscriptions of the same function on one channel one copy each, and ends them separately', async () => {
      const { a } = current();
      const channel = freshChannel();
      const inbox = new Inbox();
      const stopOne = await a.subscribe(channel, inbox.handler);
      const stopTwo = await a.subscribe(channel, inbox.handler);
      await a.publish(channel, 'twice');
      await fence(current(), channel, [inbox]);
      expect(inbox.payloads).toEqual(['twice', 'twice']);
      await stopOne();
      await a.publish(channel, 'once');
      await fence(current(), channel, [inbox]);
      expect(inbox.payloads).toEqual(['twice', 'twice', 'once']);
      await stopTwo();
    });

    it('keeps the order of 1,000 messages per channel, on this node and on the other', async () => {
      const { a, b } = current();
      const channel = freshChannel();
      const local = new Inbox();
      const remote = new Inbox();
      const stops = [await a.subscribe(channel, local.handler)];
      if (b !== null) stops.push(await b.subscribe(channel, remote.handler));
      const sent = Array.from({ length: 1000 }, (_, i) => `m${i}`);
      // Published without waiting for each other, as concurrent requests would.
      await Promise.all(sent.map((payload) => a.publish(channel, payload)));
      const inboxes = b === null ? [local] : [local, remote];
      await fence(current(), channel, inboxes);
      for (const inbox of inboxes) expect(inbox.payloads).toEqual(sent);
      for (const stop of stops) await stop();
    });

    it('isolates a throwing handler: the others still get the event and it is logged', async () => {
      const { a, b, log } = current();
      const channel = freshChannel();
      const before = new Inbox();
      const after = new Inbox();
      const remote = new Inbox();
      const stops = [
        await a.subscribe(channel, before.handler),
        await a.subscribe(channel, () => {
          throw new Error('bad handler');
        }),
        await a.subscribe(channel, after.handler),
      ];
      if (b !== null) {
        stops.push(
          await b.subscribe(channel, () => {
            throw new Error('bad remote handler');
          }),
        );
        stops.push(await b.subscribe(channel, remote.handler));
      }
      await a.publish(channel, 'survives');
      await a.publish(channel, 'and again');
      await fence(current(), channel, b === null ? [before, after] : [before, after, remote]);
      expect(before.payloads).toEqual(['survives', 'and again']);
      expect(after.payloads).toEqual(['survives', 'and again']);
      if (b !== null) expect(remote.payloads).toEqual(['survives', 'and again']);
      expect(log.lines.filter((line) => line.level === 'error' && line.message.includes('handler threw')).length).toBeGreaterThanOrEqual(2);
      for (const stop of stops) await stop();
    });

    it('accepts a publish nobody listens to', async () => {
      const { a } = current();
      await expect(a.publish(freshChannel(), 'into the void')).resolves.toBeUndefined();
    });
  });
}

/** Kills the bus's subscriber connection from the Redis side, as a Redis restart or a network cut would. */
async function killConnection(admin: Redis, name: string): Promise<void> {
  const list = await admin.client('LIST');
  const line = String(list)
    .split('\n')
    .find((entry) => entry.includes(` name=${name} `));
  const id = line === undefined ? undefined : /\bid=(\d+)/.exec(line)?.[1];
  if (id === undefined) throw new Error(`no Redis client named ${name}`);
  await admin.client('KILL', 'ID', id);
}

async function until(predicate: () => boolean | Promise<boolean>, what: string, timeoutMs = 10_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await predicate())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}

describe.skipIf(skipRedis)('RedisBus resilience', () => {
  let admin: Redis | undefined;
  const buses: Bus[] = [];
  const adminClient = (): Redis => {
    if (admin === undefined) throw new Error('no admin connection');
    return admin;
  };

  beforeAll(async () => {
    const reason = await redisUnavailable();
    if (reason !== null)
      throw new Error(`Redis at ${REDIS_URL} is needed for this suite (PARLEY_TEST_SKIP_REDIS=1 leaves it out): ${reason}`);
    admin = new Redis(REDIS_URL);
  });
  afterEach(async () => {
    await Promise.all(buses.splice(0).map((bus) => bus.close()));
  });
  afterAll(async () => {
    await admin?.quit();
  });

  it('resubscribes every active channel after the subscriber connection is killed, then fires onResync', async () => {
    const log = recordingLog();
    let resyncs = 0;
    const a = redisBus(log);
    // Only this node's own resync counts: other test runs on this Redis may announce gaps of their own.
    const b = redisBus(log, { onResync: (gap) => void (gap.kind === 'all' && (resyncs += 1)) });
    buses.push(a, b);
    const channels = [freshChannel(), freshChannel(), freshChannel()];
    const inbox = new Inbox();
    const stops = await Promise.all(channels.map((channel) => b.subscribe(channel, inbox.handler)));
    // One channel ended before the cut must not come back.
    const ended = channels[2] ?? '';
    await stops[2]?.();

    await killConnection(adminClient(), `parley-bus-sub-${b.nodeId}`);
    // Meanwhile the node still serves its own subscribers.
    await b.publish(channels[0] ?? '', 'local during outage');
    await until(() => resyncs === 1, 'onResync');

    const numsub = await adminClient().pubsub('NUMSUB', ...channels);
    expect(numsub).toEqual([channels[0], 1, channels[1], 1, ended, 0]);
    await a.publish(channels[0] ?? '', 'after 0');
    await a.publish(channels[1] ?? '', 'after 1');
    await a.publish(ended, 'not for us');
    await inbox.waitFor((received) => received.includes('after 0') && received.includes('after 1'), 'events after reconnect');
    expect(inbox.received).toEqual(['local during outage', 'after 0', 'after 1']);
    expect(log.lines.some((line) => line.message.includes('resubscribed'))).toBe(true);
  });

  it('resumes publishing after the publisher connection is killed, without throwing meanwhile', async () => {
    const log = recordingLog();
    const a = redisBus(log);
    const b = redisBus(log);
    buses.push(a, b);
    const channel = freshChannel();
    const remote = new Inbox();
    await b.subscribe(channel, remote.handler);
    await a.publish(channel, 'before');
    await killConnection(adminClient(), `parley-bus-pub-${a.nodeId}`);
    // Whatever happens to this one (sent or dropped), it must neither throw nor hang.
    await a.publish(channel, 'during');
    await until(async () => {
      await a.publish(channel, 'probe');
      return remote.received.includes('probe');
    }, 'the publisher to come back');
    expect(remote.received[0]).toBe('before');
  });

  it('with Redis unreachable: subscribe and publish resolve quickly without throwing, local subscribers still get events', async () => {
    const log = recordingLog();
    let resyncs = 0;
    const bus = new RedisBus({ url: DEAD_REDIS_URL, log, connectTimeoutMs: 200, commandTimeoutMs: 200, onResync: () => (resyncs += 1) });
    buses.push(bus);
    const inbox = new Inbox();
    const started = Date.now();
    const stop = await bus.subscribe('parley:test:dead', inbox.handler);
    for (let i = 0; i < 100; i++) await bus.publish('parley:test:dead', `e${i}`);
    expect(Date.now() - started).toBeLessThan(1000);
    await inbox.waitFor((received) => received.length === 100, 'local delivery');
    expect(inbox.received).toEqual(Array.from({ length: 100 }, (_, i) => `e${i}`));
    // One warning per outage, not one per event.
    expect(log.lines.filter((line) => line.message.includes('events reach this node only')).length).toBe(1);
    expect(resyncs).toBe(0);
    await stop();
  });

  it('announces the channels whose publishes it dropped once its publisher is back; the other node hears them as a gap', async () => {
    const channels = [freshChannel(), freshChannel()];
    const heard: BusGap[] = [];
    const ownHeard: BusGap[] = [];
    const names = (gaps: BusGap[]): string[] => gaps.flatMap((gap) => (gap.kind === 'channels' ? [...gap.channels] : []));
    const log = recordingLog((line) => {
      // The publisher's link is marked down right after this warning returns, and ioredis waits 50 ms or more
      // before reconnecting: publishes made on the next microtask are dropped, every time.
      if (!line.message.includes('reconnecting in the background') || !('connection' in line.details)) return;
      if (line.details.connection === 'publisher')
        queueMicrotask(() => void Promise.all(channels.map((channel) => a.publish(channel, 'lost'))));
    });
    const a = redisBus(log, { onResync: (gap) => ownHeard.push(gap) });
    const b = redisBus(recordingLog(), { onResync: (gap) => heard.push(gap) });
    buses.push(a, b);
    const remote = new Inbox();
    for (const channel of channels) await b.subscribe(channel, remote.handler);
    await a.publish(channels[0] ?? '', 'before');
    await remote.waitFor((received) => received.includes('before'), 'the first event');

    await killConnection(adminClient(), `parley-bus-pub-${a.nodeId}`);
    await until(() => channels.every((channel) => names(heard).includes(channel)), 'the gap notice on the other node');
    expect(log.lines.filter((line) => line.message.includes('events reach this node only'))).toHaveLength(1);
    expect(log.lines.some((line) => line.message.includes('telling the other nodes to catch up'))).toBe(true);
    // A node does not take its own notice for a gap (its subscribers got the events locally).
    expect(names(ownHeard).filter((channel) => channels.includes(channel))).toEqual([]);
    await a.publish(channels[1] ?? '', 'after');
    await remote.waitFor((received) => received.includes('after'), 'an event after the outage');
    expect(remote.received).toEqual(['before', 'after']);
  });

  it('ignores a message on its channel that carries no node id', async () => {
    const log = recordingLog();
    const bus = redisBus(log);
    buses.push(bus);
    const channel = freshChannel();
    const inbox = new Inbox();
    await bus.subscribe(channel, inbox.handler);
    await adminClient().publish(channel, 'no envelope');
    await until(() => log.lines.some((line) => line.message.includes('without a node id')), 'the warning');
    expect(inbox.received).toEqual([]);
  });
});
