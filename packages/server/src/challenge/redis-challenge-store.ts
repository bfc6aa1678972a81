import { Redis } from 'ioredis';
import type { BusLog } from '../bus/bus.js';
import { Link, quit } from '../bus/redis-link.js';
import type { ChallengeStore } from './challenge-store.js';

const PREFIX = 'parley:challenge:';

/**
 * INCRBY on a key per fixed window, SET NX PX for spent challenges,
 * SET PX for page loads. Commands get one attempt and no offline queue: while Redis is away they fail at
 * once and the gate lets sessions through without a challenge (see ChallengeGate: chat stays up).
 */
export class RedisChallengeStore implements ChallengeStore {
  private readonly redis: Redis;
  /** Logs each outage once, and holds the first commands until the first connect attempt has settled. */
  private readonly link: Link;
  private closed = false;

  constructor(url: string, log: BusLog) {
    this.redis = new Redis(url, {
      enableOfflineQueue: false,
      maxRetriesPerRequest: 0,
      autoResendUnfulfilledCommands: false,
      connectionName: 'parley-challenge',
    });
    this.link = new Link(
      this.redis,
      'challenge',
      log,
      () => this.closed,
      () => undefined,
    );
  }

  async add(key: string, delta: number, windowMs: number): Promise<number> {
    await this.link.settled();
    // Fixed windows named by their number: no EXPIRE NX needed (Redis 7), any Redis ≥ 2.6 does.
    const full = `${PREFIX}${key}:${Math.floor(Date.now() / windowMs)}`;
    const result = await this.redis.multi().incrby(full, delta).pexpire(full, windowMs).exec();
    const count = result?.[0]?.[1];
    if (typeof count !== 'number') throw new Error(`Redis answered INCRBY ${full} with ${String(count)}`);
    return Math.max(0, count);
  }

  async spend(id: string, ttlMs: number): Promise<boolean> {
    await this.link.settled();
    return (await this.redis.set(PREFIX + id, '1', 'PX', ttlMs, 'NX')) === 'OK';
  }

  async remember(key: string, ttlMs: number): Promise<void> {
    await this.link.settled();
    await this.redis.set(PREFIX + key, '1', 'PX', ttlMs);
  }

  async remembers(key: string): Promise<boolean> {
    await this.link.settled();
    return (await this.redis.exists(PREFIX + key)) === 1;
  }

  async close(): Promise<void> {
    this.closed = true;
    await quit(this.redis);
  }
}
