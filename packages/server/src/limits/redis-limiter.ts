import { Redis } from 'ioredis';
import type { BusLog } from '../bus/bus.js';
import { Link, quit } from '../bus/redis-link.js';
import { waitSeconds, type Counter, type Limiter } from './limiter.js';
import { MemoryLimiter } from './memory-limiter.js';

export interface RedisLimiterOptions {
  /** `redis://host:6379` or `rediss://…` (PARLEY_REDIS_URL). */
  readonly url: string;
  readonly log: BusLog & { info(details: object, message: string): void };
  /** Put before every key; tests use a unique one per run. Default `parley:limit:`. */
  readonly keyPrefix?: string;
  /** How long one check may take before Redis counts as away. Default 500 ms. */
  readonly commandTimeoutMs?: number;
  readonly connectTimeoutMs?: number;
}

/**
 * Checks every counter, then counts on all of them or none, in one atomic step (a Lua script), so
 * two nodes judging the same visitor at the same instant cannot both let the last request through.
 * KEYS: the counters. ARGV[1]: take | peek | add | refund; then limit and window (ms) of each key in turn.
 * Returns the longest time (ms) left on a counter at its limit, 0 when nothing stands in the way.
 * A refund takes one back from each counter still there (an expired one is gone, and stays gone).
 */
const SCRIPT = `
local mode = ARGV[1]
local wait = 0
if mode == 'refund' then
  for i, key in ipairs(KEYS) do
    if tonumber(redis.call('GET', key) or '0') > 0 then redis.call('DECR', key) end
  end
  return 0
end
if mode ~= 'add' then
  for i, key in ipairs(KEYS) do
    local count = tonumber(redis.call('GET', key) or '0')
    if count >= tonumber(ARGV[2 * i]) then
      local ttl = redis.call('PTTL', key)
      if ttl < 0 then ttl = tonumber(ARGV[2 * i + 1]) end
      if ttl > wait then wait = ttl end
    end
  end
end
if mode == 'peek' or wait > 0 then return wait end
for i, key in ipairs(KEYS) do
  if redis.call('INCR', key) == 1 then redis.call('PEXPIRE', key, ARGV[2 * i + 1]) end
end
return 0
`;

type Mode = 'take' | 'peek' | 'add' | 'refund';

interface LimitCommands {
  parleyLimit(...args: (string | number)[]): Promise<number>;
}

/**
 * Fixed-window counters in Redis, shared by every node: limits hold however many nodes a client's
 * requests land on. Keys expire with their window, so Redis holds only live counters.
 *
 * Failure policy: a limit must not take the chat down with it. While Redis cannot be reached (or
 * takes longer than `commandTimeoutMs`), each node counts in its own memory instead, so limits hold
 * per node rather than not at all; one warning is logged per outage and one line when Redis is back.
 * Commands are never queued while Redis is away (a request would wait for the whole outage).
 */
export class RedisLimiter implements Limiter {
  private readonly redis: Redis & LimitCommands;
  private readonly link: Link;
  private readonly fallback = new MemoryLimiter();
  private readonly prefix: string;
  private degraded = false;
  private closed = false;

  constructor(private readonly options: RedisLimiterOptions) {
    this.prefix = options.keyPrefix ?? 'parley:limit:';
    const redis = new Redis(options.url, {
      connectTimeout: options.connectTimeoutMs ?? 5000,
      commandTimeout: options.commandTimeoutMs ?? 500,
      enableOfflineQueue: false,
      autoResendUnfulfilledCommands: false,
      maxRetriesPerRequest: 0,
      connectionName: 'parley-limits',
    });
    redis.defineCommand('parleyLimit', { lua: SCRIPT });
    // defineCommand adds the method at run time; the interface above names it for the compiler.
    this.redis = redis as Redis & LimitCommands;
    this.link = new Link(
      redis,
      'limits',
      options.log,
      () => this.closed,
      () => this.recovered(),
    );
  }

  async take(counters: readonly Counter[]): Promise<number> {
    const ms = await this.run('take', counters);
    return ms === null ? this.fallback.takeNow(counters) : waitSeconds(ms);
  }

  async peek(counters: readonly Counter[]): Promise<number> {
    const ms = await this.run('peek', counters);
    return ms === null ? this.fallback.peekNow(counters) : waitSeconds(ms);
  }

  async add(counters: readonly Counter[]): Promise<void> {
    if ((await this.run('add', counters)) === null) this.fallback.addNow(counters);
  }

  async refund(counters: readonly Counter[]): Promise<void> {
    if ((await this.run('refund', counters)) === null) this.fallback.refundNow(counters);
  }

  async reset(keys: readonly string[]): Promise<void> {
    await this.fallback.reset(keys);
    if (keys.length === 0) return;
    await this.link.settled();
    if (this.link.state !== 'up') return;
    try {
      await this.redis.del(...keys.map((key) => this.prefix + key));
    } catch (error) {
      this.away(error);
    }
  }

  async close(): Promise<void> {
    this.closed = true;
    await quit(this.redis);
  }

  /** The script's answer in ms, or null when Redis could not answer (the caller counts in memory). */
  private async run(mode: Mode, counters: readonly Counter[]): Promise<number | null> {
    if (counters.length === 0) return 0;
    await this.link.settled();
    if (this.link.state !== 'up') {
      this.away(new Error('Redis is unreachable'));
      return null;
    }
    const args: (string | number)[] = [counters.length, ...counters.map(({ key }) => this.prefix + key), mode];
    for (const { limit, windowMs } of counters) args.push(limit, Math.max(1, Math.round(windowMs)));
    try {
      return Number(await this.redis.parleyLimit(...args));
    } catch (error) {
      this.away(error);
      return null;
    }
  }

  private away(error: unknown): void {
    if (this.degraded || this.closed) return;
    this.degraded = true;
    this.options.log.warn({ err: error }, 'Redis is away: volume limits are counted per node until it is back');
  }

  private recovered(): void {
    if (!this.degraded) return;
    this.degraded = false;
    this.options.log.info({}, 'Redis is back: volume limits are shared between nodes again');
  }
}
