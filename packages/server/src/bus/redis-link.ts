import type { Redis } from 'ioredis';
import type { BusLog } from './bus.js';

/** Where a connection stands: `initial` until its first connect attempt succeeds or fails. */
type LinkState = 'initial' | 'up' | 'down';

/** Follows one connection's ups and downs, logging each outage once. */
export class Link {
  state: LinkState = 'initial';
  private readonly first: Promise<void>;
  private resolveFirst: () => void = () => undefined;

  constructor(redis: Redis, name: string, log: BusLog, closing: () => boolean, onReady: () => void) {
    this.first = new Promise((resolve) => {
      this.resolveFirst = resolve;
    });
    redis.on('ready', () => {
      this.state = 'up';
      this.resolveFirst();
      onReady();
    });
    // Without an 'error' listener ioredis prints every failed reconnect attempt; one warning per outage is enough.
    redis.on('error', (error: unknown) => {
      if (this.state !== 'down' && !closing())
        log.warn({ err: error, connection: name }, 'Redis connection failed; reconnecting in the background');
      this.down();
    });
    redis.on('close', () => {
      if (this.state === 'up' && !closing()) log.warn({ connection: name }, 'Redis connection closed; reconnecting in the background');
      this.down();
    });
  }

  /**
   * Resolves at once unless the very first connect attempt is still under way: a bus used right
   * after construction should not drop its first events just because the TCP handshake is not done.
   */
  settled(): Promise<void> {
    return this.state === 'initial' ? this.first : Promise.resolve();
  }

  private down(): void {
    this.state = 'down';
    this.resolveFirst();
  }
}

/** QUIT when the connection works (so Redis sees a clean goodbye), else just drop the socket. */
export async function quit(redis: Redis): Promise<void> {
  if (redis.status === 'ready') {
    try {
      await redis.quit();
      return;
    } catch {
      // Fall through: QUIT timed out or the connection went away meanwhile.
    }
  }
  redis.disconnect();
}
