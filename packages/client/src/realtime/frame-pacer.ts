import { CLIENT_FRAME_BURST, CLIENT_FRAMES_PER_SECOND, TokenBucket } from '@parley/protocol';

/**
 * Keeps one link under the server's per-connection frame limit, with a margin. Without it a long
 * outbox flushed after a reconnect overruns the burst, the server closes with 4008, and the client
 * loops through reconnects with growing backoff. Each new link starts with a full bucket, as the
 * server's does.
 */
export class FramePacer {
  private readonly bucket: TokenBucket;

  constructor(now: () => number, capacity = CLIENT_FRAME_BURST - 8, perSecond = CLIENT_FRAMES_PER_SECOND - 2) {
    this.bucket = new TokenBucket(perSecond, capacity, now);
  }

  /** 0 when a frame may go now (and takes its token), else how many ms to wait before asking again. */
  delay(): number {
    return this.bucket.take() ? 0 : this.bucket.waitMs();
  }
}
