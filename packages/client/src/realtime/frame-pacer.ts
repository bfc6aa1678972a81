import { CLIENT_FRAME_BURST, CLIENT_FRAMES_PER_SECOND } from '@parley/protocol';

/**
 * Keeps one link under the server's per-connection frame limit, with a margin. Without it a long
 * outbox flushed after a reconnect overruns the burst, the server closes with 4008, and the client
 * loops through reconnects with growing backoff. Each new link starts with a full bucket, as the
 * server's does.
 */
export class FramePacer {
  private tokens: number;
  private last: number;

  constructor(
    private readonly now: () => number,
    private readonly capacity = CLIENT_FRAME_BURST - 8,
    private readonly perSecond = CLIENT_FRAMES_PER_SECOND - 2,
  ) {
    this.tokens = capacity;
    this.last = now();
  }

  /** 0 when a frame may go now (and takes its token), else how many ms to wait before asking again. */
  delay(): number {
    const now = this.now();
    this.tokens = Math.min(this.capacity, this.tokens + ((now - this.last) / 1000) * this.perSecond);
    this.last = now;
    if (this.tokens >= 1) {
      this.tokens -= 1;
      return 0;
    }
    return Math.ceil(((1 - this.tokens) / this.perSecond) * 1000);
  }
}
