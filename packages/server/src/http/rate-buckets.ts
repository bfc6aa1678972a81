import { TokenBucket } from '@parley/protocol';

/**
 * One TokenBucket per key (a client address, a session), in process. The map is bounded: full
 * buckets carry no state, so dropping them forgives no one; if every bucket is busy, the oldest half
 * goes.
 */
export class RateBuckets {
  private readonly buckets = new Map<string, TokenBucket>();

  constructor(
    private readonly rate: number,
    private readonly burst: number,
    private readonly maxKeys = 10_000,
  ) {}

  /** Takes a token for `key`: 0 when there was one, else the whole seconds to wait (for Retry-After). */
  take(key: string): number {
    const bucket = this.bucketFor(key);
    return bucket.take() ? 0 : Math.max(1, Math.ceil(bucket.waitMs() / 1000));
  }

  private bucketFor(key: string): TokenBucket {
    let bucket = this.buckets.get(key);
    if (bucket !== undefined) return bucket;
    if (this.buckets.size >= this.maxKeys) {
      for (const [k, b] of this.buckets) if (b.isFull()) this.buckets.delete(k);
      const excess = this.buckets.size >= this.maxKeys ? this.buckets.size / 2 : 0;
      for (const k of [...this.buckets.keys()].slice(0, excess)) this.buckets.delete(k);
    }
    bucket = new TokenBucket(this.rate, this.burst);
    this.buckets.set(key, bucket);
    return bucket;
  }
}
